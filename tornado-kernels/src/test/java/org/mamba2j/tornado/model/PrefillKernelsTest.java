package org.mamba2j.tornado.model;

import org.mamba2j.tornado.Grids;

import org.mamba2j.tornado.KernelContextEmulator;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mamba2j.ssd.RandomInputs;
import org.mamba2j.tornado.KernelContextEmulator;
import org.mamba2j.tornado.ssd.SsdBlocked8Kernels;
import org.mamba2j.tornado.ssd.SsdBlockedKernels;
import org.mamba2j.tornado.ssd.SsdKernels;
import org.mamba2j.tornado.ssd.SsdMmaKernels;
import org.mamba2j.tornado.mma.MmaGemm;
import org.mamba2j.tornado.ssd.SsdTiledKernels;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.LongArray;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mamba2j.tornado.model.MixerKernelsTest.assertRel;
import static org.mamba2j.tornado.model.MixerKernelsTest.poisoned;
import static org.mamba2j.tornado.model.MixerKernelsTest.silu;
import static org.mamba2j.tornado.model.MixerKernelsTest.off;

/**
 * The prefill kernels as plain Java (KernelContext ones through {@link KernelContextEmulator}, real
 * barriers) against float64 references. Outputs are poisoned with NaN first, so an element a kernel
 * forgets fails; rows past the pass (up to the capacity the buffers have) must stay untouched; loop
 * kernels run to a bound past their work items, as a grid rounded up to its work-group size does.
 */
class PrefillKernelsTest {

    final SplittableRandom rnd = new SplittableRandom(11);

    float[] randn(int n) {
        return RandomInputs.gaussian(rnd, n, 1f);
    }

    static IntArray control(int rows, int start, boolean resume) {
        return IntArray.fromElements(rows, start, resume ? 1 : 0);
    }

    /** A loop bound past the work items (the kernels must skip the surplus). */
    static int pad(int items) {
        return items + 37;
    }

    /** Rows [rows, capacity) of a (capacity × n) buffer are still NaN. */
    static void assertUntouchedPast(String what, FloatArray out, int rows, int n) {
        for (int i = rows * n; i < out.getSize(); i++) assertTrue(Float.isNaN(out.get(i)), what + " wrote past its rows at " + i);
    }

