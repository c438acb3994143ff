package org.mamba2j.tornado.model;

import org.mamba2j.tornado.KernelContextEmulator;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mamba2j.ssd.RandomInputs;
import org.mamba2j.tornado.KernelContextEmulator;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.ShortArray;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
     * A block's packed weights and conv states for normInProjConv, at ragged offsets: norm at 0, then
     * in_proj (rows, cols) at wOff, convW (convDim, dConv) at convWOff with convB right after; the
     * conv windows at convAt inside a larger states array, as other blocks' states surround them.
     */
    record InProjConv(int rows, int cols, int xbcOffset, int convDim, int dConv, int wOff, int convWOff, int convAt,
                      float[] x, float[] w, float[] state) {

        static InProjConv random(MixerKernelsTest t, int rows, int cols, int xbcOffset, int convDim, int dConv) {
            int wOff = cols + 11, convWOff = wOff + rows * cols + 3, convAt = 7;
            return new InProjConv(rows, cols, xbcOffset, convDim, dConv, wOff, convWOff, convAt, t.randn(cols),
                    t.randn(convWOff + convDim * (dConv + 1) + 4), t.randn(convAt + convDim * (dConv - 1) + 5));
        }

        InProjConv withState(float[] s) {
            return new InProjConv(rows, cols, xbcOffset, convDim, dConv, wOff, convWOff, convAt, x, w, s);
        }

        /** Runs the kernel on copies of x, w and the states; returns {zxbcdt, xbc, states}, outputs poisoned first. */
        float[][] run(int reset, int local) {
            FloatArray zx = poisoned(rows), xbc = poisoned(convDim + 2), st = off(state), xs = off(x), ws = off(w);
            IntArray control = IntArray.fromElements(3, reset);
            KernelContextEmulator.run(rows * local, 1, 1, local, 1, 1, k -> MixerKernels.normInProjConv(k, control,
                    xs, ws, 0, ws, wOff, zx, cols, 1e-5f, st, convAt, convWOff, xbc, xbcOffset, convDim, dConv));
            return new float[][]{zx.toHeapArray(), xbc.toHeapArray(), st.toHeapArray()};
        }
    }

    @ParameterizedTest
    @CsvSource({
            "37,768,128,5,24,4",   // rows before and after the conv channels
            "13,100,32,0,13,4",    // every row a conv channel
            "21,50,16,9,12,3",     // the channels end at the last row
            "8,3,4,2,3,2",         // fewer inputs than work items; a one-input window
            "3,2560,1024,1,1,4"})  // one channel between two plain rows
    void normInProjConvMatchesNormInProjThenConv(int rows, int cols, int local, int xbcOffset, int convDim, int dConv) {
        InProjConv c = InProjConv.random(this, rows, cols, xbcOffset, convDim, dConv);
        float[][] out = c.run(0, local);
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

    @Test
    void normMatVecOutWritesTheLogits() {
        int rows = 19, cols = 64, local = 32;
        float[] w = randn(rows * cols), norm = randn(cols), x = randn(cols);
        FloatArray out = poisoned(rows), wa = off(w), normA = off(norm), xa = off(x);
        KernelContextEmulator.run(rows * local, 1, 1, local, 1, 1, k -> MixerKernels.normMatVecOut(k, xa, normA, 0, wa, out, cols, 1e-5f));
        assertRel("normMatVecOut", out.toHeapArray(), matVec(w, 0, rmsNormed(x, norm, 0), rows), 1e-6);
    }

    @ParameterizedTest
    @CsvSource({"4,48,32", "1,96,64", "2,40,16"})
    void gatedMatVecAccumulateNormsPerGroup(int groups, int groupSize, int local) {
        int dInner = groups * groupSize, rows = 13, normOff = 9, wOff = normOff + dInner + 2;
        float[] y = randn(dInner), zx = randn(dInner + 10), w = randn(wOff + rows * dInner + 1);
        float[] acc0 = randn(rows);
        FloatArray accA = off(acc0), ya = off(y), zxa = off(zx), wa = off(w);
        KernelContextEmulator.run(rows * local, 1, 1, local, 1, 1,
                k -> MixerKernels.gatedMatVecAccumulate(k, ya, zxa, wa, normOff, wa, wOff, accA, dInner, groupSize, 1e-5f));
        float[] acc = accA.toHeapArray();
        double[] gated = new double[dInner];
        for (int g = 0; g < groups; g++) {
            double ss = 0;
            for (int i = g * groupSize; i < (g + 1) * groupSize; i++) {
                gated[i] = y[i] * silu(zx[i]);
                ss += gated[i] * gated[i];
            }
            double scale = 1 / Math.sqrt(ss / groupSize + 1e-5);
            for (int i = g * groupSize; i < (g + 1) * groupSize; i++) gated[i] *= scale * w[normOff + i];
        }
        double[] ref = matVec(w, wOff, gated, rows);
        for (int r = 0; r < rows; r++) ref[r] += acc0[r];
        assertRel("gatedMatVecAccumulate", acc, ref, 1e-6);
    }

    /** float64 gated RMSNorm per group (weight at w[normOff]) then W (rows, dInner) at w[wOff], onto acc0. */
    static double[] gatedRef(float[] y, float[] zx, float[] small, int normOff, float[] w, int wOff, int rows, int groups, int groupSize, float[] acc0) {
        int dInner = groups * groupSize;
        double[] gated = new double[dInner];
        for (int g = 0; g < groups; g++) {
            double ss = 0;
            for (int i = g * groupSize; i < (g + 1) * groupSize; i++) {
                gated[i] = y[i] * silu(zx[i]);
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
     * The decode's 16-bit matrix-vector kernels (normInProjConv16, normMatVecOut16, gatedMatVecAccumulate16),
     * each format through each of its decodes: against float64 on the patterns' values, and bit for bit
     * as their float32 twins on the decoded weights (the same sums in the same order). Columns that
     * are not a multiple of four steps of the work-group (the unrolled loop's tail), and fewer
     * columns than work items.
     */
    @ParameterizedTest(name = "{0} weights, {1}, rows {2}, cols {3}, local {4}, groups {5}")
    @CsvSource({"F16,TABLE,37,768,128,2", "F16,F16,37,768,128,2", "BF16,TABLE,21,100,16,1", "BF16,BF16,21,100,16,4", "F16,F16,8,3,4,1",
            "BF16,BF16,13,2560,64,1", "F16,F16,9,200,32,2", "BF16,TABLE,9,200,32,2"})
    void sixteenBitMatVecsMatchFloat64AndTheirFloat32Twins(WeightFormat f, Decode decode, int rows, int cols, int local, int groups) {
        int table = WeightFormat.TABLE_SIZE, normOff = table + 3, convDim = Math.min(rows, 5), xbcOffset = rows - convDim, dConv = 4;
        int convWOff = normOff + cols + 2, wOff = 5;
        float[] smallF = randn(convWOff + convDim * (dConv + 1) + 1);
        System.arraycopy(f.table(), 0, smallF, 0, table);
        float[] w = randn(wOff + rows * cols + 2), x = randn(cols), state = randn(convDim * (dConv - 1) + 2);
        ShortArray w16 = DecodeTest.patterns(w, f);   // w: the patterns' values from here on
        FloatArray small = off(smallF), xs = off(x), w32 = off(w);
        IntArray control = IntArray.fromElements(3, 0);

        FloatArray zx16 = poisoned(rows), xbc16 = poisoned(convDim), st16 = off(state);
        FloatArray zx32 = poisoned(rows), xbc32 = poisoned(convDim), st32 = off(state);
        KernelContextEmulator.run(rows * local, 1, 1, local, 1, 1, k -> MixerKernels.normInProjConv16(k, control, xs, small, normOff, w16, wOff,
                zx16, cols, 1e-5f, st16, 0, convWOff, xbc16, xbcOffset, convDim, dConv, decode.arg()));
        KernelContextEmulator.run(rows * local, 1, 1, local, 1, 1, k -> MixerKernels.normInProjConv(k, control, xs, small, normOff, w32, wOff,
                zx32, cols, 1e-5f, st32, 0, convWOff, xbc32, xbcOffset, convDim, dConv));
        assertRel("normInProjConv16", zx16.toHeapArray(), matVec(w, wOff, rmsNormed(x, smallF, normOff), rows), 1e-6);
        assertArrayEquals(zx32.toHeapArray(), zx16.toHeapArray(), "normInProjConv16 against its float32 twin");
        assertArrayEquals(xbc32.toHeapArray(), xbc16.toHeapArray(), "normInProjConv16's conv against its float32 twin");
        assertArrayEquals(st32.toHeapArray(), st16.toHeapArray(), "normInProjConv16's conv window against its float32 twin");

        float[] head = randn(rows * cols);
        ShortArray head16 = DecodeTest.patterns(head, f);
        FloatArray out16 = poisoned(rows), out32 = poisoned(rows), head32 = off(head);
        KernelContextEmulator.run(rows * local, 1, 1, local, 1, 1, k -> MixerKernels.normMatVecOut16(k, xs, small, normOff, head16, out16, cols, 1e-5f,
                decode.arg()));
        KernelContextEmulator.run(rows * local, 1, 1, local, 1, 1, k -> MixerKernels.normMatVecOut(k, xs, small, normOff, head32, out32, cols, 1e-5f));
        assertRel("normMatVecOut16", out16.toHeapArray(), matVec(head, 0, rmsNormed(x, smallF, normOff), rows), 1e-6);
        assertArrayEquals(out32.toHeapArray(), out16.toHeapArray(), "normMatVecOut16 against its float32 twin");

        int g = cols % groups == 0 ? groups : 1, groupSize = cols / g;
        float[] y = randn(cols), zx = randn(cols + 3), acc0 = randn(rows);
        FloatArray acc16 = off(acc0), acc32 = off(acc0), ya = off(y), zxa = off(zx);
        KernelContextEmulator.run(rows * local, 1, 1, local, 1, 1, k -> MixerKernels.gatedMatVecAccumulate16(k, ya, zxa, small, normOff, w16, wOff,
                acc16, cols, groupSize, 1e-5f, decode.arg()));
        KernelContextEmulator.run(rows * local, 1, 1, local, 1, 1, k -> MixerKernels.gatedMatVecAccumulate(k, ya, zxa, small, normOff, w32, wOff,
                acc32, cols, groupSize, 1e-5f));
        assertRel("gatedMatVecAccumulate16", acc16.toHeapArray(), gatedRef(y, zx, smallF, normOff, w, wOff, rows, g, groupSize, acc0), 1e-6);
        assertArrayEquals(acc32.toHeapArray(), acc16.toHeapArray(), "gatedMatVecAccumulate16 against its float32 twin");
    }

    @Test
    void ssdStepMatchesRecurrence() {
        int H = 6, P = 8, G = 2, N = 16, dInner = H * P, dtOffset = 2 * dInner + 2 * G * N;
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
        KernelContextEmulator.run(H * P * 4, 1, 1, 4, 1, 1,
                k -> MixerKernels.ssdStep(k, control, zxa, xbcA, wholeA, sOff, packedA, biasOff, yA, H, P, G, N));
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
                refY[hp] = acc + d[h] * xbc[hp];
            }
        }
        assertRel("ssdStep y", y, refY, 1e-5);
        assertRel("ssdStep state", state, refState, 1e-5);
    }

    @Test
    void resetFlagStartsStatesFromZero() {
        int H = 2, P = 4, G = 1, N = 8, dInner = H * P, dtOffset = 2 * dInner + 2 * G * N, convDim = dInner + 2 * G * N;
        float[] zx = randn(dtOffset + H), xbc = randn(convDim), packed = randn(3 * H + 2);
        packed[3 * H] = 0f;
        packed[3 * H + 1] = 100f;
        packed[H] = -1f;
        packed[H + 1] = -2f;
        FloatArray dirty = off(randn(H * P * N)), clean = new FloatArray(H * P * N), yDirty = poisoned(dInner), yClean = poisoned(dInner);
        FloatArray zxa = off(zx), xbcA = off(xbc), packedA = off(packed);
        IntArray fresh = IntArray.fromElements(0, 1), keep = IntArray.fromElements(0, 0);
        KernelContextEmulator.run(H * P * 8, 1, 1, 8, 1, 1, k -> MixerKernels.ssdStep(k, fresh, zxa, xbcA, dirty, 0, packedA, 0, yDirty, H, P, G, N));
        KernelContextEmulator.run(H * P * 8, 1, 1, 8, 1, 1, k -> MixerKernels.ssdStep(k, keep, zxa, xbcA, clean, 0, packedA, 0, yClean, H, P, G, N));
        assertTrue(Arrays.equals(yClean.toHeapArray(), yDirty.toHeapArray()) && Arrays.equals(clean.toHeapArray(), dirty.toHeapArray()));
        InProjConv conv = InProjConv.random(this, 11, 24, 2, 6, 4);
        float[] zeroed = conv.state().clone();
        Arrays.fill(zeroed, conv.convAt(), conv.convAt() + conv.convDim() * (conv.dConv() - 1), 0f);
        float[][] reset = conv.run(1, 8), zeros = conv.withState(zeroed).run(0, 8), kept = conv.run(0, 8);
        for (int i = 0; i < 3; i++) assertArrayEquals(zeros[i], reset[i]);
        assertTrue(!Arrays.equals(kept[1], reset[1]), "the dirty conv windows should matter without the reset");
    }

    @Test
    void loadStatesCopiesTheStagedStates() {
        FloatArray states = poisoned(37);
        float[] staged = randn(37);
        MixerKernels.loadStates(off(staged), states, states.getSize());
        assertArrayEquals(staged, states.toHeapArray());
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
