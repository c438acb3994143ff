package org.mamba2j.ssd;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.mamba2j.ssd.CheckCases;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SsdForwardTest {

    static final double TOL = 1e-5;

    /** The golden cases, each also from raw dt through bias and softplus where that maps 1:1 ("+softplus"). */
    static Stream<CheckCases.Case> golden() throws IOException {
        return CheckCases.golden(Path.of(System.getProperty("golden.dir", "../testdata"))).stream();
    }

    /** Runs forward into outputs poisoned with NaN, so an element left unwritten fails the check. */
    static SsdResult poisonedForward(SsdBackend backend, SsdShape s, SsdInputs in) {
        float[] y = new float[(int) s.xSize()], state = new float[(int) s.stateSize()];
        Arrays.fill(y, Float.NaN);
        Arrays.fill(state, Float.NaN);
        backend.forward(s, in, y, state);
        return new SsdResult(y, state);
    }

    static void assertClose(String what, float[] out, double[] ref, double tol) {
        double err = SsdReference.relativeError(out, ref);
        assertTrue(err <= tol, what + ": relative error " + err + " > " + tol);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("golden")
    void goldenCasesMatch(CheckCases.Case g) {
        SsdResult r = poisonedForward(JvmSsd.INSTANCE, g.shape(), g.inputs());
        assertClose(g.name() + " y", r.y(), g.y(), TOL);
        assertClose(g.name() + " final_state", r.finalState(), g.finalState(), TOL);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("golden")
    void referenceReproducesGolden(CheckCases.Case g) {
        SsdReference.Exact e = SsdReference.forward(g.shape(), g.inputs());
        float[] y = new float[e.y().length];
        for (int i = 0; i < y.length; i++) y[i] = (float) e.y()[i];
        assertClose(g.name() + " reference y", y, g.y(), 1e-6);
    }

    static Stream<Arguments> randomShapes() {
        SplittableRandom rnd = new SplittableRandom(20241);
        List<Arguments> cases = new ArrayList<>();
        int[] seqlens = {1, 2, 7, 63, 64, 65, 130, 257, 500, 1000};
        int[] chunks = {1, 3, 16, 33, 64, 100, 256};
        for (int i = 0; i < 28; i++) {
            int L = seqlens[i % seqlens.length];
            int Q = chunks[(i * 3 + 1) % chunks.length];
            if (L > 300 && Q < 16) Q = 48; // keep tiny chunks on short sequences so the suite stays fast
            int nheads = new int[]{1, 2, 4, 6}[rnd.nextInt(4)];
            int[] groupChoices = {1, nheads, nheads % 2 == 0 ? 2 : 1};
            int G = groupChoices[rnd.nextInt(3)];
            int batch = 1 + rnd.nextInt(3);
            int P = new int[]{4, 8, 16}[rnd.nextInt(3)], N = new int[]{4, 8, 16, 32}[rnd.nextInt(4)];
            float dtScale = i % 5 == 0 ? 8f : 1f;
            cases.add(Arguments.of(new SsdShape(batch, L, nheads, P, G, N, Q), 1000L + i, dtScale, i % 2 == 0, i % 3 != 0));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} seed={1} dtScale={2} z={3} init={4}")
    @MethodSource("randomShapes")
    void chunkedMatchesRecurrence(SsdShape s, long seed, float dtScale, boolean z, boolean init) {
        SsdInputs in = RandomInputs.generate(s, seed, dtScale, z, init);
        SsdReference.Exact ref = SsdReference.forward(s, in);
        SsdResult r = poisonedForward(JvmSsd.INSTANCE, s, in);
        assertClose("y", r.y(), ref.y(), TOL);
        assertClose("final_state", r.finalState(), ref.finalState(), TOL);
    }

    /**
     * Shapes at the edges of the vectorized tiles: headdim and dstate that are not whole vectors (or
     * less than one), more than one wide micro-kernel block, chunks that are not whole vectors, ragged
     * last chunks, one group per head, and strong decay across long chunks.
     */
    @ParameterizedTest(name = "{0} dtScale={1}")
    @CsvSource({
            "1,300,2,20,1,36,100,1", "1,300,2,20,1,36,100,8",
            "2,129,4,5,4,3,64,8", "1,257,2,80,2,130,128,1",
            "1,513,3,64,3,128,256,8", "1,70,2,17,1,19,7,8",
            "1,600,2,64,1,128,256,8", "2,33,6,12,3,24,16,1"})
    void vectorTailsAndStrongDecay(int batch, int L, int H, int P, int G, int N, int Q, float dtScale) {
        SsdShape s = new SsdShape(batch, L, H, P, G, N, Q);
        SsdInputs in = RandomInputs.generate(s, 31L * L + N, dtScale, true, true);
        SsdReference.Exact ref = SsdReference.forward(s, in);
        SsdResult r = poisonedForward(JvmSsd.INSTANCE, s, in);
        assertClose("y", r.y(), ref.y(), TOL);
        assertClose("final_state", r.finalState(), ref.finalState(), TOL);
    }

    /** Scratch is reused across calls: a different shape, then the first again, must not see stale padding. */
    @Test
    void scratchReuseAcrossShapes() {
        SsdShape a = new SsdShape(1, 90, 2, 8, 1, 8, 32), b = new SsdShape(1, 77, 2, 4, 1, 5, 32);
        for (SsdShape s : new SsdShape[]{a, b, a, b}) {
            SsdInputs in = RandomInputs.generate(s, s.seqlen(), 2f, false, true);
            SsdReference.Exact ref = SsdReference.forward(s, in);
            SsdResult r = poisonedForward(JvmSsd.INSTANCE, s, in);
            assertClose(s + " y", r.y(), ref.y(), TOL);
            assertClose(s + " final_state", r.finalState(), ref.finalState(), TOL);
        }
    }

    @Test
    void forwardIsRepeatable() {
        // Threads share scratch between phases: a race shows as runs that differ by far more than
        // rounding. The last bits may change while the JIT replaces the code (the Vector API leaves
        // the order of a float reduction to the compiler, and on a loaded machine C2 may arrive late),
        // so runs must agree to a few ulps of the output's scale rather than bitwise.
        for (SsdShape s : List.of(new SsdShape(2, 300, 8, 16, 2, 32, 64), new SsdShape(1, 130, 4, 64, 1, 128, 32))) {
            SsdInputs in = RandomInputs.generate(s, 99, 1f, true, true);
            for (int i = 0; i < 60; i++) Ssd.forward(s, in);
            SsdResult first = Ssd.forward(s, in);
            for (int i = 0; i < 20; i++) {
                SsdResult again = Ssd.forward(s, in);
                assertSame("y on run " + i + " for " + s, first.y(), again.y());
                assertSame("state on run " + i + " for " + s, first.finalState(), again.finalState());
            }
        }
    }

    /** Equal up to rounding: every element within 1e-6 of the largest magnitude. */
    private static void assertSame(String what, float[] expected, float[] actual) {
        float scale = 0;
        for (float v : expected) scale = Math.max(scale, Math.abs(v));
        for (int i = 0; i < expected.length; i++) {
            if (!(Math.abs(expected[i] - actual[i]) <= 1e-6f * scale)) {
                org.junit.jupiter.api.Assertions.fail(what + " differs at " + i + ": " + expected[i] + " vs " + actual[i]);
            }
        }
    }

    @Test
    void softplusAndLimitAreApplied() {
        SsdShape s = new SsdShape(1, 40, 2, 4, 1, 4, 16);
        SsdInputs base = RandomInputs.generate(s, 7);
        float[] bias = {-2f, 25f}; // head 1 lands above the softplus threshold (identity there)
        SsdInputs in = new SsdInputs(base.x(), base.dt(), base.A(), base.B(), base.C(), base.D(), null, null,
                TimeStep.softplus(bias, 0.01f, 0.2f));
        SsdReference.Exact ref = SsdReference.forward(s, in);
        assertClose("y", poisonedForward(JvmSsd.INSTANCE, s, in).y(), ref.y(), TOL);
        assertEquals(0.2f, in.timeStep().apply(3f, 1)); // clamped to the limit
        assertEquals((float) Math.log1p(Math.exp(-2.0)), in.timeStep().apply(0f, 0), 1e-7f);
    }

    @Test
    void wrongSizesAreRejectedBeforeAnyWork() {
        SsdShape s = new SsdShape(2, 10, 4, 8, 2, 16, 4);
        SsdInputs ok = RandomInputs.generate(s, 1);
        SsdInputs badB = new SsdInputs(ok.x(), ok.dt(), ok.A(), new float[5], ok.C(), ok.D());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Ssd.forward(s, badB));
        assertTrue(e.getMessage().startsWith("B has 5 elements"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new SsdShape(1, 10, 3, 8, 2, 16, 4));
        assertThrows(IllegalArgumentException.class, () -> new SsdShape(1, 0, 4, 8, 2, 16, 4));
        SsdInputs badZ = new SsdInputs(ok.x(), ok.dt(), ok.A(), ok.B(), ok.C(), ok.D(), new float[3], null, TimeStep.RAW);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Ssd.forward(s, badZ)).getMessage().startsWith("z "));
    }
}
