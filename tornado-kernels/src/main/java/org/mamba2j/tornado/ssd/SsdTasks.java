package org.mamba2j.tornado.ssd;

import org.mamba2j.tornado.DeviceConfig.KernelKey;
import org.mamba2j.device.DeviceSpec;
import org.mamba2j.ssd.SsdShape;
import org.mamba2j.tornado.DeviceConfig;
import org.mamba2j.tornado.Grids;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

import java.util.function.IntUnaryOperator;

/**
 * The chunked SSD as tasks of a task graph, each step in the variant the device config picks: the
 * one place that wires them, for the standalone SSD plan ({@link SsdPlan}) and for the model's
 * prefill. The steps, as in the paper: chunk cumsum (with dt), C·Bᵀ per chunk, chunk states,
 * state passing, chunk output (intra-chunk and inter-chunk). Grid sizes follow the rows of an
 * execution through {@code chunks}: rows → the batch·chunk count they cover.
 */
public final class SsdTasks {

    /**
     * The SSD's device buffers in the layouts of {@link SsdDims}: inputs (x, dtRaw, A, dt bias, dt
     * limits, B, C, D, z, init), the size array, the intermediates and the outputs (y, final state).
     * {@code scores} is the scratch of the kernels that need one ({@link #scratchSize}): the loop output's
     * weighted scores, the tensor-core kernels' fp16 staging and edge tiles; absent optional inputs are
     * one-element placeholders, as the size array's flags say. init and fin are read and written from
     * element {@code stateAt} on (0 for arrays of their own; the prefill passes its packed states).
     */
    public record Buffers(FloatArray x, FloatArray dtRaw, FloatArray aNeg, FloatArray dtBias, FloatArray dtLimits,
                          FloatArray B, FloatArray C, FloatArray D, FloatArray z, FloatArray init, IntArray dims,
                          FloatArray dt, FloatArray cum, FloatArray wState, FloatArray cb, FloatArray states,
                          FloatArray stateIn, FloatArray scores, FloatArray y, FloatArray fin, int stateAt) {
    }

    private SsdTasks() {
    }

    /** Whether the tensor-core SSD kernels are the CUDA backend's ({@link SsdMmaCudaKernels}: native fp16 conversions) rather than {@link SsdMmaKernels}. */
    private static boolean cuda(DeviceSpec.Backend backend) {
        return backend == DeviceSpec.Backend.CUDA;
    }

    /** Whether the configured chunk output is the loop variant, which reads C·Bᵀ weighted into scores first. */
    public static boolean needsScores(DeviceConfig cfg) {
        DeviceConfig.Kernel k = cfg.kernel(KernelKey.CHUNK_OUTPUT);
        return !k.blocked() && !k.blocked8() && !k.blocked84() && !k.tiled() && !k.mma();
    }

    /**
     * Floats of the {@code scores} buffer at a shape: the loop output's scores, or the scratch of the
     * tensor-core kernels ({@link SsdMmaKernels#scratchSize}; they run one after the other and share it), else 1.
     */
    public static int scratchSize(DeviceConfig cfg, SsdShape s) {
        int n = needsScores(cfg) ? SsdDims.scoresSize(s) : 1;
        if (cfg.kernel(KernelKey.CHUNK_STATES).mma() || cfg.kernel(KernelKey.CHUNK_OUTPUT).mma()) {
            n = Math.max(n, SsdMmaKernels.scratchSize(SsdDims.cumsumItems(s), s.headdim(), s.dstate(), s.chunkSize()));
        }
        return n;
    }

