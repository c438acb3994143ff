package org.mamba2j.tornado.model;

import org.mamba2j.tornado.Packed16;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.mamba2j.tornado.Grids;
import org.mamba2j.tornado.KernelContextEmulator;
import org.mamba2j.tornado.mma.MmaGemm;
import org.mamba2j.tornado.ssd.SsdBlockedKernels;
import uk.ac.manchester.tornado.api.types.HalfFloat;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.HalfFloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.LongArray;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mamba2j.tornado.model.MixerKernelsTest.assertRel;
import static org.mamba2j.tornado.model.MixerKernelsTest.off;
import static org.mamba2j.tornado.model.MixerKernelsTest.poisoned;
import static org.mamba2j.tornado.model.MixerKernelsTest.silu;

/** The batched decode's kernels as plain Java (the KernelContext emulator) against float64 norms, products and SSD steps. */
class BatchKernelsTest {

    /**
     * The split-k GEMM's partial products sum to a·diag(c)·Wᵀ: rows below and past one tile, n not a
     * multiple of the tile, k not a multiple of the split nor the split of 16, with and without the
     * column scale, both weight formats; every partial is its own split's product (outputs poisoned).
     */
    @ParameterizedTest(name = "rows {0}, n {1}, k {2}, kLen {3}, scaled {4}, 16-bit {5}")
    @CsvSource({"3,100,48,16,true,false", "70,65,40,32,false,false", "5,70,50,20,true,false", "64,33,48,48,true,false",
            "4,20,37,16,false,true", "66,20,32,16,true,true"})
    void splitGemmPartsSumToTheProduct(int rows, int n, int k, int kLen, boolean scaled, boolean sixteenBit) {
        for (int decode : new int[]{Decode.TABLE_ARG, Decode.BF16_ARG}) splitGemmPartsSumToTheProduct(rows, n, k, kLen, scaled, sixteenBit, decode);
    }

    /** {@link #splitGemmPartsSumToTheProduct} with the 16-bit weights read by {@code decode} (the table or bf16's native one). */
    void splitGemmPartsSumToTheProduct(int rows, int n, int k, int kLen, boolean scaled, boolean sixteenBit, int decode) {
        SplittableRandom rnd = new SplittableRandom(rows * 31L + n);
        int colOff = 3, wOff = 5, table = WeightFormat.TABLE_SIZE;
        int splits = (k + kLen - 1) / kLen, stride = rows * n + 9;
        float[] a = gaussian(rnd, rows * k), c = gaussian(rnd, colOff + k), w = gaussian(rnd, wOff + n * k);
        FloatArray small = new FloatArray(table + c.length);
        WeightFormat f = WeightFormat.BF16;
        for (int i = 0; i < table; i++) small.set(i, f.table()[i]);
        for (int i = 0; i < c.length; i++) small.set(table + i, c[i]);
        LongArray w16 = Packed16.allocate(w.length);
        if (sixteenBit) {
            for (int i = 0; i < w.length; i++) {
                Packed16.set(w16, i, (short) (Float.floatToRawIntBits(w[i]) >>> 16));   // truncated to bf16
                w[i] = f.toFloat(Packed16.get(w16, i));
            }
        }
        FloatArray aA = off(a), wA = off(w), out = poisoned(splits * stride);
        int colScale = scaled ? table + colOff : -1;
        int t = SsdBlockedKernels.THREADS, tile = SsdBlockedKernels.TILE;
        KernelContextEmulator.run(Grids.tileEdge(n, tile, t), Grids.tileEdge(rows, tile, t), splits, t, t, 1, kc -> {
            if (sixteenBit) GemmKernels.splitGemm16(kc, aA, small, colScale, w16, wOff, out, n, k, kLen, rows, stride, decode);
            else GemmKernels.splitGemm(kc, aA, small, colScale, wA, wOff, out, n, k, kLen, rows, stride);
        });
        for (int s = 0; s < splits; s++) {
            double[] ref = new double[rows * n];
            float[] got = new float[rows * n];
            for (int m = 0; m < rows; m++) {
                for (int j = 0; j < n; j++) {
                    double dot = 0;
                    for (int i = s * kLen; i < Math.min(k, (s + 1) * kLen); i++) dot += (double) a[m * k + i] * (scaled ? c[colOff + i] : 1) * w[wOff + j * k + i];
                    ref[m * n + j] = dot;
                    got[m * n + j] = out.get(s * stride + m * n + j);
                }
            }
            assertRel("split " + s, got, ref, 1e-5);
        }
    }

