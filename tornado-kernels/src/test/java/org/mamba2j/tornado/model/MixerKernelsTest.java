package org.mamba2j.tornado.model;

import org.mamba2j.tornado.Packed16;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mamba2j.ssd.RandomInputs;
import org.mamba2j.tornado.KernelContextEmulator;
import org.mamba2j.tornado.WorkGroups;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.LongArray;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MixerKernelsTest {

    final SplittableRandom rnd = new SplittableRandom(5);

    float[] randn(int n) {
        return RandomInputs.gaussian(rnd, n, 1f);
    }

    /** A kernel's output buffer, NaN everywhere until the kernel writes it. */
    static FloatArray poisoned(int n) {
        FloatArray a = new FloatArray(n);
        a.init(Float.NaN);
        return a;
    }

    /** An off-heap copy of a (what a kernel takes). */
    static FloatArray off(float[] a) {
        return FloatArray.fromArray(a);
    }

    static void assertRel(String what, float[] out, double[] ref, double tol) {
        double num = 0, den = 0;
        for (int i = 0; i < ref.length; i++) {
            num += (out[i] - ref[i]) * (out[i] - ref[i]);
            den += ref[i] * ref[i];
        }
        double err = Math.sqrt(num / den);
        assertTrue(err <= tol, what + ": relative error " + err);
    }

    /** out within 1e-6 (relative, in norm) of the same computation in float32, ref. */
    static void assertNear(String what, FloatArray out, FloatArray ref) {
        double[] r = new double[ref.getSize()];
        for (int i = 0; i < r.length; i++) r[i] = ref.get(i);
        assertRel(what, out.toHeapArray(), r, 1e-6);
    }

    static double silu(double v) {
        return v / (1 + Math.exp(-v));
    }

    static double[] rmsNormed(float[] x, float[] w, int wOff) {
        double ss = 0;
        for (float v : x) ss += (double) v * v;
        double scale = 1 / Math.sqrt(ss / x.length + 1e-5);
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) out[i] = x[i] * scale * w[wOff + i];
        return out;
    }

    static double[] matVec(float[] w, int wOff, double[] x, int rows) {
        double[] out = new double[rows];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < x.length; c++) out[r] += w[wOff + r * x.length + c] * x[c];
        }
        return out;
    }

    /**
     * A block's packed weights and conv states for normInProjConv, at ragged offsets: norm at 0, convW
     * (convDim, dConv) right after it at convWOff = cols with convB right after, then in_proj (rows,
     * cols) at wOff; the conv windows at convAt inside a larger states array, as other blocks' states
     * surround them.
     */
    record InProjConv(int rows, int cols, int xbcOffset, int convDim, int dConv, int wOff, int convWOff, int convAt,
                      float[] x, float[] w, float[] state) {

        static InProjConv random(MixerKernelsTest t, int rows, int cols, int xbcOffset, int convDim, int dConv) {
            int convWOff = cols, wOff = convWOff + convDim * (dConv + 1) + 11, convAt = 7;
            return new InProjConv(rows, cols, xbcOffset, convDim, dConv, wOff, convWOff, convAt, t.randn(cols),
                    t.randn(wOff + rows * cols + 4), t.randn(convAt + convDim * (dConv - 1) + 5));
        }

        InProjConv withState(float[] s) {
            return new InProjConv(rows, cols, xbcOffset, convDim, dConv, wOff, convWOff, convAt, x, w, s);
        }

        /** Runs the kernel on copies of x, w and the states; returns {zxbcdt, xbc, states}, outputs poisoned first. */
        float[][] run(int reset, RowLaunch launch) {
            FloatArray zx = poisoned(rows), xbc = poisoned(convDim + 2), st = off(state), xs = off(x), ws = off(w);
            IntArray control = IntArray.fromElements(3, reset);
            KernelContextEmulator.run(launch.global(rows, cols), 1, 1, launch.local(), 1, 1, k -> MixerKernels.normInProjConv(k, control, xs, ws,
                    0, ws, NO_W16, MixerKernels.F32, wOff, zx, 1e-5f, st, convAt, xbc, cols, rows, xbcOffset, convDim, dConv, launch.lanes(cols)));
            return new float[][]{zx.toHeapArray(), xbc.toHeapArray(), st.toHeapArray()};
        }
    }

    /** The row kernels' stand-in for the 16-bit weights of a float32 model. */
    static final LongArray NO_W16 = new LongArray(1);
    /** The row kernels' stand-in for the float32 weights of a 16-bit model. */
    static final FloatArray NO_W32 = new FloatArray(1);

    /**
     * The block kernels that take a base and a part's offset from it (out_proj, the SSD step) find the part at their sum:
     * run with the offsets as parts and the bases that many lower, each kernel gives exactly what it gives with the
     * offsets as bases.
     */
    @Test
    void blockKernelsAddThePartOffsetsToTheBases() {
        int dtBias = 2, gatedNorm = 5, outProj = 6, ssm = 7;
        RowLaunch launch = new RowLaunch(128, 0, 1);
        // gatedMatVecAccumulate: the gated norm's weight and W at the bases plus their parts
        int groups = 2, groupSize = 48, dInner = groups * groupSize, rows = 13, normOff = 9, wOff = normOff + dInner + 2;
        float[] y = randn(dInner), w = randn(wOff + rows * dInner + 1), acc0 = randn(rows);
        float[] gatedPlain = null;
        for (int k = 0; k < 2; k++) {
            FloatArray acc = off(acc0), ya = off(y), wa = off(w);
            int normPart = k * gatedNorm, wPart = k * outProj, smallAt = normOff - normPart, bigAt = wOff - wPart;
            runRows(launch, rows, dInner, (e, lanes) -> MixerKernels.gatedMatVecAccumulate(e, ya, wa, smallAt, normPart, wa, NO_W16,
                    MixerKernels.F32, bigAt, wPart, acc, 1e-5f, rows, dInner, groupSize, lanes));
            if (k == 0) gatedPlain = acc.toHeapArray();
            else assertArrayEquals(gatedPlain, acc.toHeapArray(), "gatedMatVecAccumulate");
        }
        // ssdStep: the states at statesAt + ssm, dt bias | A | D | dt limits at smallAt + dtBias
        int H = 4, P = 4, G = 1, N = 32, sOff = 21, biasOff = 9, inner = H * P;
        float[] zx2 = randn(2 * inner + 2 * G * N + H), xbc2 = randn(inner + 2 * G * N), whole = randn(sOff + inner * N + 3), packed = randn(biasOff + 3 * H + 2);
        packed[biasOff + 3 * H] = 0.001f;
        packed[biasOff + 3 * H + 1] = 0.5f;
        for (int h = 0; h < H; h++) packed[biasOff + H + h] = -(1 + h);
        float[][] stepPlain = null;
        for (int k = 0; k < 2; k++) {
            FloatArray yA = poisoned(inner), wholeA = off(whole), zxa = off(zx2), xbcA = off(xbc2), packedA = off(packed);
            IntArray control = IntArray.fromElements(0, 0);
            int ssmPart = k * ssm, headsPart = k * dtBias, statesAt = sOff - ssmPart, smallAt = biasOff - headsPart;
            runRows(launch, inner, N, (e, lanes) -> MixerKernels.ssdStep(e, control, zxa, xbcA, wholeA, statesAt, ssmPart, packedA, smallAt,
                    headsPart, yA, H, P, G, N, lanes));
            float[][] got = {yA.toHeapArray(), wholeA.toHeapArray()};
            if (k == 0) stepPlain = got;
            else for (int i = 0; i < got.length; i++) assertArrayEquals(stepPlain[i], got[i], "ssdStep output " + i);
        }
    }

    /**
     * TornadoVM's PTX backend launches a kernel whose registers do not allow the asked work-group
     * with a size it picks (1024 became 640 on the H200), over as many groups as cover the asked
     * global size: a row kernel whose lanes divide that size still gives every row right, the
     * work-group's norm reduction included (WorkGroups.sum takes any size).
     */
    @ParameterizedTest
    @CsvSource({"640,64", "640,128", "96,32", "1024,64"})
    void rowKernelSurvivesAWorkGroupShrunkByTheBackend(int local, int lanes) {
        int rows = 77, cols = 768, normOff = 5;
        float[] w = randn(rows * cols), x = randn(cols), smallF = randn(normOff + cols);
        FloatArray out = poisoned(rows);
        int asked = (rows + 1024 / lanes - 1) / (1024 / lanes) * 1024;
        int global = (asked + local - 1) / local * local;
        KernelContextEmulator.run(global, 1, 1, local, 1, 1, k -> MixerKernels.normMatVecOut(k, off(x), off(smallF), normOff, off(w), NO_W16,
                MixerKernels.F32, out, rows, cols, 1e-5f, lanes));
        assertRel("normMatVecOut at local " + local, out.toHeapArray(), matVec(w, 0, rmsNormed(x, smallF, normOff), rows), 1e-6);
    }

    @Test
    void rowLanesFollowTheTileWithinAWarpAndTheFewestRows() {
        assertEquals(32, WorkGroups.rowLanes(768, 0, 1024, 8), "tile 0: a warp a row");
        assertEquals(64, WorkGroups.rowLanes(768, 16, 1024, 8), "768 / 16 = 48, up to 64");
        assertEquals(128, WorkGroups.rowLanes(1536, 16, 1024, 8), "96, up to 128");
        assertEquals(128, WorkGroups.rowLanes(5120, 16, 1024, 8), "320 wanted, capped at 1024 / 8 rows");
        assertEquals(32, WorkGroups.rowLanes(5120, 16, 256, 8), "never fewer than a warp");
        assertEquals(16, WorkGroups.rowLanes(768, 16, 16, 8), "never more than the work-group");
        assertEquals(1024, new RowLaunch(1024, 16, 8).global(5, 5120), "5 rows of 128 lanes: one whole work-group of 8 rows");
        assertEquals(3072, new RowLaunch(1024, 16, 8).global(20, 5120), "20 rows: three work-groups");
    }

    /** Runs a row kernel over rows of cols as {@code launch} says (its grid, work-groups and lanes a row). */
    static void runRows(RowLaunch launch, int rows, int cols, RowKernelCall kernel) {
        int lanes = launch.lanes(cols);
        KernelContextEmulator.run(launch.global(rows, cols), 1, 1, launch.local(), 1, 1, k -> kernel.run(k, lanes));
    }

    /** A row kernel call given its context and lanes argument. */
    interface RowKernelCall {
        void run(KernelContext k, int lanes);
    }

    @ParameterizedTest
    @CsvSource({
            "37,768,128,0,5,24,4",   // rows before and after the conv channels; the last group half full
            "37,768,256,16,5,24,4",  // 64 lanes a row (12 columns each), 4 rows a group
            "13,100,32,0,0,13,4",    // every row a conv channel; a row a group
            "21,50,64,1,9,12,3",     // the channels end at the last row; a whole group a row (lanes 64 > 50 columns)
            "8,3,32,0,2,3,2",        // fewer inputs than lanes; a one-input window
            "4,2560,1024,0,1,2,4",   // two channels between plain rows; most rows of the group past the end
            "5,2560,1024,10,1,2,4"}) // 256 lanes a row, 4 rows a group of 1024
    void normInProjConvMatchesNormInProjThenConv(int rows, int cols, int local, int tile, int xbcOffset, int convDim, int dConv) {
        InProjConv c = InProjConv.random(this, rows, cols, xbcOffset, convDim, dConv);
        float[][] out = c.run(0, new RowLaunch(local, tile, 1));
        float[] zx = out[0], xbc = out[1], st = out[2];
        double[] refZx = matVec(c.w(), c.wOff(), rmsNormed(c.x(), c.w(), 0), rows);
        assertRel("normInProjConv zxbcdt", zx, refZx, 1e-6);

        int win = dConv - 1, bOff = c.convWOff() + convDim * dConv;
        double[] refXbc = new double[convDim];
        for (int ch = 0; ch < convDim; ch++) {
            int s = c.convAt() + ch * win, wo = c.convWOff() + ch * dConv;
            double acc = c.w()[bOff + ch];
            for (int k = 0; k < win; k++) acc += (double) c.w()[wo + k] * c.state()[s + k];
            acc += c.w()[wo + win] * refZx[xbcOffset + ch];
            refXbc[ch] = silu(acc);
            for (int k = 0; k < win - 1; k++) {
                assertTrue(st[s + k] == c.state()[s + k + 1], "channel " + ch + ": the window did not shift");
            }
            assertTrue(st[s + win - 1] == zx[xbcOffset + ch], "channel " + ch + ": the new input is not the window's newest");
        }
        assertRel("normInProjConv xbc", xbc, refXbc, 1e-6);
        assertTrue(Float.isNaN(xbc[convDim]) && Float.isNaN(xbc[convDim + 1]), "xbc written past convDim");
        for (int i = 0; i < c.convAt(); i++) assertTrue(st[i] == c.state()[i], "state before the block's windows changed");
        for (int i = c.convAt() + convDim * win; i < st.length; i++) assertTrue(st[i] == c.state()[i], "state after the block's windows changed");
    }

    /**
     * The row kernels read 16-bit weights through the decode table at the head of small: the lm_head in
     * F16 and BF16 against float64 over the decoded patterns, and the same patterns read as the other
     * format give a different answer (the weights argument and the table are what pick the decode).
     */
    @ParameterizedTest
    @CsvSource({"F16,BF16", "BF16,F16"})
    void rowKernelsDecode16BitWeights(WeightFormat format, WeightFormat other) {
        int rows = 37, cols = 300, table = WeightFormat.TABLE_SIZE;
        RowLaunch launch = new RowLaunch(128, 0, 8);
        float[] w = randn(rows * cols), x = randn(cols), norm = randn(cols);
        short[] bits = new short[w.length];
        float[] decoded = new float[w.length];
        for (int i = 0; i < w.length; i++) {
            bits[i] = format == WeightFormat.F16 ? Float.floatToFloat16(w[i]) : (short) (Float.floatToIntBits(w[i]) >>> 16);
            decoded[i] = format.toFloat(bits[i]);
        }
        float[] small = new float[table + cols];
        System.arraycopy(format.table(), 0, small, 0, table);
        System.arraycopy(norm, 0, small, table, cols);
        FloatArray smallA = off(small), xa = off(x), out = poisoned(rows);
        LongArray wa = Packed16.of(bits);
        runRows(launch, rows, cols,
                (k, lanes) -> MixerKernels.normMatVecOut(k, xa, smallA, table, NO_W32, wa, MixerKernels.weightsArg(format, Decode.TABLE), out, rows, cols, 1e-5f,
                        lanes));
        assertRel("normMatVecOut " + format, out.toHeapArray(), matVec(decoded, 0, rmsNormed(x, norm, 0), rows), 1e-6);

        System.arraycopy(other.table(), 0, small, 0, table);
        FloatArray wrongTable = off(small), wrong = poisoned(rows);
        runRows(launch, rows, cols,
                (k, lanes) -> MixerKernels.normMatVecOut(k, xa, wrongTable, table, NO_W32, wa, MixerKernels.weightsArg(other, Decode.TABLE), wrong, rows, cols,
                        1e-5f, lanes));
        assertThrows(AssertionError.class, () -> assertRel("as " + other, wrong.toHeapArray(), matVec(decoded, 0, rmsNormed(x, norm, 0), rows), 1e-3));
    }

    @ParameterizedTest
    @CsvSource({"64,0", "64,4", "256,2"})
    void normMatVecOutWritesTheLogits(int local, int tile) {
        int rows = 19, cols = 200;
        float[] w = randn(rows * cols), norm = randn(cols), x = randn(cols);
        FloatArray out = poisoned(rows), wa = off(w), normA = off(norm), xa = off(x);
        runRows(new RowLaunch(local, tile, 1), rows, cols,
                (k, lanes) -> MixerKernels.normMatVecOut(k, xa, normA, 0, wa, NO_W16, MixerKernels.F32, out, rows, cols, 1e-5f, lanes));
        assertRel("normMatVecOut", out.toHeapArray(), matVec(w, 0, rmsNormed(x, norm, 0), rows), 1e-6);
    }

    @ParameterizedTest
    @CsvSource({"4,48,32,0", "1,96,64,0", "2,40,128,0", "3,200,256,0", "1,1536,256,16", "3,200,512,1"})
    void gatedMatVecAccumulateNormsPerGroup(int groups, int groupSize, int local, int tile) {
        int dInner = groups * groupSize, rows = 13, normOff = 9, wOff = normOff + dInner + 2;
        float[] g = randn(dInner), w = randn(wOff + rows * dInner + 1);
        float[] acc0 = randn(rows);
        FloatArray accA = off(acc0), ga = off(g), wa = off(w);
        runRows(new RowLaunch(local, tile, 1), rows, dInner,
                (k, lanes) -> MixerKernels.gatedMatVecAccumulate(k, ga, wa, normOff, 0, wa, NO_W16, MixerKernels.F32, wOff, 0, accA, 1e-5f,
                        rows, dInner, groupSize, lanes));
        float[] acc = accA.toHeapArray();
        double[] ref = gatedRef(g, w, normOff, w, wOff, rows, groups, groupSize, acc0);
        assertRel("gatedMatVecAccumulate", acc, ref, 1e-6);
    }

    /** float64 RMSNorm per group of the gated g = y·silu(z) (weight at w[normOff]) then W (rows, dInner) at w[wOff], onto acc0. */
    static double[] gatedRef(float[] gatedIn, float[] small, int normOff, float[] w, int wOff, int rows, int groups, int groupSize, float[] acc0) {
        int dInner = groups * groupSize;
        double[] gated = new double[dInner];
        for (int g = 0; g < groups; g++) {
            double ss = 0;
            for (int i = g * groupSize; i < (g + 1) * groupSize; i++) {
                gated[i] = gatedIn[i];
                ss += gated[i] * gated[i];
            }
            double scale = 1 / Math.sqrt(ss / groupSize + 1e-5);
            for (int i = g * groupSize; i < (g + 1) * groupSize; i++) gated[i] *= scale * small[normOff + i];
        }
        double[] ref = matVec(w, wOff, gated, rows);
        for (int r = 0; r < rows; r++) ref[r] += acc0[r];
        return ref;
    }

    /**
     * The row kernels from 16-bit weights (normInProjConv, normMatVecOut, gatedMatVecAccumulate), each
     * format through each of its decodes: against float64 on the patterns' values, and against the
     * same kernels on the decoded weights as float32 (which sum in another order: a 16-bit work item
     * reads four weights a load). Rows of whole longs (the kernels' precondition: DeviceWeights.packable)
     * that are not a multiple of the unrolled loop's step, and fewer longs than lanes.
     */
    @ParameterizedTest(name = "{0} weights, {1}, rows {2}, cols {3}, local {4}, tile {5}, groups {6}")
    @CsvSource({"F16,TABLE,37,768,128,0,2", "F16,F16,37,768,256,16,2", "BF16,TABLE,21,100,32,0,1", "BF16,BF16,21,100,32,0,4", "F16,F16,8,12,32,0,1",
            "BF16,BF16,13,2560,64,0,1", "BF16,BF16,13,2560,512,16,1", "F16,F16,9,200,256,0,2", "BF16,TABLE,9,200,32,0,2"})
    void sixteenBitRowKernelsMatchFloat64AndFloat32(WeightFormat f, Decode decode, int rows, int cols, int local, int tile, int groups) {
        int table = WeightFormat.TABLE_SIZE, normOff = table + 3, convDim = Math.min(rows, 5), xbcOffset = rows - convDim, dConv = 4;
        int convWOff = normOff + cols, wOff = 8, half = MixerKernels.weightsArg(f, decode);
        float[] smallF = randn(convWOff + convDim * (dConv + 1) + 1);
        System.arraycopy(f.table(), 0, smallF, 0, table);
        float[] w = randn(wOff + rows * cols + 2), x = randn(cols), state = randn(convDim * (dConv - 1) + 2);
        LongArray w16 = DecodeTest.patterns(w, f);   // w: the patterns' values from here on
        FloatArray small = off(smallF), xs = off(x), w32 = off(w);
        IntArray control = IntArray.fromElements(3, 0);
        RowLaunch launch = new RowLaunch(local, tile, 1);
        int items = launch.global(rows, cols), lanes = launch.lanes(cols);

        FloatArray zx16 = poisoned(rows), xbc16 = poisoned(convDim), st16 = off(state);
        FloatArray zx32 = poisoned(rows), xbc32 = poisoned(convDim), st32 = off(state);
        KernelContextEmulator.run(items, 1, 1, local, 1, 1, k -> MixerKernels.normInProjConv(k, control, xs, small, normOff, NO_W32, w16,
                half, wOff, zx16, 1e-5f, st16, 0, xbc16, cols, rows, xbcOffset, convDim, dConv, lanes));
        KernelContextEmulator.run(items, 1, 1, local, 1, 1, k -> MixerKernels.normInProjConv(k, control, xs, small, normOff, w32, NO_W16,
                MixerKernels.F32, wOff, zx32, 1e-5f, st32, 0, xbc32, cols, rows, xbcOffset, convDim, dConv, lanes));
        assertRel("normInProjConv " + f, zx16.toHeapArray(), matVec(w, wOff, rmsNormed(x, smallF, normOff), rows), 1e-6);
        assertNear("normInProjConv " + f + " against float32", zx16, zx32);
        assertNear("normInProjConv's conv " + f + " against float32", xbc16, xbc32);
        assertNear("normInProjConv's conv window " + f + " against float32", st16, st32);

        float[] head = randn(rows * cols);
        LongArray head16 = DecodeTest.patterns(head, f);
        FloatArray out16 = poisoned(rows), out32 = poisoned(rows), head32 = off(head);
        KernelContextEmulator.run(items, 1, 1, local, 1, 1, k -> MixerKernels.normMatVecOut(k, xs, small, normOff, NO_W32, head16, half, out16, rows,
                cols, 1e-5f, lanes));
        KernelContextEmulator.run(items, 1, 1, local, 1, 1, k -> MixerKernels.normMatVecOut(k, xs, small, normOff, head32, NO_W16, MixerKernels.F32,
                out32, rows, cols, 1e-5f, lanes));
        assertRel("normMatVecOut " + f, out16.toHeapArray(), matVec(head, 0, rmsNormed(x, smallF, normOff), rows), 1e-6);
        assertNear("normMatVecOut " + f + " against float32", out16, out32);

        int g = cols % groups == 0 ? groups : 1, groupSize = cols / g;
        float[] gated = randn(cols), acc0 = randn(rows);
        FloatArray acc16 = off(acc0), acc32 = off(acc0), ga = off(gated);
        KernelContextEmulator.run(items, 1, 1, local, 1, 1, k -> MixerKernels.gatedMatVecAccumulate(k, ga, small, normOff, 0, NO_W32, w16,
                half, wOff, 0, acc16, 1e-5f, rows, cols, groupSize, lanes));
        KernelContextEmulator.run(items, 1, 1, local, 1, 1, k -> MixerKernels.gatedMatVecAccumulate(k, ga, small, normOff, 0, w32, NO_W16,
                MixerKernels.F32, wOff, 0, acc32, 1e-5f, rows, cols, groupSize, lanes));
        assertRel("gatedMatVecAccumulate " + f, acc16.toHeapArray(), gatedRef(gated, smallF, normOff, w, wOff, rows, g, groupSize, acc0), 1e-6);
        assertNear("gatedMatVecAccumulate " + f + " against float32", acc16, acc32);
    }

    @ParameterizedTest
    @CsvSource({"128,0", "128,1", "256,8"})
    void ssdStepMatchesRecurrence(int local, int tile) {
        int H = 6, P = 6, G = 2, N = 136, dInner = H * P, dtOffset = 2 * dInner + 2 * G * N;
        int sOff = 21, biasOff = 4, aOff = biasOff + H, dOff = aOff + H;
        float[] zx = randn(dtOffset + H), xbc = randn(dInner + 2 * G * N), whole = randn(sOff + H * P * N + 3);
        float[] state0 = Arrays.copyOfRange(whole, sOff, sOff + H * P * N), packed = randn(dOff + H + 6);
        packed[dOff + H] = 0.001f;
        packed[dOff + H + 1] = 0.5f;
        for (int h = 0; h < H; h++) packed[aOff + h] = -(1 + h);
        float[] a = Arrays.copyOfRange(packed, aOff, aOff + H), d = Arrays.copyOfRange(packed, dOff, dOff + H);
        float[] bias = Arrays.copyOfRange(packed, biasOff, biasOff + H);
        FloatArray yA = poisoned(dInner), wholeA = off(whole), zxa = off(zx), xbcA = off(xbc), packedA = off(packed);
        IntArray control = IntArray.fromElements(0, 0);
        runRows(new RowLaunch(local, tile, 1), H * P, N,
                (k, lanes) -> MixerKernels.ssdStep(k, control, zxa, xbcA, wholeA, sOff, 0, packedA, biasOff, 0, yA, H, P, G, N, lanes));
        float[] y = yA.toHeapArray(), state = Arrays.copyOfRange(wholeA.toHeapArray(), sOff, sOff + H * P * N);
        double[] refY = new double[dInner], refState = new double[state.length];
        for (int h = 0; h < H; h++) {
            int g = h / (H / G);
            double raw = zx[dtOffset + h] + bias[h];
            double dt = Math.min(Math.max(raw > 20 ? raw : Math.log1p(Math.exp(raw)), 0.001), 0.5);
            for (int p = 0; p < P; p++) {
                int hp = h * P + p;
                double acc = 0;
                for (int n = 0; n < N; n++) {
                    double v = Math.exp(dt * a[h]) * state0[hp * N + n] + dt * xbc[hp] * xbc[dInner + g * N + n];
                    refState[hp * N + n] = v;
                    acc += v * xbc[dInner + G * N + g * N + n];
                }
                refY[hp] = (acc + d[h] * xbc[hp]) * silu(zx[hp]);
            }
        }
        assertRel("ssdStep g = y·silu(z)", y, refY, 1e-5);
        assertRel("ssdStep state", state, refState, 1e-5);
    }

    @Test
    void resetFlagStartsStatesFromZero() {
        int H = 2, P = 4, G = 1, N = 136, dInner = H * P, dtOffset = 2 * dInner + 2 * G * N, convDim = dInner + 2 * G * N;
        float[] zx = randn(dtOffset + H), xbc = randn(convDim), packed = randn(3 * H + 2);
        packed[3 * H] = 0f;
        packed[3 * H + 1] = 100f;
        packed[H] = -1f;
        packed[H + 1] = -2f;
        FloatArray dirty = off(randn(H * P * N)), clean = new FloatArray(H * P * N), yDirty = poisoned(dInner), yClean = poisoned(dInner);
        FloatArray zxa = off(zx), xbcA = off(xbc), packedA = off(packed);
        IntArray fresh = IntArray.fromElements(0, 1), keep = IntArray.fromElements(0, 0);
        RowLaunch launch = new RowLaunch(64, 0, 8);
        runRows(launch, H * P, N, (k, lanes) -> MixerKernels.ssdStep(k, fresh, zxa, xbcA, dirty, 0, 0, packedA, 0, 0, yDirty, H, P, G, N, lanes));
        runRows(launch, H * P, N, (k, lanes) -> MixerKernels.ssdStep(k, keep, zxa, xbcA, clean, 0, 0, packedA, 0, 0, yClean, H, P, G, N, lanes));
        assertTrue(Arrays.equals(yClean.toHeapArray(), yDirty.toHeapArray()) && Arrays.equals(clean.toHeapArray(), dirty.toHeapArray()));
        InProjConv conv = InProjConv.random(this, 11, 24, 2, 6, 4);
        float[] zeroed = conv.state().clone();
        Arrays.fill(zeroed, conv.convAt(), conv.convAt() + conv.convDim() * (conv.dConv() - 1), 0f);
        float[][] reset = conv.run(1, new RowLaunch(64, 0, 8)), zeros = conv.withState(zeroed).run(0, new RowLaunch(64, 0, 8)),
                kept = conv.run(0, new RowLaunch(64, 0, 8));
        for (int i = 0; i < 3; i++) assertArrayEquals(zeros[i], reset[i]);
        assertTrue(!Arrays.equals(kept[1], reset[1]), "the dirty conv windows should matter without the reset");
    }

    @Test
    void clearStatesZeroesEveryState() {
        FloatArray states = poisoned(37);
        MixerKernels.clearStates(states, states.getSize());
        assertArrayEquals(new float[37], states.toHeapArray());
    }

    @Test
    void embedCopiesTheTokenRow() {
        int dim = 16;
        float[] table = randn(10 * dim);
        FloatArray out = poisoned(dim);
        MixerKernels.embed(IntArray.fromElements(7, 0), off(table), out, dim);
        assertTrue(Arrays.equals(Arrays.copyOfRange(table, 7 * dim, 8 * dim), out.toHeapArray()));
    }

    @Test
    void emulatorCatchesAMissingBarrierParticipant() {
        assertThrows(AssertionError.class, () -> KernelContextEmulator.run(4, 1, 1, 4, 1, 1, k -> {
            if (k.localIdx != 0) k.localBarrier();
        }));
    }
}