    /**
     * Adds the SSD's tasks, named {@code prefix + step}, to {@code g}.
     *
     * @param s       the shape at the plan's capacity (heads, sizes, chunk size, batch)
     * @param backend the device's backend: the tensor-core kernels' conversions differ on the CUDA backend ({@link SsdMmaCudaKernels})
     * @param chunks  rows of an execution → the batch·chunk count it covers
     */
    public static void add(TaskGraph g, String prefix, SsdShape s, DeviceConfig cfg, DeviceSpec.Backend backend, KernelContext kc, Buffers b,
                           Grids grids, IntUnaryOperator chunks) {
        int H = s.nheads(), P = s.headdim(), N = s.dstate(), G = s.ngroups();
        IntUnaryOperator heads = r -> chunks.applyAsInt(r) * H, groups = r -> chunks.applyAsInt(r) * G;
        chunkCumsum(g, prefix, cfg, kc, b, grids, heads);
        chunkCB(g, prefix, cfg, kc, b, grids, s, groups);
        if (passesInChunkStates(cfg, s)) {
            chunkStatesPassing(g, prefix, cfg, backend, kc, b, grids, s, s.batch() * H);
        } else {
            chunkStates(g, prefix, cfg, backend, kc, b, grids, s, heads);
            String sp = prefix + "statePassing";
            g.task(sp, SsdKernels::statePassing, b.states(), b.cum(), b.init(), b.dims(), b.stateIn(), b.fin(), b.stateAt(),
                    grids.loop(g, sp, cfg.kernel(KernelKey.STATE_PASSING).local(), r -> s.batch() * H * P * N));
        }
        chunkOutput(g, prefix, cfg, backend, kc, b, grids, s, heads);
    }

    /**
     * Whether the chunk states carry the state passing at this shape: the config's "fused" state passing where the grid of
     * a work-group per (batch, head) and 64 × 64 tile of the state has at least its "minGroups" work-groups.
     */
    public static boolean passesInChunkStates(DeviceConfig cfg, SsdShape s) {
        DeviceConfig.Kernel k = cfg.kernel(KernelKey.STATE_PASSING);
        int tiles = Grids.tileEdge(s.headdim(), DeviceConfig.BLOCKED_TILE, 1) * Grids.tileEdge(s.dstate(), DeviceConfig.BLOCKED_TILE, 1);
        return k.fused() && (long) s.batch() * s.nheads() * tiles >= k.minGroups();
    }

    /** Floats of the chunk states' buffer at a shape: none (1) where the chunk states carry the state passing and never store them. */
    public static int chunkStatesSize(DeviceConfig cfg, SsdShape s) {
        return passesInChunkStates(cfg, s) ? 1 : SsdDims.chunkStatesSize(s);
    }

    /** dt (bias, softplus, limits) and its cumulative decay per chunk: (batch·chunks·heads) items. */
    private static void chunkCumsum(TaskGraph g, String p, DeviceConfig cfg, KernelContext kc, Buffers b, Grids grids,
                                    IntUnaryOperator heads) {
        String t = p + "cumsum";
        DeviceConfig.Kernel k = cfg.kernel(KernelKey.CUMSUM);
        if (k.scan()) {
            g.task(t, SsdKernels::chunkCumsumScan, kc, b.dtRaw(), b.aNeg(), b.dtBias(), b.dtLimits(), b.dims(), b.dt(), b.cum(), b.wState());
            grids.groups(g, t, k.local(), heads);
        } else {
            g.task(t, SsdKernels::chunkCumsum, b.dtRaw(), b.aNeg(), b.dtBias(), b.dtLimits(), b.dims(), b.dt(), b.cum(), b.wState(),
                    grids.loop(g, t, k.local(), heads));
        }
    }

    /** C·Bᵀ within each chunk: a Q × Q matrix per (batch, chunk, group). */
    private static void chunkCB(TaskGraph g, String p, DeviceConfig cfg, KernelContext kc, Buffers b, Grids grids, SsdShape s,
                                IntUnaryOperator groups) {
        int G = s.ngroups(), N = s.dstate(), Q = s.chunkSize();
        String t = p + "chunkCB";
        DeviceConfig.Kernel k = cfg.kernel(KernelKey.CHUNK_CB);
        if (k.blocked8()) {
            g.task(t, SsdBlocked8Kernels::chunkCBBlocked8, kc, b.C(), b.B(), b.dims(), G, N, Q, b.cb());
            grids.tiles(g, t, Q, Q, SsdBlocked8Kernels.TILE, SsdBlocked8Kernels.THREADS, groups);
        } else if (k.blocked()) {
            g.task(t, SsdBlockedKernels::chunkCBBlocked, kc, b.C(), b.B(), b.dims(), G, N, Q, b.cb());
            grids.tiles(g, t, Q, Q, SsdBlockedKernels.TILE, SsdBlockedKernels.THREADS, groups);
        } else {
            g.task(t, SsdKernels::chunkCB, b.C(), b.B(), b.dims(), b.cb(), grids.loop(g, t, k.local(), r -> groups.applyAsInt(r) * Q * Q));
        }
    }

