package org.mamba2j.tornado.ssd;

import org.mamba2j.tornado.Grids;

import org.mamba2j.ssd.CheckCases;
import org.mamba2j.tornado.KernelContextEmulator;

import org.mamba2j.ssd.SsdInputs;
import org.mamba2j.ssd.SsdShape;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

import java.io.IOException;
import java.util.ArrayList;
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
        IntArray dims = IntArray.fromArray(SsdDims.of(s, f));
        FloatArray dummy = new FloatArray(1);
        FloatArray x = FloatArray.fromArray(in.x()), B = FloatArray.fromArray(in.B()), C = FloatArray.fromArray(in.C());
        int dtSize = SsdDims.chunkedDtSize(s), statesSize = SsdDims.chunkStatesSize(s);
        FloatArray dt = new FloatArray(dtSize), cum = new FloatArray(dtSize), w = new FloatArray(dtSize);
        FloatArray cb = new FloatArray(SsdDims.cbSize(s)), states = new FloatArray(statesSize), stateIn = new FloatArray(statesSize);
        FloatArray y = new FloatArray((int) s.xSize()), fin = new FloatArray((int) s.stateSize());
        for (FloatArray a : new FloatArray[] {dt, cum, w, cb, states, stateIn, y, fin}) a.init(Float.NaN);
        SsdKernels.chunkCumsum(FloatArray.fromArray(in.dt()), FloatArray.fromArray(in.A()),
                f.bias() ? FloatArray.fromArray(in.timeStep().bias()) : dummy, FloatArray.fromArray(SsdDims.dtLimits(in.timeStep())), dims,
                dt, cum, w, SsdDims.cumsumItems(s));
        SsdKernels.chunkCB(C, B, dims, cb, cb.getSize());
        int bch = SsdDims.cumsumItems(s);
        KernelContextEmulator.run(Grids.roundUp(s.dstate(), T), Grids.roundUp(s.headdim(), T), bch, T, T, 1,
                kc -> SsdTiledKernels.chunkStates(kc, x, B, w, dims, states, T));
        SsdKernels.statePassing(states, cum, f.init() ? FloatArray.fromArray(in.initialState()) : dummy, dims, stateIn, fin, 0, fin.getSize());
        FloatArray z = f.z() ? FloatArray.fromArray(in.z()) : dummy, D = FloatArray.fromArray(in.D());
        KernelContextEmulator.run(Grids.roundUp(s.headdim(), T), Grids.roundUp(s.chunkSize(), T), bch, T, T, 1,
                kc -> SsdTiledKernels.chunkOutput(kc, x, z, dt, cum, cb, C, stateIn, D, dims, y, T));
        SsdKernelsTest.assertClose(c.name() + " tiled y", y.toHeapArray(), c.y(), SsdKernelsTest.TOL);
        SsdKernelsTest.assertClose(c.name() + " tiled final_state", fin.toHeapArray(), c.finalState(), SsdKernelsTest.TOL);
    }
}
