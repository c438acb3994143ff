package org.mamba2j.ssd.tornado;

import org.mamba2j.ssd.SsdInputs;
import org.mamba2j.ssd.SsdShape;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * The register-blocked (KernelContext) kernels on the JVM through {@link KernelContextEmulator}, in
 * the pipeline of {@link SsdPlan}, against the float64 references: golden cases and random shapes
 * (ragged ones included: P, N, Q and the last chunk not multiples of the 64-wide tile). Intermediates
 * and outputs are poisoned with NaN first, so an unwritten element fails.
 */
class SsdBlockedKernelsTest {

    static Stream<Arguments> cases() throws IOException {
        List<CheckCases.Case> cs = new ArrayList<>(SsdKernelsTest.golden().toList());
        cs.removeIf(c -> c.name().startsWith("mamba2_like")); // slow with a thread per work item; PoCL covers it
        cs.addAll(CheckCases.random(12, 4242));
        cs.addAll(CheckCases.wide()); // several ragged 64-wide tiles each way
        return cs.stream().map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void blockedPipelineMatchesReference(CheckCases.Case c) {
        SsdShape s = c.shape();
        SsdInputs in = c.inputs();
        SsdDims.Flags f = SsdDims.Flags.of(in);
        int[] dims = SsdDims.of(s, f);
        float[] dummy = new float[1];
        float[] dt = new float[SsdDims.chunkedDtSize(s)], cum = new float[dt.length], w = new float[dt.length];
        float[] cb = new float[SsdDims.cbSize(s)], states = new float[SsdDims.chunkStatesSize(s)], stateIn = new float[states.length];
        float[] y = new float[(int) s.xSize()], fin = new float[(int) s.stateSize()];
        for (float[] a : new float[][] {dt, cum, w, cb, states, stateIn, y, fin}) Arrays.fill(a, Float.NaN);
        SsdKernels.chunkCumsum(in.dt(), in.A(), f.bias() ? in.timeStep().bias() : dummy, SsdDims.dtLimits(in.timeStep()), dims,
                dt, cum, w, SsdDims.cumsumItems(s));
        int bch = SsdDims.cumsumItems(s);
        int t = SsdBlockedKernels.THREADS;
        KernelContextEmulator.run(SsdPlan.blockedGlobal(s.chunkSize()), SsdPlan.blockedGlobal(s.chunkSize()), s.batch() * s.nchunks() * s.ngroups(),
                t, t, 1, kc -> SsdBlockedKernels.chunkCBBlocked(kc, in.C(), in.B(), dims, cb));
        // every element, zeros above the diagonal and past the sequence included, as the loop kernel writes them
        float[] cbLoop = new float[cb.length];
        SsdKernels.chunkCB(in.C(), in.B(), dims, cbLoop, cbLoop.length);
        for (int i = 0; i < cb.length; i++) {
            if (!(Math.abs(cb[i] - cbLoop[i]) <= 1e-5f * (1 + Math.abs(cbLoop[i])))) {
                throw new AssertionError(c.name() + " blocked chunkCB differs at " + i + ": " + cb[i] + " vs " + cbLoop[i]);
            }
        }
        KernelContextEmulator.run(SsdPlan.blockedGlobal(s.dstate()), SsdPlan.blockedGlobal(s.headdim()), bch, t, t, 1,
                kc -> SsdBlockedKernels.chunkStatesBlocked(kc, in.x(), in.B(), w, dims, states));
        SsdKernels.statePassing(states, cum, f.init() ? in.initialState() : dummy, dims, stateIn, fin, fin.length);
        KernelContextEmulator.run(SsdPlan.blockedGlobal(s.headdim()), SsdPlan.blockedGlobal(s.chunkSize()), bch, t, t, 1,
                kc -> SsdBlockedKernels.chunkOutputBlocked(kc, in.x(), f.z() ? in.z() : dummy, dt, cum, cb, in.C(), stateIn, in.D(), dims, y));
        SsdKernelsTest.assertClose(c.name() + " blocked y", y, c.y(), SsdKernelsTest.TOL);
        SsdKernelsTest.assertClose(c.name() + " blocked final_state", fin, c.finalState(), SsdKernelsTest.TOL);
    }
}