    /** Each chunk's state from its own inputs (Bᵀ·x decayed to the chunk's end): a P × N matrix per (batch, chunk, head). */
    private static void chunkStates(TaskGraph g, String p, DeviceConfig cfg, DeviceSpec.Backend backend, KernelContext kc, Buffers b, Grids grids, SsdShape s,
                                    IntUnaryOperator heads) {
        int H = s.nheads(), P = s.headdim(), G = s.ngroups(), N = s.dstate(), Q = s.chunkSize();
        String t = p + "chunkStates";
        DeviceConfig.Kernel k = cfg.kernel(KernelKey.CHUNK_STATES);
        if (k.mma()) {
            g.task(t, cuda(backend) ? SsdMmaCudaKernels::chunkStatesMma : SsdMmaKernels::chunkStatesMma, kc, b.x(), b.B(), b.wState(), b.dims(),
                    H, P, G, N, Q, b.scores(), b.states());
            grids.warpTiles(g, t, N, P, SsdMmaKernels.TILE, SsdMmaKernels.LOCAL, heads);
        } else if (k.blocked84()) {
            g.task(t, SsdBlocked84Kernels::chunkStatesBlocked84, kc, b.x(), b.B(), b.wState(), b.dims(), H, P, G, N, Q, b.states());
            grids.tiles(g, t, N, P, SsdBlocked84Kernels.TILE, SsdBlocked84Kernels.THREADS_X, SsdBlocked84Kernels.THREADS_Y, heads);
        } else if (k.blocked8()) {
            g.task(t, SsdBlocked8Kernels::chunkStatesBlocked8, kc, b.x(), b.B(), b.wState(), b.dims(), H, P, G, N, Q, b.states());
            grids.tiles(g, t, N, P, SsdBlocked8Kernels.TILE, SsdBlocked8Kernels.THREADS, heads);
        } else if (k.blocked()) {
            g.task(t, SsdBlockedKernels::chunkStatesBlocked, kc, b.x(), b.B(), b.wState(), b.dims(), H, P, G, N, Q, b.states());
            grids.tiles(g, t, N, P, SsdBlockedKernels.TILE, SsdBlockedKernels.THREADS, heads);
        } else if (k.tiled()) {
            int T = k.tile();
            g.task(t, SsdTiledKernels::chunkStates, kc, b.x(), b.B(), b.wState(), b.dims(), b.states(), T);
            grids.tiles(g, t, N, P, T, T, heads);
        } else {
            g.task(t, SsdKernels::chunkStates, b.x(), b.B(), b.wState(), b.dims(), b.states(),
                    grids.loop(g, t, k.local(), r -> heads.applyAsInt(r) * P * N));
        }
    }

    /**
     * The chunk states with the state passing in them: a work-group per (batch, head) and tile walks the chunks in order,
     * storing the state entering each chunk and the final state ({@code bh} = batch·heads of them, whatever the rows).
     */
    private static void chunkStatesPassing(TaskGraph g, String p, DeviceConfig cfg, DeviceSpec.Backend backend, KernelContext kc, Buffers b,
                                           Grids grids, SsdShape s, int bh) {
        int H = s.nheads(), P = s.headdim(), G = s.ngroups(), N = s.dstate(), Q = s.chunkSize();
        String t = p + "chunkStates";
        if (cfg.kernel(KernelKey.CHUNK_STATES).mma()) {
            g.task(t, cuda(backend) ? SsdMmaCudaKernels::chunkStatesPassingMma : SsdMmaKernels::chunkStatesPassingMma, kc, b.x(), b.B(), b.wState(),
                    b.cum(), b.init(), b.dims(), H, P, G, N, Q, b.scores(), b.stateIn(), b.fin(), b.stateAt());
            grids.warpTiles(g, t, N, P, SsdMmaKernels.TILE, SsdMmaKernels.LOCAL, r -> bh);
        } else if (cfg.kernel(KernelKey.CHUNK_STATES).blocked84()) {
            g.task(t, SsdBlocked84Kernels::chunkStatesPassingBlocked84, kc, b.x(), b.B(), b.wState(), b.cum(), b.init(), b.dims(), H, P, G, N,
                    Q, b.stateIn(), b.fin(), b.stateAt());
            grids.tiles(g, t, N, P, SsdBlocked84Kernels.TILE, SsdBlocked84Kernels.THREADS_X, SsdBlocked84Kernels.THREADS_Y, r -> bh);
        } else {
            g.task(t, SsdBlockedKernels::chunkStatesPassingBlocked, kc, b.x(), b.B(), b.wState(), b.cum(), b.init(), b.dims(), H, P, G, N, Q,
                    b.stateIn(), b.fin(), b.stateAt());
            grids.tiles(g, t, N, P, SsdBlockedKernels.TILE, SsdBlockedKernels.THREADS, r -> bh);
        }
    }