    /**
     * The batched SSD step against float64: slots in STEP, RESTART and HOLD, two B/C groups, z and dt
     * as the sum of two partial products, lanes of 1 to 8 per row and rows per group not dividing
     * batch·dInner, gated and not; a held slot's state stays, every other row's state advances. With fp16 states
     * ({@link BatchKernels#ssdStepRowsF16}) the step reads the stored fp16 values and stores each new one rounded to fp16
     * (within half an fp16 unit of the float64 value), y from the unrounded ones; with bf16 quads
     * ({@link BatchKernels#ssdStepRowsBf16}, runs of four rows, lanes past the row's quads idle) the same within half a
     * bf16 unit. With fp16 outputs (the tensor-core out_proj's operand) every pair of rows also leaves y times the gated
     * norm's weight as two fp16 patterns in one int.
     */
    @ParameterizedTest(name = "local {0}, lanes {1}, gate {2}, states {3}, fp16 outputs {4}")
    @CsvSource({"16,4,1,F32,true", "32,8,0,F32,false", "8,8,1,F32,false", "4,1,1,F32,false", "64,16,1,F32,true", "16,4,1,F16,false",
            "32,8,0,F16,false", "32,8,1,F16,true", "4,1,1,F16,true", "16,4,1,BF16,false", "8,2,1,BF16,true", "8,2,0,BF16,false", "32,8,1,BF16,true",
            "4,1,1,BF16,false", "64,16,1,BF16,true"})
    void ssdStepRowsAdvancesEverySlotAsAlone(int local, int lanes, int gate, BatchStates format, boolean halvesOut) {
        boolean f16 = format == BatchStates.F16, bf16 = format == BatchStates.BF16;
        // bf16 quads: runs of QUAD_ROWS rows of a head, dstate a multiple of 4, offsets in whole quads
        int nheads = 4, headdim = bf16 ? 4 : 3, ngroups = 2, dstate = bf16 ? 16 : 14, batch = 3, splits = 2;
        int dInner = nheads * headdim, convDim = dInner + 2 * ngroups * dstate, dInProj = dInner + convDim + nheads;
        int stateStride = dInner * dstate + (bf16 ? 8 : 5), stateOff = bf16 ? 4 : 2, headsOff = 1, partStride = batch * dInProj + 3;
        SplittableRandom rnd = new SplittableRandom(local * 7L + lanes);
        float[] zx = gaussian(rnd, splits * partStride), xbc = gaussian(rnd, batch * convDim), st = gaussian(rnd, batch * stateStride);
        int normOff = headsOff + 3 * nheads + 2;
        float[] w = gaussian(rnd, normOff + dInner);
        for (int h = 0; h < nheads; h++) w[headsOff + nheads + h] = -(float) Math.exp(w[headsOff + nheads + h]);   // A < 0
        w[headsOff + 3 * nheads] = 1e-3f;
        w[headsOff + 3 * nheads + 1] = 0.5f;
        int[] modes = {BatchKernels.STEP, BatchKernels.RESTART, BatchKernels.HOLD};
        IntArray input = IntArray.fromElements(0, 0, 0, modes[0], modes[1], modes[2]);
        if (f16) for (int i = 0; i < st.length; i++) st[i] = Float.float16ToFloat(Float.floatToFloat16(st[i])); // what fp16 holds
        if (bf16) for (int i = 0; i < st.length; i++) st[i] = BatchKernels.bf16(BatchKernels.bf16Quad(st[i], 0, 0, 0), 0); // what bf16 holds
        FloatArray states = off(st), y = poisoned(batch * dInner);
        IntArray halves = nanPairs(batch * dInner / 2);
        int output = halvesOut ? normOff : gate != 0 ? BatchKernels.Y_GATED : BatchKernels.Y_PLAIN;
        HalfFloatArray states16 = new HalfFloatArray(st.length);
        for (int i = 0; i < st.length; i++) states16.set(i, new HalfFloat(st[i]));
        LongArray quads = Packed16.allocate(st.length);
        for (int i = 0; i + 3 < st.length; i += 4) quads.set(i / 4, BatchKernels.bf16Quad(st[i], st[i + 1], st[i + 2], st[i + 3]));
        int perGroup = local / lanes, groups = (batch * dInner / (bf16 ? BatchKernels.QUAD_ROWS : 1) + perGroup - 1) / perGroup;
        KernelContextEmulator.run(groups * local, 1, 1, local, 1, 1, kc -> {
            if (f16) BatchKernels.ssdStepRowsF16(kc, input, off(zx), off(xbc), states16, stateOff, stateStride, off(w), headsOff, y, halves,
                    nheads, headdim, ngroups, dstate, batch, splits, partStride, lanes, output);
            else if (bf16) BatchKernels.ssdStepRowsBf16(kc, input, off(zx), off(xbc), quads, stateOff, stateStride, off(w), headsOff, y, halves,
                    nheads, headdim, ngroups, dstate, batch, splits, partStride, lanes, output);
            else BatchKernels.ssdStepRows(kc, input, off(zx), off(xbc), states, stateOff, stateStride, off(w), headsOff, y, halves, nheads,
                    headdim, ngroups, dstate, batch, splits, partStride, lanes, output);
        });
        double[] refY = new double[batch * dInner];
        float[] gotY = new float[batch * dInner];
        for (int b = 0; b < batch; b++) {
            for (int hp = 0; hp < dInner; hp++) {
                int h = hp / headdim, g = h / (nheads / ngroups);
                double raw = zx[b * dInProj + dInner + convDim + h] + zx[partStride + b * dInProj + dInner + convDim + h] + w[headsOff + h];
                double dt = raw > 20 ? raw : Math.log1p(Math.exp(raw));
                dt = Math.min(Math.max(dt, w[headsOff + 3 * nheads]), w[headsOff + 3 * nheads + 1]);
                double decay = Math.exp(dt * w[headsOff + nheads + h]), x = xbc[b * convDim + hp], acc = 0;
                for (int n = 0; n < dstate; n++) {
                    int at = b * stateStride + stateOff + hp * dstate + n;
                    double prev = modes[b] == BatchKernels.RESTART ? 0 : st[at];
                    double v = decay * prev + x * dt * xbc[b * convDim + dInner + g * dstate + n];
                    acc += v * xbc[b * convDim + dInner + ngroups * dstate + g * dstate + n];
                    double want = modes[b] == BatchKernels.HOLD ? st[at] : v;
                    if (f16) {
                        double unit = Math.scalb(1.0, Math.getExponent((float) Math.max(Math.abs(want), 0x1p-14)) - 10); // fp16's
                        assertEquals(want, states16.get(at).getFloat32(), 0.5 * unit + 1e-5 * Math.abs(want), "fp16 state of slot " + b + " row " + hp
                                + " entry " + n);
                    } else if (bf16) {
                        double unit = Math.scalb(1.0, Math.getExponent((float) want) - 7); // bf16's
                        assertEquals(want, BatchKernels.bf16(quads.get(at / 4), at % 4), 0.5 * unit + 1e-5 * Math.abs(want), "bf16 state of slot " + b
                                + " row " + hp + " entry " + n);
                    } else {
                        assertEquals(want, states.get(at), 1e-5 * (1 + Math.abs(want)), "state of slot " + b + " row " + hp + " entry " + n);
                    }
                }
                double out = acc + w[headsOff + 2 * nheads + h] * x;
                if (gate != 0) out *= silu(zx[b * dInProj + hp] + zx[partStride + b * dInProj + hp]);
                refY[b * dInner + hp] = out;
                gotY[b * dInner + hp] = y.get(b * dInner + hp);
                int pair = halves.get((b * dInner + hp) / 2);
                if (halvesOut) {
                    assertHalf(out * w[normOff + hp], pair, hp % 2, "fp16 output of slot " + b + " row " + hp);
                } else {
                    assertEquals(0x7E007E00, pair, "no fp16 outputs asked for");
                }
            }
        }
        assertRel("y", gotY, refY, 1e-5);
    }

