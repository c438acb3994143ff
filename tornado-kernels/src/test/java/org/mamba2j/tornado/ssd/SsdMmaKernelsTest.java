package org.mamba2j.tornado.ssd;

import org.mamba2j.tornado.DeviceConfig.KernelKey;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.mamba2j.device.DeviceSpec;
import org.mamba2j.device.Precision;
import org.mamba2j.ssd.CheckCases;
import org.mamba2j.ssd.SsdReference;
import org.mamba2j.ssd.SsdShape;
import org.mamba2j.tornado.DeviceConfig;
import org.mamba2j.tornado.Grids;
import org.mamba2j.tornado.KernelContextEmulator;
import org.mamba2j.tornado.mma.MmaTiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tensor-core chunk states and chunk output ({@link SsdMmaKernels} and {@link SsdMmaCudaKernels}, variant "mma",
 * precision fast) through the emulator's m16n8k16 stand-in and its local fp16 tiles (NaN until written), in the pipeline
 * of a fast section that names them (scan cumsum, blocked8 C·Bᵀ, loop state passing), against the float64 references:
 * golden cases and random shapes (ragged P, N, Q and last chunks, G > 1, batch > 1, z and initial states, strong decay)
 * and the wide ones (several ragged 64-wide tiles each way). Intermediates, the scratch and the outputs are poisoned
 * with NaN first, so an element that should be written and is not fails. fp16 operands (11-bit significands) with fp32
 * accumulation land near 1e-3 relative error; the errors are printed per case after the run.
 */
class SsdMmaKernelsTest {

    /** Relative error (‖out − ref‖ / ‖ref‖) allowed for y and the final state at precision fast. */
    static final double FAST_TOL = 2e-3;

    private static final Map<String, String> ERRORS = new TreeMap<>();

    static List<CheckCases.Case> cases() throws IOException {
        List<CheckCases.Case> cs = new ArrayList<>(SsdKernelsTest.golden().toList());
        cs.removeIf(c -> c.name().startsWith("mamba2_like")); // slow with a thread per work item; the device check covers it
        cs.addAll(CheckCases.random(12, 4242));
        cs.addAll(CheckCases.wide());
        return cs;
    }

    @AfterAll
    static void printErrors() {
        System.out.println("SsdMmaKernelsTest relative errors (tolerance " + FAST_TOL + "):");
        ERRORS.forEach((k, v) -> System.out.println("  " + k + " " + v));
    }

    /**
     * The launch shape DeviceConfig validates for "mma" is the one the kernels are written for, and a fast section that
     * names them runs them (nvidia.json's leaves them out: slower than the exact ones on the H200).
     */
    @Test
    void configMatchesTheKernels(@TempDir Path dir) throws IOException {
        assertEquals(DeviceConfig.MMA_TILE, SsdMmaKernels.TILE);
        assertEquals(DeviceConfig.MMA_LOCAL, SsdMmaKernels.LOCAL);
        assertEquals(DeviceConfig.MMA_TILE, SsdMmaCudaKernels.TILE);
        assertEquals(DeviceConfig.MMA_LOCAL, SsdMmaCudaKernels.LOCAL);
        assertEquals(SsdMmaKernels.scratchSize(10240, 64, 128, 128), SsdMmaCudaKernels.scratchSize(10240, 64, 128, 128));
        Path withSsd = nvidiaWithSsd(dir);
        DeviceConfig fast = DeviceConfig.load(withSsd).at(Precision.FAST, DeviceSpec.Backend.PTX);
        assertTrue(fast.kernel(KernelKey.CHUNK_STATES).mma());
        assertTrue(fast.kernel(KernelKey.CHUNK_OUTPUT).mma());
        assertTrue(!SsdTasks.needsScores(fast));
        SsdShape s = new SsdShape(8, 2048, 80, 64, 1, 128, 128);
        // one 64 × 64 float tile per work group of the larger grid: (8·16·80) · 1 · 2 groups
        assertEquals(8 * 16 * 80 * 2 * 64 * 64, SsdTasks.scratchSize(fast, s));
    }