    /** float64 a (rows × k) · W (n × k at w[wOff])ᵀ. */
    static double[] product(float[] a, float[] w, int wOff, int rows, int n, int k) {
        double[] ref = new double[rows * n];
        for (int m = 0; m < rows; m++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int q = 0; q < k; q++) s += (double) a[m * k + q] * w[wOff + j * k + q];
                ref[m * n + j] = s;
            }
        }
        return ref;
    }

    @ParameterizedTest(name = "rows {0}, n {1}, k {2}")
    @CsvSource({"1,1,1", "5,3,17", "67,70,100", "64,64,64", "130,129,33", "8,296,64", "3,200,768"})
    void gemmVariantsMatchFloat64(int rows, int n, int k) {
        int wOff = 7, capacity = rows + 5;
        float[] a = randn(capacity * k), w = randn(wOff + n * k + 3), acc0 = randn(capacity * n);
        double[] ref = product(a, w, wOff, rows, n, k);
        double[] refAcc = ref.clone();
        for (int i = 0; i < refAcc.length; i++) refAcc[i] += acc0[i];
        IntArray control = control(rows, 0, false);
        FloatArray aA = off(a), wA = off(w);
        for (String variant : List.of("loop", "blocked")) {
            FloatArray out = poisoned(capacity * n), acc = off(acc0);
            for (int i = rows * n; i < acc.getSize(); i++) acc.set(i, Float.NaN);
            gemm(variant, control, aA, wA, wOff, out, n, k, 0);
            gemm(variant, control, aA, wA, wOff, acc, n, k, 1);
            assertRel(variant + " gemm", Arrays.copyOf(out.toHeapArray(), rows * n), ref, 1e-6);
            assertRel(variant + " gemm accumulating", Arrays.copyOf(acc.toHeapArray(), rows * n), refAcc, 1e-6);
            assertUntouchedPast(variant + " gemm", out, rows, n);
            assertUntouchedPast(variant + " gemm accumulating", acc, rows, n);
        }
    }

    /** The 16-bit GEMMs, both variants, each format through each of its decodes, against float64 over the patterns' values. */
    @ParameterizedTest(name = "{0} weights, {1}, rows {2}, n {3}, k {4}")
    @CsvSource({"F16,TABLE,5,3,17", "F16,F16,5,3,17", "F16,F16,67,70,100", "BF16,TABLE,5,3,17", "BF16,BF16,5,3,17", "BF16,BF16,67,70,100"})
    void sixteenBitGemmsMatchFloat64(WeightFormat f, Decode decode, int rows, int n, int k) {
        int wOff = 7, capacity = rows + 5, table = WeightFormat.TABLE_SIZE;
        float[] a = randn(capacity * k), w = randn(wOff + n * k + 3), acc0 = randn(capacity * n);
        LongArray w16 = DecodeTest.patterns(w, f);
        FloatArray small = FloatArray.fromArray(f.table());
        double[] ref = product(a, w, wOff, rows, n, k);
        double[] refAcc = ref.clone();
        for (int i = 0; i < refAcc.length; i++) refAcc[i] += acc0[i];
        IntArray control = control(rows, 0, false);
        FloatArray aA = off(a);
        assertTrue(small.getSize() == table);
        for (String variant : List.of("loop", "blocked")) {
            FloatArray out = poisoned(capacity * n), acc = off(acc0);
            for (int i = rows * n; i < acc.getSize(); i++) acc.set(i, Float.NaN);
            gemm16(variant, control, aA, w16, small, decode, wOff, out, n, k, 0);
            gemm16(variant, control, aA, w16, small, decode, wOff, acc, n, k, 1);
            assertRel(variant + " gemm16", Arrays.copyOf(out.toHeapArray(), rows * n), ref, 1e-6);
            assertRel(variant + " gemm16 accumulating", Arrays.copyOf(acc.toHeapArray(), rows * n), refAcc, 1e-6);
            assertUntouchedPast(variant + " gemm16", out, rows, n);
        }
    }

    /** Runs a gemm variant over a grid sized for {@code control[ROWS]}, as PrefillPlan launches it. */
    static void gemm(String variant, IntArray control, FloatArray a, FloatArray w, int wOff, FloatArray out, int n, int k, int accumulate) {
        int rows = control.get(PrefillKernels.ROWS);
        if (variant.equals("blocked")) {
            KernelContextEmulator.run(Grids.tileEdge(n, SsdBlockedKernels.TILE, SsdBlockedKernels.THREADS), Grids.tileEdge(rows, SsdBlockedKernels.TILE, SsdBlockedKernels.THREADS), 1, 16, 16, 1,
                    kc -> GemmKernels.gemmBlocked(kc, control, a, w, wOff, out, n, k, accumulate));
        } else {
            GemmKernels.gemm(control, a, w, wOff, out, n, k, accumulate, pad((rows + 3) / 4 * ((n + 3) / 4)));
        }
    }

    /** {@link #gemm} with 16-bit weights read by {@code decode} (the decode table at the head of small). */
    static void gemm16(String variant, IntArray control, FloatArray a, LongArray w, FloatArray small, Decode decode, int wOff, FloatArray out, int n, int k,
                       int accumulate) {
        int rows = control.get(PrefillKernels.ROWS);
        if (variant.equals("blocked")) {
            KernelContextEmulator.run(Grids.tileEdge(n, SsdBlockedKernels.TILE, SsdBlockedKernels.THREADS), Grids.tileEdge(rows, SsdBlockedKernels.TILE, SsdBlockedKernels.THREADS), 1, 16, 16, 1,
                    kc -> GemmKernels.gemmBlocked16(kc, control, a, w, small, wOff, out, n, k, accumulate, decode.arg()));
        } else {
            GemmKernels.gemm16(control, a, w, small, wOff, out, n, k, accumulate, pad((rows + 3) / 4 * ((n + 3) / 4)), decode.arg());
        }
    }

    @ParameterizedTest(name = "rows {0}, n {1}, local {2}, adding {3}")
    @CsvSource({"3,768,256,false", "5,100,32,false", "1,3,4,false", "3,768,256,true", "5,100,32,true", "2,70,16,true"})
    void rmsNormRows(int rows, int n, int local, boolean adding) {
        float[] x0 = randn((rows + 2) * n), add = randn((rows + 2) * n), w = randn(n + 5);
        float[] x = x0.clone();
        if (adding) {
            for (int i = 0; i < rows * n; i++) x[i] += add[i];
        }
        FloatArray out = poisoned((rows + 2) * n), xA = off(adding ? x : x0), addA = off(add), wA = off(w);
        KernelContextEmulator.run(rows * local, 1, 1, local, 1, 1, k -> PrefillKernels.rmsNormRows(k, xA, wA, 0, out, n, 1e-5f));
        assertArrayEquals(adding ? x : x0, xA.toHeapArray(), "the norm leaves its input as it is");
        double[] ref = new double[rows * n];
        for (int t = 0; t < rows; t++) {
            double ss = 0;
            for (int i = 0; i < n; i++) ss += (double) x[t * n + i] * x[t * n + i];
            double scale = 1 / Math.sqrt(ss / n + 1e-5);
            for (int i = 0; i < n; i++) ref[t * n + i] = x[t * n + i] * scale * w[i];
        }
        assertRel("rmsNormRows", Arrays.copyOf(out.toHeapArray(), rows * n), ref, 1e-6);
        assertUntouchedPast("rmsNormRows", out, rows, n);
        if (n % 2 == 0) {
            // the tensor-core in_proj's operand: the same rows as fp16 pairs
            FloatArray x2 = off(x0);
            IntArray halves = new IntArray((rows + 2) * n / 2);
            halves.init(-1);
            KernelContextEmulator.run(rows * local, 1, 1, local, 1, 1,
                    k -> PrefillKernels.rmsNormRowsHalves(k, x2, addA, adding ? 1 : 0, wA, 0, halves, n, 1e-5f));
            // adding, the residual keeps the sum (the rows past the pass untouched)
            assertArrayEquals(x, x2.toHeapArray());
            assertHalves("rmsNormRowsHalves", halves, ref, rows * n);
        }
    }

    /** fp16 pairs (element 2j low in pair j) within an fp16 rounding of ref, each, and the pairs past ref's n poisoned (-1) still. */
    static void assertHalves(String what, IntArray halves, double[] ref, int n) {
        for (int i = 0; i < n; i++) {
            int pair = halves.get(i / 2);
            float got = Float.float16ToFloat((short) (i % 2 == 0 ? pair : pair >>> 16));
            double tol = Math.abs(ref[i]) * 0x1p-11 * 1.01 + 0x1p-25;
            int at = i;
            assertTrue(Math.abs(got - ref[i]) <= tol, () -> what + " element " + at + ": " + got + ", want " + ref[at]);
        }
        for (int j = n / 2; j < halves.getSize(); j++) assertEquals(-1, halves.get(j), what + " wrote past its rows at pair " + j);
    }

    @Test
    void gatedRmsNormRowsIsGroupedPerRowAndGroup() {
        int rows = 3, groups = 4, groupSize = 48, dInner = groups * groupSize, dInProj = dInner + 37, wOff = 9;
        float[] y = randn(rows * dInner), zx = randn(rows * dInProj), w = randn(wOff + dInner + 2);
        FloatArray out = poisoned((rows + 1) * dInner), yA = off(y), zxA = off(zx), wA = off(w);
        KernelContextEmulator.run(rows * groups * 32, 1, 1, 32, 1, 1,
                k -> PrefillKernels.gatedRmsNormRows(k, yA, zxA, wA, wOff, out, dInner, dInProj, groupSize, 1e-5f));
        double[] ref = new double[rows * dInner];
        for (int t = 0; t < rows; t++) {
            for (int g = 0; g < groups; g++) {
                double ss = 0;
                for (int i = g * groupSize; i < (g + 1) * groupSize; i++) {
                    ref[t * dInner + i] = y[t * dInner + i] * silu(zx[t * dInProj + i]);
                    ss += ref[t * dInner + i] * ref[t * dInner + i];
                }
                double scale = 1 / Math.sqrt(ss / groupSize + 1e-5);
                for (int i = g * groupSize; i < (g + 1) * groupSize; i++) ref[t * dInner + i] *= scale * w[wOff + i];
            }
        }
        assertRel("gatedRmsNormRows", Arrays.copyOf(out.toHeapArray(), rows * dInner), ref, 1e-6);
        assertUntouchedPast("gatedRmsNormRows", out, rows, dInner);
        // the tensor-core out_proj's operand: the same rows as fp16 pairs
        IntArray halves = new IntArray((rows + 1) * dInner / 2);
        halves.init(-1);
        FloatArray y2 = off(y);
        KernelContextEmulator.run(rows * groups * 32, 1, 1, 32, 1, 1,
                k -> PrefillKernels.gatedRmsNormRowsHalves(k, y2, zxA, wA, wOff, halves, dInner, dInProj, groupSize, 1e-5f));
        assertHalves("gatedRmsNormRowsHalves", halves, ref, rows * dInner);
    }

    /** Sizes of a small mixer: the conv runs over x | B | C of zxbcdt = z | x | B | C | dt. */
    static final int D_INNER = 12, GN = 5, HEADS = 3, D_CONV = 4, CONV_DIM = D_INNER + 2 * GN, D_IN_PROJ = D_INNER + CONV_DIM + HEADS;

    @ParameterizedTest(name = "rows {0}, start {1}, resume {2}, width {3}")
    @CsvSource({"8,0,false,4", "8,5,false,4", "8,7,false,4", "8,0,true,4", "2,0,true,4", "16,13,false,4",
            "8,0,true,2", "8,3,false,3", "9,0,true,6", "12,2,false,8"})
    void causalConvPadsAndResumesAndSplits(int rows, int start, boolean resume, int dConv) {
        for (boolean fourRows : new boolean[]{false, true}) causalConvPadsAndResumesAndSplits(rows, start, resume, dConv, fourRows);
    }

    /** The loop kernel, or with {@code fourRows} {@link PrefillKernels#causalConvRows}, against the conv in double precision. */
    private void causalConvPadsAndResumesAndSplits(int rows, int start, boolean resume, int dConv, boolean fourRows) {
        int capacity = rows + 3, convAt = 6, convWOff = 4, km1 = dConv - 1;
        // NaN past the last row: the four-row kernel must not let inputs past it reach a stored output
        float[] zx = randn(capacity * D_IN_PROJ), states = randn(convAt + CONV_DIM * km1 + 5), w = randn(convWOff + CONV_DIM * (dConv + 1) + 2);
        Arrays.fill(zx, rows * D_IN_PROJ, capacity * D_IN_PROJ, Float.NaN);
        float[] states0 = states.clone();
        FloatArray xA = poisoned(capacity * D_INNER), bA = poisoned(capacity * GN), cA = poisoned(capacity * GN), dtA = poisoned(capacity * HEADS);
        FloatArray statesA = off(states);
        IntArray control = control(rows, start, resume);
        if (fourRows) {
            int groups = (rows + PrefillKernels.CONV_ROWS - 1) / PrefillKernels.CONV_ROWS;
            PrefillKernels.causalConvRows(control, off(zx), statesA, convAt, off(w), convWOff, xA, bA, cA, dtA, D_INNER, GN, HEADS, dConv,
                    pad(groups * (CONV_DIM + HEADS)));
        } else {
            PrefillKernels.causalConv(control, off(zx), statesA, convAt, off(w), convWOff, xA, bA, cA, dtA, D_INNER, GN, HEADS, dConv,
                    pad(rows * (CONV_DIM + HEADS)));
        }
        assertArrayEquals(states0, statesA.toHeapArray(), "the conv must not write the states");
        float[] x = xA.toHeapArray(), B = bA.toHeapArray(), C = cA.toHeapArray(), dt = dtA.toHeapArray();
        double[] ref = new double[rows * CONV_DIM];
        float[] got = new float[rows * CONV_DIM];
        for (int t = 0; t < rows; t++) {
            for (int c = 0; c < CONV_DIM; c++) {
                double acc = w[convWOff + CONV_DIM * dConv + c];
                for (int k = 0; k < dConv; k++) {
                    int s = t - km1 + k;
                    double in = s >= start ? zx[s * D_IN_PROJ + D_INNER + c] : s < 0 && resume ? states0[convAt + c * km1 + km1 + s] : 0;
                    acc += w[convWOff + c * dConv + k] * in;
                }
                ref[t * CONV_DIM + c] = t < start ? 0 : silu(acc);
                got[t * CONV_DIM + c] = c < D_INNER ? x[t * D_INNER + c] : c < D_INNER + GN ? B[t * GN + c - D_INNER] : C[t * GN + c - D_INNER - GN];
            }
            for (int h = 0; h < HEADS; h++) assertEquals(zx[t * D_IN_PROJ + D_INNER + CONV_DIM + h], dt[t * HEADS + h], "dt copied");
        }
        assertRel("causalConv", got, ref, 1e-6);
        for (int t = 0; t < start; t++) {
            for (int c = 0; c < CONV_DIM; c++) assertEquals(0f, got[t * CONV_DIM + c], "padding row " + t + " must be exactly zero");
        }
        assertUntouchedPast("causalConv x", xA, rows, D_INNER);
        assertUntouchedPast("causalConv B", bA, rows, GN);
        assertUntouchedPast("causalConv C", cA, rows, GN);
        assertUntouchedPast("causalConv dt", dtA, rows, HEADS);
    }

    @ParameterizedTest(name = "rows {0}, start {1}")
    @CsvSource({"8,0", "8,6", "3,0", "16,15"})
    void saveConvWindowKeepsTheLastInputsOldestFirst(int rows, int start) {
        int convAt = 5, km1 = D_CONV - 1;
        float[] zx = randn((rows + 2) * D_IN_PROJ), before = randn(convAt + CONV_DIM * km1 + 4);
        FloatArray statesA = off(before);
        PrefillKernels.saveConvWindow(control(rows, start, false), off(zx), statesA, convAt, D_INNER, CONV_DIM, D_IN_PROJ, D_CONV, pad(CONV_DIM * km1));
        float[] states = statesA.toHeapArray();
        for (int c = 0; c < CONV_DIM; c++) {
            for (int k = 0; k < km1; k++) {
                int s = rows - km1 + k;
                float want = s >= start ? zx[s * D_IN_PROJ + D_INNER + c] : 0f;
                assertEquals(want, states[convAt + c * km1 + k], "window of channel " + c + " at " + k);
            }
        }
        for (int i = 0; i < convAt; i++) assertEquals(before[i], states[i]);
        for (int i = convAt + CONV_DIM * km1; i < states.length; i++) assertEquals(before[i], states[i]);
    }

    @Test
    void embedRowsZeroesThePaddingAndLastRowReadsTheLastPosition() {
        int dim = 6, rows = 5, start = 2;
        float[] table = randn(10 * dim);
        FloatArray outA = poisoned((rows + 2) * dim);
        int[] tokens = {0, 0, 7, 3, 9, 1, 1};
        PrefillKernels.embedRows(control(rows, start, false), IntArray.fromArray(tokens), off(table), outA, dim, pad(rows * dim));
        float[] out = outA.toHeapArray();
        for (int t = 0; t < rows; t++) {
            float[] want = t < start ? new float[dim] : Arrays.copyOfRange(table, tokens[t] * dim, (tokens[t] + 1) * dim);
            assertArrayEquals(want, Arrays.copyOfRange(out, t * dim, (t + 1) * dim), "row " + t);
        }
        assertUntouchedPast("embedRows", outA, rows, dim);
        FloatArray last = poisoned(dim);
        PrefillKernels.lastRow(control(rows, start, false), outA, new FloatArray(1), 0, last, dim, pad(dim));
        assertArrayEquals(Arrays.copyOfRange(table, 9 * dim, 10 * dim), last.toHeapArray());
        // adding the last row of a tensor-core out_proj
        float[] projected = randn((rows + 2) * dim), want = new float[dim];
        for (int i = 0; i < dim; i++) want[i] = table[9 * dim + i] + projected[(rows - 1) * dim + i];
        PrefillKernels.lastRow(control(rows, start, false), outA, off(projected), 1, last, dim, pad(dim));
        assertArrayEquals(want, last.toHeapArray());
    }

    static int params(Class<?> c, String kernel) {
        return Arrays.stream(c.getMethods()).filter(m -> m.getName().equals(kernel))
                .mapToInt(java.lang.reflect.Method::getParameterCount).max().orElseThrow();
    }

    @Test
    void graphBudgetCountsTheKernelsArguments() {
        Class<?> p = PrefillKernels.class, ssd = SsdKernels.class, tiled = SsdTiledKernels.class, blocked = SsdBlockedKernels.class;
        Class<?> gemms = GemmKernels.class;
        int gemm = Math.max(Math.max(Math.max(params(gemms, "gemm"), params(gemms, "gemmBlocked")), Math.max(params(gemms, "gemm16"), params(gemms, "gemmBlocked16"))),
                params(MmaGemm.class, "gemm"));
        int norm = Math.max(params(p, "rmsNormRows"), params(p, "rmsNormRowsHalves"));
        int fixed = norm + 2 * gemm + params(p, "causalConv")
                + params(p, "saveConvWindow") + Math.max(params(ssd, "chunkCumsum"), params(ssd, "chunkCumsumScan"))
                + params(ssd, "statePassing") + Math.max(params(p, "gatedRmsNormRows"), params(p, "gatedRmsNormRowsHalves"));
        Class<?> blocked8 = SsdBlocked8Kernels.class, mma = SsdMmaKernels.class;
        int cb = Math.max(params(ssd, "chunkCB"), Math.max(params(blocked, "chunkCBBlocked"), params(blocked8, "chunkCBBlocked8")));
        int states = Math.max(Math.max(params(ssd, "chunkStates"), params(tiled, "chunkStates")),
                Math.max(Math.max(params(blocked, "chunkStatesBlocked"), params(blocked8, "chunkStatesBlocked8")), params(mma, "chunkStatesMma")));
        int output = Math.max(Math.max(params(ssd, "chunkScores") + params(ssd, "chunkOutput"), params(tiled, "chunkOutput")),
                Math.max(Math.max(params(blocked, "chunkOutputBlocked"), params(blocked8, "chunkOutputBlocked8")), params(mma, "chunkOutputMma")));
        assertEquals(PrefillPlan.ARGS_PER_BLOCK, fixed + cb + states + output);
        assertEquals(PrefillPlan.EDGE_ARGS, params(p, "embedRows16") + params(p, "lastRow") + params(MixerKernels.class, "normMatVecOut"));
        int max = PrefillPlan.BUDGET.maxBlocks(PackedLayoutTest.RAISED_BYTECODE_SIZE, DecodePlan.GRAPH_CODE_SIZE);
        assertTrue(max >= 8 && max * PrefillPlan.TASKS_PER_BLOCK + PrefillPlan.EDGE_TASKS <= DecodePlan.MAX_TASKS_PER_GRAPH, "max " + max);
        assertTrue(DecodePlan.split(24, max).length <= 3, "the 130m model's 24 blocks in at most 3 graphs");
        int roomy = PrefillPlan.BUDGET.maxBlocks(PackedLayoutTest.RAISED_BYTECODE_SIZE, RoomyTaskGraph.ROOMY_SIZE);
        assertTrue(roomy * PrefillPlan.TASKS_PER_BLOCK + PrefillPlan.EDGE_TASKS <= DecodePlan.MAX_TASKS_PER_GRAPH, "max " + roomy);
        assertEquals(3, DecodePlan.split(24, max).length, "the 130m model's pass in TornadoVM's own graph code, max " + max);
        assertEquals(2, DecodePlan.split(24, roomy).length, "in roomy graphs the 130m model's pass is two graphs (the nodes bound), max " + roomy);
    }

    @Test
    void passesPadOnlyTheFirstAndFillTheRest() {
        assertEquals(List.of(new PrefillPlan.Pass(0, 1, 8, 7, false)), PrefillPlan.passes(1, 16, 8));
        assertEquals(List.of(new PrefillPlan.Pass(0, 16, 16, 0, false)), PrefillPlan.passes(16, 16, 8));
        assertEquals(List.of(new PrefillPlan.Pass(0, 1, 8, 7, false), new PrefillPlan.Pass(1, 16, 16, 0, true)), PrefillPlan.passes(17, 16, 8));
        assertEquals(List.of(new PrefillPlan.Pass(0, 13, 16, 3, false), new PrefillPlan.Pass(13, 16, 16, 0, true),
                new PrefillPlan.Pass(29, 16, 16, 0, true)), PrefillPlan.passes(45, 16, 8));
        assertEquals(List.of(new PrefillPlan.Pass(0, 29, 32, 3, false)), PrefillPlan.passes(29, 2048, 32));
        assertThrows(IllegalArgumentException.class, () -> PrefillPlan.passes(0, 16, 8));
        assertThrows(IllegalArgumentException.class, () -> PrefillPlan.passes(5, 12, 8));
    }
}