    /**
     * The block's end: residual += Σ_s s_(group of s)·part_s with the gated norm's per-group scales of
     * g, then normed = RMSNorm(residual)·nw, as float32 or as fp16 pairs; four splits, in two norm groups (two per group) or
     * one (the entries each work item keeps read before the gated norm's sum), dModel not a multiple of the group (nor of two,
     * for float32), rows longer than a work-group keeps (4 · local) and shorter than its pairs.
     */
    @ParameterizedTest(name = "dModel {0}, local {1}, fp16 pairs {2}, groups {3}")
    @CsvSource({"37,16,false,2", "38,16,true,2", "9,8,false,2", "10,8,true,2", "37,16,false,1", "38,16,true,1", "9,8,false,1", "10,8,true,1",
            "71,8,false,1", "70,8,true,1", "61,16,false,1"})
    void residualNormRowsScalesTheSplitsAndNormalizesTheNewResidual(int dModel, int local, boolean pairs, int groups) {
        int rows = 3, dInner = 24, splits = 4, kLen = 6, normOff = 2, partStride = rows * dModel + 1;
        SplittableRandom rnd = new SplittableRandom(5);
        float[] g = gaussian(rnd, rows * dInner), part = gaussian(rnd, splits * partStride), res = gaussian(rnd, rows * dModel);
        float[] nw = gaussian(rnd, normOff + dModel);
        FloatArray residual = off(res), normed = poisoned(rows * dModel);
        IntArray halves = nanPairs(rows * dModel / 2);
        KernelContextEmulator.run(rows * local, 1, 1, local, 1, 1, kc -> BatchKernels.residualNormRows(kc, off(g), off(part), residual, off(nw),
                normOff, normed, halves, pairs ? 1 : 0, dModel, dInner, groups, splits, kLen, partStride, 1e-5f, 1e-6f));
        double[] refR = new double[rows * dModel], refN = new double[rows * dModel];
        float[] gotR = new float[rows * dModel], gotN = new float[rows * dModel];
        for (int m = 0; m < rows; m++) {
            double[] scale = new double[groups];
            int gk = dInner / groups;
            for (int q = 0; q < groups; q++) {
                double ss = 0;
                for (int i = 0; i < gk; i++) ss += (double) g[m * dInner + q * gk + i] * g[m * dInner + q * gk + i];
                scale[q] = 1 / Math.sqrt(ss / gk + 1e-5);
            }
            double ss = 0;
            for (int j = 0; j < dModel; j++) {
                double r = res[m * dModel + j];
                for (int s = 0; s < splits; s++) r += scale[s * kLen / gk] * part[s * partStride + m * dModel + j];
                refR[m * dModel + j] = r;
                ss += r * r;
            }
            for (int j = 0; j < dModel; j++) {
                refN[m * dModel + j] = refR[m * dModel + j] / Math.sqrt(ss / dModel + 1e-6) * nw[normOff + j];
                gotR[m * dModel + j] = residual.get(m * dModel + j);
                gotN[m * dModel + j] = normed.get(m * dModel + j);
            }
        }
        assertRel("residual", gotR, refR, 1e-6);
        assertNormed(pairs, normed, halves, refN, gotN);
    }

