package org.mamba2j.tornado.ssd;

import org.mamba2j.ssd.CheckCases;
import org.mamba2j.tornado.DeviceConfig;
import org.mamba2j.tornado.KernelContextEmulator;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.mamba2j.ssd.RandomInputs;
import org.mamba2j.ssd.SsdInputs;
import org.mamba2j.ssd.SsdShape;
import org.mamba2j.ssd.TimeStep;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The cumsum's "scan" variant ({@link SsdKernels#chunkCumsumScan}) on the JVM through
 * {@link KernelContextEmulator} (real barriers, a thread per work item): its dt, cum and wState
 * against a float64 reference of the loop kernel's definition (fresh random inputs, outputs poisoned
 * with NaN first) over ragged shapes, groups smaller and larger than the chunk and not dividing it,
 * with and without dt bias, softplus and limits; the padding semantics exactly; and the golden and
 * random SSD cases through the whole forward with the scan as the cumsum.
 */
class SsdCumsumScanTest {

    /** Relative tolerance of cum against float64, scaled by Σ|dt·A| up to the position (float summation, any order). */
    static final double CUM_TOL = 5e-6;

    /**
     * Runs the scan over its grid: one work-group of {@code local} per (batch, chunk, head), as SsdPlan launches it.
     * The arrays go into off-heap copies (the outputs with what they hold, poison included) and the outputs come back.
     */
    static void scan(SsdShape s, int local, float[] dtRaw, float[] A, float[] bias, float[] limits, int[] dims,
                     float[] dt, float[] cum, float[] w) {
        FloatArray raw = FloatArray.fromArray(dtRaw), a = FloatArray.fromArray(A), b = FloatArray.fromArray(bias);
        FloatArray lim = FloatArray.fromArray(limits);
        IntArray d = IntArray.fromArray(dims);
        FloatArray dtOut = FloatArray.fromArray(dt), cumOut = FloatArray.fromArray(cum), wOut = FloatArray.fromArray(w);
        KernelContextEmulator.run(SsdDims.cumsumItems(s) * local, 1, 1, local, 1, 1,
                kc -> SsdKernels.chunkCumsumScan(kc, raw, a, b, lim, d, dtOut, cumOut, wOut));
        OffHeap.copy(dtOut, dt);
        OffHeap.copy(cumOut, cum);
        OffHeap.copy(wOut, w);
    }

    /** The loop kernel over the same arrays (loop bound {@code padded}), through off-heap copies as {@link #scan}. */
    static void loop(float[] dtRaw, float[] A, float[] bias, float[] limits, int[] dims, float[] dt, float[] cum, float[] w, int padded) {
        FloatArray dtOut = FloatArray.fromArray(dt), cumOut = FloatArray.fromArray(cum), wOut = FloatArray.fromArray(w);
        SsdKernels.chunkCumsum(FloatArray.fromArray(dtRaw), FloatArray.fromArray(A), FloatArray.fromArray(bias), FloatArray.fromArray(limits),
                IntArray.fromArray(dims), dtOut, cumOut, wOut, padded);
        OffHeap.copy(dtOut, dt);
        OffHeap.copy(cumOut, cum);
        OffHeap.copy(wOut, w);
    }

    /** The loop kernel's definition in float64 from float dt: {dt, cum, wState, Σ|dt·A| so far} per (batch, chunk, head, l). */
    static double[][] reference(SsdShape s, float[] dtRaw, float[] A, TimeStep ts) {
        int L = s.seqlen(), H = s.nheads(), Q = s.chunkSize(), NC = s.nchunks();
        int n = SsdDims.chunkedDtSize(s);
        double[] dt = new double[n], cum = new double[n], w = new double[n], mag = new double[n];
        for (int b = 0; b < s.batch(); b++) {
            for (int c = 0; c < NC; c++) {
                for (int h = 0; h < H; h++) {
                    int out = ((b * NC + c) * H + h) * Q;
                    int len = Math.min(Q, L - c * Q);
                    double run = 0, abs = 0;
                    for (int l = 0; l < Q; l++) {
                        double v = 0;
                        if (l < len) {
                            // dt itself in float, as the kernel computes it (its own float ops), then summed exactly
                            v = ts.apply(dtRaw[(b * L + c * Q + l) * H + h], h);
                            run += v * A[h];
                            abs += Math.abs(v * A[h]);
                        }
                        dt[out + l] = v;
                        cum[out + l] = run;
                        mag[out + l] = abs;
                    }
                    for (int l = 0; l < Q; l++) w[out + l] = Math.exp(run - cum[out + l]) * dt[out + l];
                }
            }
        }
        return new double[][] {dt, cum, w, mag};
    }

