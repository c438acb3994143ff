package org.mamba2j.tornado.ssd;

import org.mamba2j.ssd.CheckCases;
import org.mamba2j.tornado.KernelContextEmulator;

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
 * The tiled (KernelContext) kernels on the JVM through {@link KernelContextEmulator}, in the
 * pipeline of {@link SsdPlan}, against the float64 references; tiles 4 and 8.
 */
class SsdTiledKernelsTest {

    static Stream<Arguments> cases() throws IOException {
        List<CheckCases.Case> cs = new ArrayList<>(SsdKernelsTest.golden().toList());
        cs.removeIf(c -> c.name().startsWith("mamba2_like")); // slow with a thread per work item; PoCL covers it
        cs.addAll(CheckCases.random(12, 777));
        List<Arguments> out = new ArrayList<>();
        for (int i = 0; i < cs.size(); i++) out.add(Arguments.of(cs.get(i), i % 2 == 0 ? 4 : 8));
        return out.stream();
    }

    @ParameterizedTest(name = "{0} tile={1}")
    @MethodSource("cases")
    void tiledPipelineMatchesReference(CheckCases.Case c, int T) {
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
        SsdKernels.chunkCB(in.C(), in.B(), dims, cb, cb.length);
        int bch = SsdDims.cumsumItems(s);
        KernelContextEmulator.run(SsdPlan.roundUp(s.dstate(), T), SsdPlan.roundUp(s.headdim(), T), bch, T, T, 1,
                kc -> SsdTiledKernels.chunkStates(kc, in.x(), in.B(), w, dims, states, T));
        SsdKernels.statePassing(states, cum, f.init() ? in.initialState() : dummy, dims, stateIn, fin, fin.length);
        KernelContextEmulator.run(SsdPlan.roundUp(s.headdim(), T), SsdPlan.roundUp(s.chunkSize(), T), bch, T, T, 1,
                kc -> SsdTiledKernels.chunkOutput(kc, in.x(), f.z() ? in.z() : dummy, dt, cum, cb, in.C(), stateIn, in.D(), dims, y, T));
        SsdKernelsTest.assertClose(c.name() + " tiled y", y, c.y(), SsdKernelsTest.TOL);
        SsdKernelsTest.assertClose(c.name() + " tiled final_state", fin, c.finalState(), SsdKernelsTest.TOL);
    }
}