    /** float32 rows in normed and none in halves, or fp16 pairs of them (each within half an fp16 unit) in halves and none in normed. */
    private static void assertNormed(boolean pairs, FloatArray normed, IntArray halves, double[] ref, float[] got) {
        if (pairs) {
            for (int i = 0; i < ref.length; i++) {
                assertTrue(Float.isNaN(normed.get(i)), "no float32 rows asked for");
                assertHalf(ref[i], halves.get(i / 2), i % 2, "fp16 entry " + i);
            }
        } else {
            for (int i = 0; i < halves.getSize(); i++) assertEquals(0x7E007E00, halves.get(i), "no fp16 pairs asked for");
            assertRel("normed", got, ref, 1e-5);
        }
    }

    /** Half {@code which} (0 low, 1 high) of an fp16 pair is {@code want} within half an fp16 unit. */
    private static void assertHalf(double want, int pair, int which, String what) {
        double unit = Math.scalb(1.0, Math.getExponent((float) Math.max(Math.abs(want), 0x1p-14)) - 10);
        float got = Float.float16ToFloat((short) (which == 0 ? pair : pair >>> 16));
        assertEquals(want, got, 0.5 * unit + 1e-5 * Math.abs(want), what);
    }

    /** n pairs of fp16 NaNs: what no kernel writes. */
    private static IntArray nanPairs(int n) {
        IntArray h = new IntArray(Math.max(n, 1));
        h.init(0x7E007E00);
        return h;
    }