    /**
     * Checks the scan's outputs: dt as float64 within float rounding of softplus, cum within
     * CUM_TOL·Σ|dt·A|, wState by its own definition from the float64 reference; past the sequence
     * end exactly dt 0, cum the last position's value, wState 0; wState of the last position exactly dt.
     */
    static void check(String what, SsdShape s, float[] dt, float[] cum, float[] w, double[][] ref) {
        int L = s.seqlen(), Q = s.chunkSize();
        double[] rdt = ref[0], rcum = ref[1], rw = ref[2], mag = ref[3];
        for (int i = 0; i < dt.length; i++) {
            int bch = i / Q, l = i % Q, c = (bch / s.nheads()) % s.nchunks();
            int len = Math.min(Q, L - c * Q);
            String at = what + " at (bch " + bch + ", l " + l + ", len " + len + ")";
            if (!(Math.abs(dt[i] - rdt[i]) <= 1e-6 * Math.abs(rdt[i]))) throw new AssertionError(at + ": dt " + dt[i] + " vs " + rdt[i]);
            double cumErr = Math.abs(cum[i] - rcum[i]);
            if (!(cumErr <= CUM_TOL * mag[i] + 1e-30)) throw new AssertionError(at + ": cum " + cum[i] + " vs " + rcum[i]);
            // exp(total − cum) inherits the absolute error of both cumsums and of their difference (≤ 3·CUM_TOL·Σ|dt·A| of the chunk)
            double chunkMag = mag[bch * Q + Q - 1];
            double wTol = (3 * CUM_TOL * chunkMag + 1e-6) * Math.abs(rw[i]) + 1e-30;
            if (!(Math.abs(w[i] - rw[i]) <= wTol)) throw new AssertionError(at + ": wState " + w[i] + " vs " + rw[i]);
            if (l >= len) {
                assertEquals(0f, dt[i], at + ": dt in the padding");
                assertEquals(0f, w[i], at + ": wState in the padding");
                assertEquals(cum[bch * Q + len - 1], cum[i], at + ": cum in the padding repeats the last position's");
            }
            if (l == len - 1) assertEquals(dt[i], w[i], at + ": the last position's weight is its dt");
        }
    }

