package org.mamba2j.tornado.ssd;

import org.mamba2j.tornado.Grids;

import org.mamba2j.ssd.CheckCases;
import org.mamba2j.tornado.DeviceConfig;
import org.mamba2j.tornado.KernelContextEmulator;

import org.mamba2j.ssd.SsdShape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntUnaryOperator;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The register-blocked (KernelContext) kernels of the three variants, "blocked" ({@link SsdBlockedKernels},
 * 4×4 per work item), "blocked8" ({@link SsdBlocked8Kernels}, 8×8) and "blocked84" ({@link SsdBlocked84Kernels}, 8×4
 * chunk states and output beside the "blocked" C·Bᵀ), on the JVM through
 * {@link KernelContextEmulator}, in the pipeline of {@link SsdPlan}, against the float64 references:
 * golden cases and random shapes (ragged ones included: P, N, Q and the last chunk not multiples of
 * the 64-wide tile, G > 1, batch > 1). Intermediates and outputs are poisoned with NaN first, so an
 * unwritten element fails. "blocked" and "blocked84" take the loop cumsum, "blocked8" the scan ({@link SsdKernels#chunkCumsumScan}).
 * "blocked+fused" and "blocked84+fused" run those chunk states with the state passing in them
 * ({@code chunkStatesPassingBlocked}, {@code chunkStatesPassingBlocked84}) in place of the chunk states and the state passing.
 */
class SsdBlockedKernelsTest {

    static Stream<Arguments> cases() throws IOException {
        List<CheckCases.Case> cs = new ArrayList<>(SsdKernelsTest.golden().toList());
        cs.removeIf(c -> c.name().startsWith("mamba2_like")); // slow with a thread per work item; PoCL covers it
        cs.addAll(CheckCases.random(12, 4242));
        cs.addAll(CheckCases.wide()); // several ragged 64-wide tiles each way
        return Stream.of("blocked", "blocked8", "blocked84", "blocked+fused", "blocked84+fused").flatMap(v -> cs.stream().map(c -> Arguments.of(v, c)));
    }

    /** The launch shapes DeviceConfig validates are the ones the kernels are written for. */
    @Test
    void configSizesMatchTheKernels() {
        assertEquals(DeviceConfig.BLOCKED_TILE, SsdBlockedKernels.TILE);
        assertEquals(DeviceConfig.BLOCKED_TILE, SsdBlocked8Kernels.TILE);
        assertEquals(DeviceConfig.BLOCKED_LOCAL, SsdBlockedKernels.THREADS * SsdBlockedKernels.THREADS);
        assertEquals(DeviceConfig.BLOCKED8_LOCAL, SsdBlocked8Kernels.THREADS * SsdBlocked8Kernels.THREADS);
        assertEquals(DeviceConfig.BLOCKED_TILE, SsdBlocked84Kernels.TILE);
        assertEquals(DeviceConfig.BLOCKED84_LOCAL, SsdBlocked84Kernels.THREADS_X * SsdBlocked84Kernels.THREADS_Y);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void blockedPipelineMatchesReference(String name, CheckCases.Case c) {
        boolean fused = name.endsWith("+fused");
        String variant = fused ? name.substring(0, name.indexOf('+')) : name;
        SsdShape s = c.shape();
        SsdTasks.Buffers bu = KernelPipeline.buffers(s, c.inputs(), 1, true);
        FloatArray x = bu.x(), B = bu.B(), C = bu.C(), D = bu.D(), z = bu.z(), dt = bu.dt(), cum = bu.cum(), w = bu.wState();
        FloatArray cb = bu.cb(), states = bu.states(), stateIn = bu.stateIn(), y = bu.y(), fin = bu.fin();
        IntArray dims = bu.dims();
        int H = s.nheads(), P = s.headdim(), G = s.ngroups(), N = s.dstate(), Q = s.chunkSize();
        int bch = SsdDims.cumsumItems(s);
        boolean b8 = variant.equals("blocked8");
        if (b8) { // as nvidia.json pairs them: the cumsum's scan, in groups of 32 (chunks above 32 in segments)
            KernelContextEmulator.run(bch * 32, 1, 1, 32, 1, 1,
                    kc -> SsdKernels.chunkCumsumScan(kc, bu.dtRaw(), bu.aNeg(), bu.dtBias(), bu.dtLimits(), dims, dt, cum, w));
        } else {
            KernelPipeline.cumsum(bu, s);
        }
        int t = b8 ? SsdBlocked8Kernels.THREADS : SsdBlockedKernels.THREADS;
        IntUnaryOperator global = n -> Grids.tileEdge(n, b8 ? SsdBlocked8Kernels.TILE : SsdBlockedKernels.TILE, t);
        KernelContextEmulator.run(global.applyAsInt(s.chunkSize()), global.applyAsInt(s.chunkSize()), s.batch() * s.nchunks() * s.ngroups(),
                t, t, 1, kc -> {
                    if (b8) SsdBlocked8Kernels.chunkCBBlocked8(kc, C, B, dims, G, N, Q, cb);
                    else SsdBlockedKernels.chunkCBBlocked(kc, C, B, dims, G, N, Q, cb);
                });
        // every element, zeros above the diagonal and past the sequence included, as the loop kernel writes them
        FloatArray cbLoop = new FloatArray(cb.getSize());
        SsdKernels.chunkCB(C, B, dims, cbLoop, cbLoop.getSize());
        for (int i = 0; i < cb.getSize(); i++) {
            if (!(Math.abs(cb.get(i) - cbLoop.get(i)) <= 1e-5f * (1 + Math.abs(cbLoop.get(i))))) {
                throw new AssertionError(c.name() + " " + variant + " chunkCB differs at " + i + ": " + cb.get(i) + " vs " + cbLoop.get(i));
            }
        }
        IntUnaryOperator rows84 = n -> Grids.tileEdge(n, SsdBlocked84Kernels.TILE, SsdBlocked84Kernels.THREADS_Y);
        int tx84 = SsdBlocked84Kernels.THREADS_X, ty84 = SsdBlocked84Kernels.THREADS_Y;
        if (fused && variant.equals("blocked84")) {
            KernelContextEmulator.run(global.applyAsInt(s.dstate()), rows84.applyAsInt(s.headdim()), s.batch() * s.nheads(), tx84, ty84, 1,
                    kc -> SsdBlocked84Kernels.chunkStatesPassingBlocked84(kc, x, B, w, cum, bu.init(), dims, H, P, G, N, Q, stateIn, fin, 0));
        } else if (fused) {
            KernelContextEmulator.run(global.applyAsInt(s.dstate()), global.applyAsInt(s.headdim()), s.batch() * s.nheads(), t, t, 1,
                    kc -> SsdBlockedKernels.chunkStatesPassingBlocked(kc, x, B, w, cum, bu.init(), dims, H, P, G, N, Q, stateIn, fin, 0));
        } else if (variant.equals("blocked84")) {
            KernelContextEmulator.run(global.applyAsInt(s.dstate()), rows84.applyAsInt(s.headdim()), bch, tx84, ty84, 1,
                    kc -> SsdBlocked84Kernels.chunkStatesBlocked84(kc, x, B, w, dims, H, P, G, N, Q, states));
        } else {
            KernelContextEmulator.run(global.applyAsInt(s.dstate()), global.applyAsInt(s.headdim()), bch, t, t, 1, kc -> {
                if (b8) SsdBlocked8Kernels.chunkStatesBlocked8(kc, x, B, w, dims, H, P, G, N, Q, states);
                else SsdBlockedKernels.chunkStatesBlocked(kc, x, B, w, dims, H, P, G, N, Q, states);
            });
        }
        if (!fused) SsdKernels.statePassing(states, cum, bu.init(), dims, stateIn, fin, 0, fin.getSize());
        if (variant.equals("blocked84")) {
            KernelContextEmulator.run(global.applyAsInt(s.headdim()), rows84.applyAsInt(s.chunkSize()), bch, tx84, ty84, 1,
                    kc -> SsdBlocked84Kernels.chunkOutputBlocked84(kc, x, z, dt, cum, cb, C, stateIn, D, dims, H, P, G, N, Q, y));
        } else {
            KernelContextEmulator.run(global.applyAsInt(s.headdim()), global.applyAsInt(s.chunkSize()), bch, t, t, 1, kc -> {
                if (b8) SsdBlocked8Kernels.chunkOutputBlocked8(kc, x, z, dt, cum, cb, C, stateIn, D, dims, H, P, G, N, Q, y);
                else SsdBlockedKernels.chunkOutputBlocked(kc, x, z, dt, cum, cb, C, stateIn, D, dims, H, P, G, N, Q, y);
            });
        }
        SsdKernelsTest.assertClose(c.name() + " " + name + " y", y.toHeapArray(), c.y(), SsdKernelsTest.TOL);
        SsdKernelsTest.assertClose(c.name() + " " + name + " final_state", fin.toHeapArray(), c.finalState(), SsdKernelsTest.TOL);
    }
}