    /** The step's start: each row's embedding and its RMSNorm (float32 or fp16 pairs), from float32 and 16-bit tables. */
    @ParameterizedTest(name = "16-bit {0}, dModel {1}, fp16 pairs {2}")
    @CsvSource({"false,21,false", "true,21,false", "false,22,true", "true,40,true"})
    void embedNormRowsEmbedsAndNormalizes(boolean sixteenBit, int dModel, boolean pairs) {
        int rows = 3, vocab = 5, local = 8, normOff = 4, table = WeightFormat.TABLE_SIZE;
        SplittableRandom rnd = new SplittableRandom(9);
        float[] e = gaussian(rnd, vocab * dModel), nw = gaussian(rnd, normOff + dModel);
        WeightFormat f = WeightFormat.BF16;
        FloatArray small = new FloatArray(table + nw.length);
        for (int i = 0; i < table; i++) small.set(i, f.table()[i]);
        for (int i = 0; i < nw.length; i++) small.set(table + i, nw[i]);
        LongArray e16 = Packed16.allocate(e.length);
        for (int i = 0; i < e.length && sixteenBit; i++) {
            Packed16.set(e16, i, (short) (Float.floatToRawIntBits(e[i]) >>> 16));
            e[i] = f.toFloat(Packed16.get(e16, i));
        }
        int[] tokens = {4, 0, 2};
        IntArray input = IntArray.fromElements(tokens[0], tokens[1], tokens[2], 1, 1, 1);
        FloatArray residual = poisoned(rows * dModel), normed = poisoned(rows * dModel), eA = off(e);
        IntArray halves = nanPairs(rows * dModel / 2);
        int p = pairs ? 1 : 0;
        KernelContextEmulator.run(rows * local, 1, 1, local, 1, 1, kc -> {
            if (sixteenBit) BatchKernels.embedNormRows(kc, input, new FloatArray(1), e16, Decode.TABLE_ARG, small, table + normOff, residual, normed,
                    halves, p, dModel, 1e-5f);
            else BatchKernels.embedNormRows(kc, input, eA, new LongArray(1), MixerKernels.F32, small, table + normOff, residual, normed, halves, p,
                    dModel, 1e-5f);
        });
        double[] ref = new double[rows * dModel];
        float[] got = new float[rows * dModel];
        for (int m = 0; m < rows; m++) {
            double ss = 0;
            for (int j = 0; j < dModel; j++) ss += (double) e[tokens[m] * dModel + j] * e[tokens[m] * dModel + j];
            for (int j = 0; j < dModel; j++) {
                double v = e[tokens[m] * dModel + j];
                assertEquals(v, residual.get(m * dModel + j), 0, "residual");
                ref[m * dModel + j] = v / Math.sqrt(ss / dModel + 1e-5) * nw[normOff + j];
                got[m * dModel + j] = normed.get(m * dModel + j);
            }
        }
        assertNormed(pairs, normed, halves, ref, got);
    }