    /**
     * The kernels' local arrays are whole 16-byte units (the ldmatrix row), so the compiler's placement of them, in any
     * order, keeps every tile row aligned: a HalfFloat[] tile is declared only 2-byte aligned.
     */
    @Test
    void localArraysAreWholeSixteenByteUnits() {
        int[] bytes = {MmaTiles.aInts(4, 2) * 4, MmaTiles.bInts(2, 8) * 4, MmaTiles.bHalves(2, 8) * 2, SsdMmaKernels.TILE * 4,
                SsdMmaKernels.TILE * SsdMmaKernels.T_STRIDE * 4, SsdMmaCudaKernels.TILE * SsdMmaCudaKernels.T_STRIDE * 4};
        for (int b : bytes) assertEquals(0, b % 16, b + " bytes");
    }

    /** Cases of the fused state passing: the random and wide ones (several chunks each, ragged tiles and last chunks). */
    static Stream<Arguments> fusedCasesAndKernels() throws IOException {
        return cases().stream().filter(c -> c.name().startsWith("random") || c.name().startsWith("wide")).flatMap(c -> Stream.of(Kernels.values()).map(k -> Arguments.of(c, k)));
    }

    /**
     * The chunk states with the state passing in them ({@code chunkStatesPassingMma}: a work group per (batch, head) and
     * tile walking the chunks), then the chunk output, against the float64 references.
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("fusedCasesAndKernels")
    void fusedStatePassingMatchesReference(CheckCases.Case c, Kernels kernels) {
        runAndCheck(c, kernels, true);
    }

    static final Path NVIDIA = Path.of("../device-configs/nvidia.json");

    /**
     * nvidia.json with "mma" chunkStates and chunkOutput in the fast section's kernels beside its gemm (and the loop state
     * passing: the kernels apart), written into dir.
     */
    static Path nvidiaWithSsd(Path dir) throws IOException {
        String nvidia = Files.readString(NVIDIA), entry = "{ \"variant\": \"mma\", \"tile\": 64, \"local\": 128 }";
        String withSsd = nvidia.replaceFirst("(\"gemm\": *\\{ \"variant\": \"mma\"[^}]*})", "$1, \"chunkStates\": " + entry + ", \"chunkOutput\": " + entry
                + ", \"statePassing\": { \"variant\": \"loop\", \"local\": 256 }");
        assertNotEquals(nvidia, withSsd);
        Path f = dir.resolve("nvidia-ssd-mma.json");
        Files.writeString(f, withSsd);
        return f;
    }

    /** The two renderings of the tensor-core SSD: computed operands made fp16 by float arithmetic (PTX), or natively (CUDA backend). */
    enum Kernels { FLOAT_ARITHMETIC, CUDA_NATIVE }