    static Stream<Arguments> shapes() {
        // batch, L, H, Q, local, time step: L not a multiple of Q, Q below, above and not a multiple of the group
        List<Arguments> out = new ArrayList<>();
        int[][] cases = {
                {1, 1, 1, 1, 1}, {1, 5, 2, 1, 4}, {2, 7, 3, 3, 4}, {1, 10, 2, 4, 3}, {3, 70, 2, 33, 8},
                {2, 130, 3, 33, 32}, {1, 250, 2, 100, 32}, {2, 300, 1, 100, 128}, {2, 200, 2, 128, 32},
                {1, 300, 3, 128, 128}, {1, 129, 2, 128, 64}, {2, 600, 2, 256, 64}, {1, 256, 1, 256, 128},
                {1, 40, 2, 256, 96}, {2, 17, 2, 5, 256}};
        String[] steps = {"raw", "bias+softplus", "softplus+limits"};
        for (int i = 0; i < cases.length; i++) {
            for (String ts : steps) {
                int[] c = cases[i];
                out.add(Arguments.of(c[0], c[1], c[2], c[3], c[4], ts));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "batch {0}, L {1}, H {2}, Q {3}, local {4}, {5}")
    @MethodSource("shapes")
    void scanMatchesFloat64(int batch, int L, int H, int Q, int local, String step) {
        SsdShape s = new SsdShape(batch, L, H, 4, 1, 4, Q);
        long seed = 31L * (((batch * 1009L + L) * 1009 + H) * 1009 + Q) + local + step.hashCode();
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] A = new float[H];
        for (int h = 0; h < H; h++) A[h] = (float) -Math.exp(rnd.nextDouble(0, Math.log(16)));
        float[] raw = new float[batch * L * H];
        TimeStep ts;
        switch (step) {
            case "raw" -> { // dt as given, strong decay on some heads
                for (int i = 0; i < raw.length; i++) raw[i] = (float) Math.exp(rnd.nextDouble(Math.log(1e-3), Math.log(1)));
                ts = TimeStep.RAW;
            }
            case "bias+softplus" -> { // odd heads above the softplus threshold, where softplus is the identity
                float[] bias = new float[H];
                for (int h = 0; h < H; h++) bias[h] = h % 2 == 0 ? (float) rnd.nextDouble(-6, 1) : 21f;
                for (int i = 0; i < raw.length; i++) raw[i] = (float) rnd.nextDouble(-3, 3);
                ts = TimeStep.softplus(bias, 0f, Float.POSITIVE_INFINITY);
            }
            default -> { // no bias, softplus, clamped both ways
                for (int i = 0; i < raw.length; i++) raw[i] = (float) rnd.nextDouble(-12, 4);
                ts = new TimeStep(null, true, 0.001f, 0.5f);
            }
        }
        SsdInputs in = new SsdInputs(new float[(int) s.xSize()], raw, A, new float[(int) s.bcSize()], new float[(int) s.bcSize()],
                new float[H], null, null, ts);
        SsdDims.Flags f = SsdDims.Flags.of(in);
        assertEquals(step.contains("bias"), f.bias());
        assertEquals(!step.equals("raw"), f.softplus());
        int[] dims = SsdDims.of(s, f);
        float[] bias = f.bias() ? ts.bias() : new float[1];
        float[] limits = SsdDims.dtLimits(ts);
        int n = SsdDims.chunkedDtSize(s);
        float[] dt = nan(n), cum = nan(n), w = nan(n);
        scan(s, local, raw, A, bias, limits, dims, dt, cum, w);
        String what = "scan " + s + " local " + local + " " + step;
        check(what, s, dt, cum, w, reference(s, raw, A, ts));

        // and the loop kernel (itself checked the same way) agrees: same dt bit for bit, cum and wState to float rounding
        float[] dtL = nan(n), cumL = nan(n), wL = nan(n);
        loop(raw, A, bias, limits, dims, dtL, cumL, wL, SsdDims.cumsumItems(s) + 5);
        check("loop " + s + " " + step, s, dtL, cumL, wL, reference(s, raw, A, ts));
        assertTrue(Arrays.equals(dt, dtL), what + ": dt differs from the loop kernel's");
    }

    /** The checker itself rejects what a wrong scan would produce (else the tests above could not fail). */
    @Test
    void checkRejectsWrongOutputs() {
        SsdShape s = new SsdShape(1, 10, 1, 1, 1, 1, 4); // chunks of 4, the last one with 2 positions
        float[] raw = new float[10];
        for (int i = 0; i < raw.length; i++) raw[i] = 0.1f * (i + 1);
        float[] A = {-1.5f};
        int[] dims = SsdDims.of(s, new SsdDims.Flags(false, false, false, false));
        double[][] ref = reference(s, raw, A, TimeStep.RAW);
        int n = SsdDims.chunkedDtSize(s);
        float[] dt = nan(n), cum = nan(n), w = nan(n);
        scan(s, 2, raw, A, new float[1], SsdDims.dtLimits(TimeStep.RAW), dims, dt, cum, w);
        check("ok", s, dt, cum, w, ref);
        List<float[][]> wrong = new ArrayList<>();
        float[] exclusive = cum.clone(); // an exclusive scan: cum shifted by one position
        for (int c = 0; c < 3; c++) {
            for (int l = 3; l > 0; l--) exclusive[c * 4 + l] = exclusive[c * 4 + l - 1];
            exclusive[c * 4] = 0f;
        }
        wrong.add(new float[][] {dt, exclusive, w});
        float[] noCarry = cum.clone(); // a segment that forgot the one before it
        noCarry[2] -= cum[1];
        wrong.add(new float[][] {dt, noCarry, w});
        float[] padCum = cum.clone(); // padding not repeating the last value
        padCum[10] = padCum[9] * 1.0001f;
        wrong.add(new float[][] {dt, padCum, w});
        float[] unwritten = w.clone();
        unwritten[11] = Float.NaN;
        wrong.add(new float[][] {dt, cum, unwritten});
        float[] padW = w.clone();
        padW[10] = 1e-20f;
        wrong.add(new float[][] {dt, cum, padW});
        for (float[][] o : wrong) {
            assertThrows(AssertionError.class, () -> check("wrong", s, o[0], o[1], o[2], ref));
        }
    }

    @ParameterizedTest(name = "Q {0}, local {1}")
    @CsvSource({"128,128", "128,32", "100,64", "256,128", "33,1024"})
    void poisonedBuffersPastTheWorkAreUntouched(int Q, int local) {
        // the kernel writes (batch, NC, H, Q) and nothing after it (buffers may be sized for a longer pass, as in the prefill)
        SsdShape s = new SsdShape(1, Q * 2 - 7, 2, 4, 1, 4, Q);
        SsdInputs in = RandomInputs.generate(s, Q * 7L + local);
        int[] dims = SsdDims.of(s, SsdDims.Flags.of(in));
        int n = SsdDims.chunkedDtSize(s);
        float[] dt = nan(n + 50), cum = nan(n + 50), w = nan(n + 50);
        scan(s, local, in.dt(), in.A(), new float[1], SsdDims.dtLimits(in.timeStep()), dims, dt, cum, w);
        check("scan", s, Arrays.copyOf(dt, n), Arrays.copyOf(cum, n), Arrays.copyOf(w, n), reference(s, in.dt(), in.A(), in.timeStep()));
        for (int i = n; i < n + 50; i++) {
            assertTrue(Float.isNaN(dt[i]) && Float.isNaN(cum[i]) && Float.isNaN(w[i]), "wrote past the work at " + i);
        }
    }

    static Stream<CheckCases.Case> forwardCases() throws IOException {
        List<CheckCases.Case> cs = new ArrayList<>(SsdKernelsTest.golden().toList());
        cs.addAll(CheckCases.random(16, 777));
        return cs.stream();
    }

    /**
     * The whole forward with the scan as its cumsum (groups of 32: several segments wherever
     * Q > 32, a partial one wherever Q is not a multiple) and the loop kernels for the rest, against
     * the float64 outputs: the golden cases (each also from raw dt through bias and softplus) and random shapes.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("forwardCases")
    void forwardWithScanMatchesReference(CheckCases.Case c) {
        SsdShape s = c.shape();
        SsdInputs in = c.inputs();
        SsdDims.Flags f = SsdDims.Flags.of(in);
        int[] dims = SsdDims.of(s, f);
        float[] dt = nan(SsdDims.chunkedDtSize(s)), cum = nan(dt.length), w = nan(dt.length);
        scan(s, 32, in.dt(), in.A(), f.bias() ? in.timeStep().bias() : new float[1], SsdDims.dtLimits(in.timeStep()), dims, dt, cum, w);
        IntArray d = IntArray.fromArray(dims);
        FloatArray dummy = new FloatArray(1);
        FloatArray dtA = FloatArray.fromArray(dt), cumA = FloatArray.fromArray(cum), wA = FloatArray.fromArray(w);
        FloatArray x = FloatArray.fromArray(in.x()), B = FloatArray.fromArray(in.B()), C = FloatArray.fromArray(in.C());
        FloatArray cb = nanArray(SsdDims.cbSize(s)), states = nanArray(SsdDims.chunkStatesSize(s)), stateIn = nanArray(states.getSize());
        FloatArray scores = nanArray(SsdDims.scoresSize(s));
        FloatArray yA = nanArray((int) s.xSize()), finA = nanArray((int) s.stateSize());
        SsdKernels.chunkCB(C, B, d, cb, cb.getSize());
        SsdKernels.chunkStates(x, B, wA, d, states, states.getSize());
        SsdKernels.statePassing(states, cumA, f.init() ? FloatArray.fromArray(in.initialState()) : dummy, d, stateIn, finA, 0, finA.getSize());
        SsdKernels.chunkScores(cb, dtA, cumA, d, scores, scores.getSize());
        SsdKernels.chunkOutput(x, f.z() ? FloatArray.fromArray(in.z()) : dummy, cumA, scores, C, stateIn, FloatArray.fromArray(in.D()), d,
                yA, yA.getSize());
        float[] y = yA.toHeapArray(), fin = finA.toHeapArray();
        SsdKernelsTest.assertClose(c.name() + " scan y", y, c.y(), SsdKernelsTest.TOL);
        SsdKernelsTest.assertClose(c.name() + " scan final_state", fin, c.finalState(), SsdKernelsTest.TOL);
    }

    @Test
    void configLimitMatchesTheKernel() {
        assertEquals(DeviceConfig.SCAN_MAX_LOCAL, SsdKernels.SCAN_MAX_LOCAL);
    }

    static float[] nan(int n) {
        float[] a = new float[n];
        Arrays.fill(a, Float.NaN);
        return a;
    }

    static FloatArray nanArray(int n) {
        FloatArray a = new FloatArray(n);
        a.init(Float.NaN);
        return a;
    }
}