    /**
     * A slot's states from the hand-off buffer with 16-bit SSM states: each block's conv window to the float32 states, its SSM
     * state rounded to fp16 ({@link BatchKernels#loadSlotF16}) or to bf16 four to a long ({@link BatchKernels#loadSlotBf16}),
     * at the slot's place in each; the other slots untouched.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(value = BatchStates.class, names = {"F16", "BF16"})
    void loadSlotSplitsTheHandedStates(BatchStates format) {
        boolean bf16 = format == BatchStates.BF16;
        int conv = 5, ssm = 8, blocks = 3, slots = 3, slot = bf16 ? 2 : 1;
        float[] h = gaussian(new SplittableRandom(5), (conv + ssm) * blocks);
        FloatArray states = poisoned(slots * conv * blocks);
        HalfFloatArray states16 = new HalfFloatArray(slots * ssm * blocks);
        states16.init(new HalfFloat(Float.NaN));
        LongArray quads = Packed16.allocate((long) slots * ssm * blocks);
        quads.init(-1L); // NaN patterns
        if (bf16) BatchKernels.loadSlotBf16(off(h), IntArray.fromElements(slot), states, quads, conv, ssm, blocks);
        else BatchKernels.loadSlotF16(off(h), IntArray.fromElements(slot), states, states16, conv, ssm, blocks);
        for (int i = 0; i < slots * blocks; i++) {
            boolean mine = i / blocks == slot;
            int l = i % blocks;
            for (int j = 0; j < conv; j++) {
                float got = states.get(i * conv + j);
                assertTrue(mine ? got == h[l * (conv + ssm) + j] : Float.isNaN(got), "conv " + i + ", " + j);
            }
            for (int j = 0; j < ssm; j++) {
                int at = i * ssm + j;
                float want = h[l * (conv + ssm) + conv + j];
                float got = bf16 ? BatchKernels.bf16(quads.get(at / 4), at % 4) : states16.get(at).getFloat32();
                boolean rounded = bf16 ? Math.abs(got - want) <= 0.5 * Math.scalb(1.0, Math.getExponent(want) - 7) // half a bf16 unit
                        : got == Float.float16ToFloat(Float.floatToFloat16(want));
                assertTrue(mine ? rounded : Float.isNaN(got), "ssm " + i + ", " + j + ": " + got + " for " + want);
            }
        }
    }

    /** The conv step reads its input as the sum of the split-k partial products. */
    @Test
    void convStepRowsSumsThePartialProducts() {
        int batch = 2, convDim = 5, dConv = 4, xbcOffset = 3, dInProj = 11, splits = 3, partStride = batch * dInProj + 2, stateStride = 30;
        SplittableRandom rnd = new SplittableRandom(11);
        float[] zx = gaussian(rnd, splits * partStride), st = gaussian(rnd, batch * stateStride), w = gaussian(rnd, 1 + convDim * (dConv + 1));
        IntArray input = IntArray.fromElements(0, 0, BatchKernels.STEP, BatchKernels.RESTART);
        FloatArray states = off(st), xbc = poisoned(batch * convDim);
        int padded = 16;
        BatchKernels.convStepRows(input, off(zx), states, 1, stateStride, off(w), 1, xbc, xbcOffset, dInProj, convDim, dConv, batch, splits,
                partStride, padded);
        for (int b = 0; b < batch; b++) {
            for (int c = 0; c < convDim; c++) {
                double in = 0;
                for (int s = 0; s < splits; s++) in += zx[s * partStride + b * dInProj + xbcOffset + c];
                double acc = w[1 + convDim * dConv + c];
                for (int q = 0; q < dConv - 1; q++) acc += w[1 + c * dConv + q] * (b == 1 ? 0 : st[b * stateStride + 1 + c * (dConv - 1) + q]);
                acc += w[1 + c * dConv + dConv - 1] * in;
                assertEquals(silu(acc), xbc.get(b * convDim + c), 1e-5, "slot " + b + " channel " + c);
                // the window shifts down by one (from zeros when restarting) and takes the input as its newest entry
                int at = b * stateStride + 1 + c * (dConv - 1);
                for (int q = 0; q < dConv - 2; q++) {
                    assertEquals(b == 1 ? 0f : st[at + q + 1], states.get(at + q), "slot " + b + " channel " + c + " window entry " + q);
                }
                assertEquals(in, states.get(at + dConv - 2), 1e-5, "the window's newest input");
            }
        }
    }