    static Stream<Arguments> casesAndKernels() throws IOException {
        return cases().stream().flatMap(c -> Stream.of(Kernels.values()).map(k -> Arguments.of(c, k)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("casesAndKernels")
    void mmaPipelineMatchesReference(CheckCases.Case c, Kernels kernels) {
        runAndCheck(c, kernels, false);
    }

    /**
     * The pipeline of a fast section that names the tensor-core kernels (scan cumsum, blocked8 C·Bᵀ, the chunk states and
     * the loop state passing apart, or the chunk states carrying it where {@code fused}, the chunk output) through the
     * emulator, then y and the final state against the float64 references.
     */
    private static void runAndCheck(CheckCases.Case c, Kernels kernels, boolean fused) {
        SsdShape s = c.shape();
        int bch = SsdDims.cumsumItems(s);
        int H = s.nheads(), P = s.headdim(), G = s.ngroups(), N = s.dstate(), Q = s.chunkSize();
        SsdTasks.Buffers b = KernelPipeline.buffers(s, c.inputs(), SsdMmaKernels.scratchSize(bch, P, N, Q), true);
        KernelContextEmulator.run(bch * 32, 1, 1, 32, 1, 1, kc -> SsdKernels.chunkCumsumScan(kc, b.dtRaw(), b.aNeg(), b.dtBias(), b.dtLimits(),
                b.dims(), b.dt(), b.cum(), b.wState()));
        int t8 = SsdBlocked8Kernels.THREADS;
        int qEdge = Grids.tileEdge(Q, SsdBlocked8Kernels.TILE, t8);
        KernelContextEmulator.run(qEdge, qEdge, s.batch() * s.nchunks() * G, t8, t8, 1,
                kc -> SsdBlocked8Kernels.chunkCBBlocked8(kc, b.C(), b.B(), b.dims(), G, N, Q, b.cb()));
        int local = SsdMmaKernels.LOCAL, tile = SsdMmaKernels.TILE;
        boolean cuda = kernels == Kernels.CUDA_NATIVE;
        if (fused) {
            KernelContextEmulator.run(Grids.tileEdge(N, tile, local), Grids.tileEdge(P, tile, 1), s.batch() * H, local, 1, 1, kc -> {
                if (cuda) {
                    SsdMmaCudaKernels.chunkStatesPassingMma(kc, b.x(), b.B(), b.wState(), b.cum(), b.init(), b.dims(), H, P, G, N, Q, b.scores(),
                            b.stateIn(), b.fin(), b.stateAt());
                } else {
                    SsdMmaKernels.chunkStatesPassingMma(kc, b.x(), b.B(), b.wState(), b.cum(), b.init(), b.dims(), H, P, G, N, Q, b.scores(),
                            b.stateIn(), b.fin(), b.stateAt());
                }
            });
        } else {
            KernelContextEmulator.run(Grids.tileEdge(N, tile, local), Grids.tileEdge(P, tile, 1), bch, local, 1, 1, kc -> {
                if (cuda) {
                    SsdMmaCudaKernels.chunkStatesMma(kc, b.x(), b.B(), b.wState(), b.dims(), H, P, G, N, Q, b.scores(), b.states());
                } else {
                    SsdMmaKernels.chunkStatesMma(kc, b.x(), b.B(), b.wState(), b.dims(), H, P, G, N, Q, b.scores(), b.states());
                }
            });
            SsdKernels.statePassing(b.states(), b.cum(), b.init(), b.dims(), b.stateIn(), b.fin(), b.stateAt(), b.fin().getSize());
        }
        // the output tile is yᵀ: columns l (the chunk), rows p
        KernelContextEmulator.run(Grids.tileEdge(Q, tile, local), Grids.tileEdge(P, tile, 1), bch, local, 1, 1, kc -> {
            if (cuda) {
                SsdMmaCudaKernels.chunkOutputMma(kc, b.x(), b.z(), b.dt(), b.cum(), b.cb(), b.C(), b.stateIn(), b.D(), b.dims(), H, P, G, N, Q,
                        b.scores(), b.y());
            } else {
                SsdMmaKernels.chunkOutputMma(kc, b.x(), b.z(), b.dt(), b.cum(), b.cb(), b.C(), b.stateIn(), b.D(), b.dims(), H, P, G, N, Q,
                        b.scores(), b.y());
            }
        });
        String name = c.name() + " " + kernels + (fused ? " fused" : "");
        double ey = SsdReference.relativeError(b.y().toHeapArray(), c.y());
        double es = SsdReference.relativeError(b.fin().toHeapArray(), c.finalState());
        synchronized (ERRORS) {
            ERRORS.put(name, String.format(Locale.ROOT, "y %.2e  final_state %.2e", ey, es));
        }
        SsdKernelsTest.assertClose(name + " y", b.y().toHeapArray(), c.y(), FAST_TOL);
        SsdKernelsTest.assertClose(name + " final_state", b.fin().toHeapArray(), c.finalState(), FAST_TOL);
    }
}