    /** y: the intra-chunk output (C·Bᵀ masked and decayed, times x) plus the inter-chunk output (C times the state passed in), D·x and the gate. */
    private static void chunkOutput(TaskGraph g, String p, DeviceConfig cfg, DeviceSpec.Backend backend, KernelContext kc, Buffers b, Grids grids, SsdShape s,
                                    IntUnaryOperator heads) {
        int H = s.nheads(), P = s.headdim(), G = s.ngroups(), N = s.dstate(), Q = s.chunkSize();
        String t = p + "chunkOutput";
        DeviceConfig.Kernel k = cfg.kernel(KernelKey.CHUNK_OUTPUT);
        if (k.mma()) {
            g.task(t, cuda(backend) ? SsdMmaCudaKernels::chunkOutputMma : SsdMmaKernels::chunkOutputMma, kc, b.x(), b.z(), b.dt(), b.cum(), b.cb(),
                    b.C(), b.stateIn(), b.D(), b.dims(), H, P, G, N, Q, b.scores(), b.y());
            grids.warpTiles(g, t, Q, P, SsdMmaKernels.TILE, SsdMmaKernels.LOCAL, heads); // yᵀ: columns l, rows p
        } else if (k.blocked8()) {
            g.task(t, SsdBlocked8Kernels::chunkOutputBlocked8, kc, b.x(), b.z(), b.dt(), b.cum(), b.cb(), b.C(), b.stateIn(), b.D(), b.dims(), H, P,
                    G, N, Q, b.y());
            grids.tiles(g, t, P, Q, SsdBlocked8Kernels.TILE, SsdBlocked8Kernels.THREADS, heads);
        } else if (k.blocked84()) {
            g.task(t, SsdBlocked84Kernels::chunkOutputBlocked84, kc, b.x(), b.z(), b.dt(), b.cum(), b.cb(), b.C(), b.stateIn(), b.D(), b.dims(), H, P,
                    G, N, Q, b.y());
            grids.tiles(g, t, P, Q, SsdBlocked84Kernels.TILE, SsdBlocked84Kernels.THREADS_X, SsdBlocked84Kernels.THREADS_Y, heads);
        } else if (k.blocked()) {
            g.task(t, SsdBlockedKernels::chunkOutputBlocked, kc, b.x(), b.z(), b.dt(), b.cum(), b.cb(), b.C(), b.stateIn(), b.D(), b.dims(), H, P,
                    G, N, Q, b.y());
            grids.tiles(g, t, P, Q, SsdBlockedKernels.TILE, SsdBlockedKernels.THREADS, heads);
        } else if (k.tiled()) {
            int T = k.tile();
            g.task(t, SsdTiledKernels::chunkOutput, kc, b.x(), b.z(), b.dt(), b.cum(), b.cb(), b.C(), b.stateIn(), b.D(), b.dims(), b.y(), T);
            grids.tiles(g, t, P, Q, T, T, heads);
        } else {
            // the loop variant first weights C·Bᵀ once per (l, r) (one exp each) instead of once per headdim column
            String scores = p + "chunkScores";
            g.task(scores, SsdKernels::chunkScores, b.cb(), b.dt(), b.cum(), b.dims(), b.scores(),
                    grids.loop(g, scores, cfg.kernel(KernelKey.CHUNK_SCORES).local(), r -> heads.applyAsInt(r) * Q * Q));
            g.task(t, SsdKernels::chunkOutput, b.x(), b.z(), b.cum(), b.scores(), b.C(), b.stateIn(), b.D(), b.dims(), b.y(),
                    grids.loop(g, t, k.local(), r -> heads.applyAsInt(r) * Q * P));
        }
    }
}