    /** The largest, the lowest index on ties, NaN never, 0 for a row without anything above −∞; vocab not a multiple of the group. */
    @Test
    void argmaxRowsPicksAsTheHostDoes() {
        int vocab = 37, local = 8;
        float[] l = new float[4 * vocab];
        SplittableRandom rnd = new SplittableRandom(3);
        for (int i = 0; i < l.length; i++) l[i] = (float) rnd.nextGaussian();
        l[5] = 9f; l[20] = 9f;                                       // row 0: a tie, the lower wins
        l[vocab + 3] = Float.NaN; l[vocab + 30] = 7f;                 // row 1: NaN is skipped
        java.util.Arrays.fill(l, 2 * vocab, 3 * vocab, Float.NEGATIVE_INFINITY);   // row 2: 0
        l[3 * vocab + vocab - 1] = 11f;                               // row 3: the last
        FloatArray logits = off(l);
        IntArray next = new IntArray(4);
        KernelContextEmulator.run(4 * local, 1, 1, local, 1, 1, kc -> BatchKernels.argmaxRows(kc, logits, next, vocab));
        org.junit.jupiter.api.Assertions.assertArrayEquals(new int[]{5, 30, 0, vocab - 1}, next.toHeapArray());
    }

    @Test
    void graphBudgetCountsTheKernelsArguments() {
        Class<?> b = BatchKernels.class, p = PrefillKernels.class, gemms = GemmKernels.class;
        int gemm = Math.max(Math.max(params(gemms, "gemm"), params(gemms, "gemmBlocked")), Math.max(params(gemms, "gemm16"), params(gemms, "gemmBlocked16")));
        int shared = params(b, "convStepRows") + params(b, "ssdStepRows");
        int split = Math.max(Math.max(params(gemms, "splitGemm"), params(gemms, "splitGemm16")), params(MmaGemm.class, "gemm"));
        int unfused = params(p, "rmsNormRows") + 2 * gemm + params(p, "gatedRmsNormRows") + shared;
        int fused = 2 * split + shared + params(b, "residualNormRows");
        assertEquals(BatchDecodePlan.ARGS_PER_BLOCK, Math.max(unfused, fused));
        assertEquals(BatchDecodePlan.EDGE_ARGS, Math.max(params(p, "embedRows16") + params(p, "rmsNormRows") + gemm,
                params(b, "embedNormRows") + split) + params(b, "argmaxRows"));
        int max = BatchDecodePlan.BUDGET.maxBlocks(PackedLayoutTest.RAISED_BYTECODE_SIZE, DecodePlan.GRAPH_CODE_SIZE);
        assertTrue(max * BatchDecodePlan.TASKS_PER_BLOCK + BatchDecodePlan.EDGE_TASKS <= DecodePlan.MAX_TASKS_PER_GRAPH, "max " + max);
        assertEquals(2, DecodePlan.split(24, max).length, "the 130m model's 24 blocks in 2 graphs, max " + max);
        int roomy = BatchDecodePlan.BUDGET.maxBlocks(PackedLayoutTest.RAISED_BYTECODE_SIZE, RoomyTaskGraph.ROOMY_SIZE);
        assertEquals(1, DecodePlan.split(24, roomy).length, "in a roomy graph the 130m model's step is one graph, max " + roomy);
        assertTrue(roomy * BatchDecodePlan.TASKS_PER_BLOCK + BatchDecodePlan.EDGE_TASKS <= DecodePlan.MAX_TASKS_PER_GRAPH, "max " + roomy);
    }

    private static int params(Class<?> c, String name) {
        return Arrays.stream(c.getMethods()).filter(m -> m.getName().equals(name)).mapToInt(Method::getParameterCount).max().orElseThrow();
    }

    private static float[] gaussian(SplittableRandom rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) rnd.nextGaussian();
        return a;
    }
}
