package org.mamba2j.tornado.ssd;

import org.mamba2j.ssd.CheckCases;
import org.mamba2j.tornado.KernelContextEmulator;

import org.mamba2j.ssd.SsdInputs;
import org.mamba2j.ssd.SsdReference;
import org.mamba2j.ssd.SsdShape;
import org.mamba2j.ssd.RandomInputs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The loop-parallel kernels run as plain Java (the CPU twin of the device pipeline) against float64 references. */
class SsdKernelsTest {

    static final double TOL = 1e-5;

    static Stream<CheckCases.Case> golden() throws IOException {
        return CheckCases.golden(Path.of(System.getProperty("golden.dir", "../testdata"))).stream();
    }

    static Stream<CheckCases.Case> random() {
        return CheckCases.random(30, 5000).stream();
    }

    static void assertClose(String what, float[] out, double[] ref, double tol) {
        double err = SsdReference.relativeError(out, ref);
        assertTrue(err <= tol, what + ": relative error " + err + " > " + tol);
    }

    static void checkForward(CheckCases.Case c) {
        SsdShape s = c.shape();
        float[] y = new float[(int) s.xSize()], state = new float[(int) s.stateSize()];
        Arrays.fill(y, Float.NaN);
        Arrays.fill(state, Float.NaN);
        KernelPipeline.forward(s, c.inputs(), y, state, true);
        assertClose(c.name() + " y", y, c.y(), TOL);
        assertClose(c.name() + " final_state", state, c.finalState(), TOL);
    }

    interface Stepper {
        void step(SsdShape s, SsdInputs token, float[] state, float[] y);
    }

    /** The work-group-per-row step, through the work-group emulator (groups of 4 over dstate). */
    static void reduceStep(SsdShape s, SsdInputs token, float[] state, float[] y) {
        SsdShape one = s.withSeqlen(1);
        SsdDims.Flags f = SsdDims.Flags.of(token);
        StepInputs in = new StepInputs(one, f);
        in.copyFrom(token);
        IntArray dims = IntArray.fromArray(SsdDims.of(one, f));
        FloatArray st = FloatArray.fromArray(state), out = new FloatArray(y.length);
        out.init(Float.NaN);
        KernelContextEmulator.run(y.length * 4, 1, 1, 4, 1, 1, k -> SsdKernels.decodeStepReduce(k, in.packed, in.parts, dims, st, out));
        OffHeap.copy(st, state);
        OffHeap.copy(out, y);
    }

    static void checkSteps(CheckCases.Case c) {
        checkSteps(c, KernelPipeline::step);
    }

    /** Steps token by token from the case's initial state; compares y (all tokens) and the final state. */
    static void checkSteps(CheckCases.Case c, Stepper stepper) {
        SsdShape s = c.shape();
        SsdInputs in = c.inputs();
        float[] state = in.initialState() != null ? in.initialState().clone() : new float[(int) s.stateSize()];
        float[] y = new float[(int) s.xSize()];
        Arrays.fill(y, Float.NaN);
        int xi = s.nheads() * s.headdim();
        float[] yt = new float[s.batch() * xi];
        for (int t = 0; t < s.seqlen(); t++) {
            Arrays.fill(yt, Float.NaN);
            stepper.step(s, CheckCases.token(s, in, t), state, yt);
            for (int b = 0; b < s.batch(); b++) System.arraycopy(yt, b * xi, y, (b * s.seqlen() + t) * xi, xi);
        }
        assertClose(c.name() + " step y", y, c.y(), TOL);
        assertClose(c.name() + " step state", state, c.finalState(), TOL);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("golden")
    void goldenForward(CheckCases.Case c) {
        checkForward(c);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("random")
    void randomForward(CheckCases.Case c) {
        checkForward(c);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("golden")
    void goldenSteps(CheckCases.Case c) {
        checkSteps(c);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("random")
    void randomSteps(CheckCases.Case c) {
        if (c.shape().seqlen() > 70) return; // token-by-token is slow; the long ones are covered by forward
        checkSteps(c);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("random")
    void randomStepsReduce(CheckCases.Case c) {
        if (c.shape().seqlen() > 10) return; // a virtual thread per work item: short sequences say enough
        checkSteps(c, SsdKernelsTest::reduceStep);
    }

    @Test
    void softplusIsAccurateForSmallAndLargeArguments() {
        for (float v : new float[] {-30f, -12f, -5f, -1f, 0f, 0.5f, 3f, 10f, 19.9f}) {
            double exact = Math.log1p(Math.exp(v));
            assertEquals(exact, SsdKernels.softplus(v), Math.ulp((float) exact) * 2.0, "softplus(" + v + ")");
        }
    }

    @Test
    void intermediatesHaveTheDocumentedMeaning() {
        SsdShape s = new SsdShape(1, 10, 2, 3, 1, 2, 4); // 3 chunks, the last one ragged (2 positions)
        SsdInputs in = RandomInputs.generate(s, 3);
        SsdDims.Flags f = SsdDims.Flags.of(in);
        IntArray dims = IntArray.fromArray(SsdDims.of(s, f));
        int dtSize = SsdDims.chunkedDtSize(s);
        FloatArray dtOut = new FloatArray(dtSize), cumOut = new FloatArray(dtSize), wOut = new FloatArray(dtSize);
        SsdKernels.chunkCumsum(FloatArray.fromArray(in.dt()), FloatArray.fromArray(in.A()), new FloatArray(1),
                FloatArray.fromArray(SsdDims.dtLimits(in.timeStep())), dims, dtOut, cumOut, wOut, SsdDims.cumsumItems(s));
        float[] dt = dtOut.toHeapArray(), cum = cumOut.toHeapArray(), w = wOut.toHeapArray();
        // chunk 2, head 1: positions 8 and 9, then padding that repeats the chunk total
        int base = (2 * 2 + 1) * 4;
        float expected = in.dt()[8 * 2 + 1] * in.A()[1] + in.dt()[9 * 2 + 1] * in.A()[1];
        assertEquals(expected, cum[base + 1], 1e-6f);
        assertEquals(cum[base + 1], cum[base + 3]);
        assertEquals(0f, dt[base + 2]);
        assertEquals(0f, w[base + 2]);
        assertEquals(dt[base + 1], w[base + 1], 0f); // the last position: exp(0)·dt
        assertEquals((float) Math.exp(cum[base + 1] - cum[base]) * dt[base], w[base], 1e-6f);
        FloatArray cbOut = new FloatArray(SsdDims.cbSize(s));
        SsdKernels.chunkCB(FloatArray.fromArray(in.C()), FloatArray.fromArray(in.B()), dims, cbOut, cbOut.getSize());
        float[] cb = cbOut.toHeapArray();
        int c1 = 16; // chunk 1, l = 2, r = 1 → C_6 · B_5
        float dot = in.C()[6 * 2] * in.B()[5 * 2] + in.C()[6 * 2 + 1] * in.B()[5 * 2 + 1];
        assertEquals(dot, cb[c1 + 2 * 4 + 1], 1e-6f);
        assertEquals(0f, cb[c1 + 1 * 4 + 2]); // above the diagonal
    }
}
