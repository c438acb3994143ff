package org.mamba2j.tornado.ssd;

import org.mamba2j.tornado.TornadoDevices;

import org.mamba2j.tornado.DeviceConfig;

import org.mamba2j.ssd.SsdInputs;
import org.mamba2j.ssd.SsdShape;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.ImmutableTaskGraph;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.TornadoExecutionResult;
import uk.ac.manchester.tornado.api.WorkerGrid;
import uk.ac.manchester.tornado.api.WorkerGrid1D;
import uk.ac.manchester.tornado.api.WorkerGrid3D;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.enums.ProfilerMode;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The chunked SSD forward for one shape and one set of optional inputs, as one TornadoVM task
 * graph built and compiled once and executed per call. A task graph is bound to the arrays it was
 * built with, so the plan owns off-heap staging arrays ({@link FloatArray}): each call copies its
 * inputs in and the outputs out, one bulk copy per tensor. Inputs (including A, D and the dt bias: several layers share a shape and a plan)
 * go to the device on every execution; the intermediates (dt, cumsums, C·Bᵀ, chunk states) stay
 * on the device; y and the final state come back on every execution.
 */
public final class SsdPlan implements AutoCloseable {

    private static final AtomicInteger IDS = new AtomicInteger();

    /** System property: print the generated kernels and their thread grids (debugging). */
    public static final String PRINT_KERNELS = "mamba2.tornado.printKernels";

    /** System property: have TornadoVM time every kernel (read back as {@link #lastKernelNanos()}). */
    public static final String PROFILE = "mamba2.tornado.profile";

    final SsdShape shape;
    final SsdDims.Flags flags;
    final String graphName;
    private final StagedInputs in;
    private final FloatArray y, finalState;
    private final TornadoExecutionPlan plan;
    /** Whether the loop kernels get worker grids on this backend ({@link DeviceSpec.Backend#loopGrids}). */
    private final boolean loopGrids;
    private TornadoExecutionResult last;

    public SsdPlan(SsdShape s, SsdDims.Flags f, TornadoDevice device, DeviceConfig cfg) {
        this.shape = s;
        this.flags = f;
        this.graphName = "ssd" + IDS.incrementAndGet();
        this.loopGrids = TornadoDevices.loopGrids(TornadoDevices.backend(device));
        int xs = Math.toIntExact(s.xSize()), ss = Math.toIntExact(s.stateSize());
        in = new StagedInputs(s, f);
        y = new FloatArray(xs);
        finalState = new FloatArray(ss);
        IntArray dims = IntArray.fromArray(SsdDims.of(s, f));
        int dtSize = SsdDims.chunkedDtSize(s), statesSize = SsdDims.chunkStatesSize(s);
        FloatArray dt = new FloatArray(dtSize), cum = new FloatArray(dtSize), wState = new FloatArray(dtSize);
        FloatArray cb = new FloatArray(SsdDims.cbSize(s));
        FloatArray states = new FloatArray(statesSize), stateIn = new FloatArray(statesSize);

        GridScheduler grid = new GridScheduler();
        KernelContext kc = new KernelContext();
        TaskGraph g = new TaskGraph(graphName)
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, dims, dt, cum, wState, cb, states, stateIn)
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, in.x, in.dtRaw, in.A, in.bias, in.dtLimits, in.B, in.C, in.D, in.z, in.init);
        int nCum = SsdDims.cumsumItems(s);
        DeviceConfig.Kernel kcs = cfg.kernel("cumsum");
        if (kcs.scan()) {
            g.task("cumsum", SsdKernels::chunkCumsumScan, kc, in.dtRaw, in.A, in.bias, in.dtLimits, dims, dt, cum, wState);
            groupGrid(grid, "cumsum", nCum, kcs.local());
        } else {
            g.task("cumsum", SsdKernels::chunkCumsum, in.dtRaw, in.A, in.bias, in.dtLimits, dims, dt, cum, wState, loopGrid(grid, "cumsum", nCum, cfg));
        }
        DeviceConfig.Kernel kcb = cfg.kernel("chunkCB");
        int nCB = s.batch() * s.nchunks() * s.ngroups();
        if (kcb.blocked8()) {
            g.task("chunkCB", SsdBlocked8Kernels::chunkCBBlocked8, kc, in.C, in.B, dims, cb);
            blocked8Grid(grid, "chunkCB", s.chunkSize(), s.chunkSize(), nCB);
        } else if (kcb.blocked()) {
            g.task("chunkCB", SsdBlockedKernels::chunkCBBlocked, kc, in.C, in.B, dims, cb);
            blockedGrid(grid, "chunkCB", s.chunkSize(), s.chunkSize(), nCB);
        } else {
            g.task("chunkCB", SsdKernels::chunkCB, in.C, in.B, dims, cb, loopGrid(grid, "chunkCB", cb.getSize(), cfg));
        }
        DeviceConfig.Kernel ks = cfg.kernel("chunkStates");
        if (ks.blocked8()) {
            g.task("chunkStates", SsdBlocked8Kernels::chunkStatesBlocked8, kc, in.x, in.B, wState, dims, states);
            blocked8Grid(grid, "chunkStates", s.dstate(), s.headdim(), nCum);
        } else if (ks.blocked()) {
            g.task("chunkStates", SsdBlockedKernels::chunkStatesBlocked, kc, in.x, in.B, wState, dims, states);
            blockedGrid(grid, "chunkStates", s.dstate(), s.headdim(), nCum);
        } else if (ks.tiled()) {
            int T = ks.tile();
            g.task("chunkStates", SsdTiledKernels::chunkStates, kc, in.x, in.B, wState, dims, states, T);
            tileGrid(grid, "chunkStates", roundUp(s.dstate(), T), roundUp(s.headdim(), T), nCum, T);
        } else {
            g.task("chunkStates", SsdKernels::chunkStates, in.x, in.B, wState, dims, states, loopGrid(grid, "chunkStates", statesSize, cfg));
        }
        g.task("statePassing", SsdKernels::statePassing, states, cum, in.init, dims, stateIn, finalState, loopGrid(grid, "statePassing", ss, cfg));
        DeviceConfig.Kernel ko = cfg.kernel("chunkOutput");
        if (ko.blocked8()) {
            g.task("chunkOutput", SsdBlocked8Kernels::chunkOutputBlocked8, kc, in.x, in.z, dt, cum, cb, in.C, stateIn, in.D, dims, y);
            blocked8Grid(grid, "chunkOutput", s.headdim(), s.chunkSize(), nCum);
        } else if (ko.blocked()) {
            g.task("chunkOutput", SsdBlockedKernels::chunkOutputBlocked, kc, in.x, in.z, dt, cum, cb, in.C, stateIn, in.D, dims, y);
            blockedGrid(grid, "chunkOutput", s.headdim(), s.chunkSize(), nCum);
        } else if (ko.tiled()) {
            int T = ko.tile();
            g.task("chunkOutput", SsdTiledKernels::chunkOutput, kc, in.x, in.z, dt, cum, cb, in.C, stateIn, in.D, dims, y, T);
            tileGrid(grid, "chunkOutput", roundUp(s.headdim(), T), roundUp(s.chunkSize(), T), nCum, T);
        } else {
            // the loop variant first weights C·Bᵀ once per (l, r) (one exp each) instead of once per headdim column
            FloatArray scores = new FloatArray(SsdDims.scoresSize(s));
            g.transferToDevice(DataTransferMode.FIRST_EXECUTION, scores);
            g.task("chunkScores", SsdKernels::chunkScores, cb, dt, cum, dims, scores, loopGrid(grid, "chunkScores", scores.getSize(), cfg));
            g.task("chunkOutput", SsdKernels::chunkOutput, in.x, in.z, cum, scores, in.C, stateIn, in.D, dims, y, loopGrid(grid, "chunkOutput", xs, cfg));
        }
        g.transferToHost(DataTransferMode.EVERY_EXECUTION, y, finalState);
        ImmutableTaskGraph itg = g.snapshot();
        TornadoExecutionPlan p = new TornadoExecutionPlan(itg).withDevice(device);
        // every kernel a loop kernel on a backend whose loop kernels run without grids: TornadoVM refuses an empty scheduler
        plan = grid.keySet().isEmpty() ? p : p.withGridScheduler(grid);
        if (Boolean.getBoolean(PRINT_KERNELS)) plan.withPrintKernel().withThreadInfo();
        if (Boolean.getBoolean(PROFILE)) plan.withProfiler(ProfilerMode.SILENT);
    }

    /**
     * Registers a 1-D grid of {@code items} rounded up to the configured work-group size and returns
     * that global size: the loop bound the kernel gets (TornadoVM bounds a @Parallel loop by the grid).
     * Where loop kernels run without grids, only the bound.
     */
    private int loopGrid(GridScheduler grid, String task, int items, DeviceConfig cfg) {
        int local = cfg.kernel(task).local();
        int global = roundUp(items, local);
        if (!loopGrids) return global;
        WorkerGrid w = new WorkerGrid1D(global);
        w.setLocalWork(local, 1, 1);
        grid.addWorkerGrid(graphName + "." + task, w);
        return global;
    }

    /** A 1-D grid of {@code groups} work-groups of {@code local} work items (a KernelContext kernel's group per item of work). */
    private void groupGrid(GridScheduler grid, String task, int groups, int local) {
        WorkerGrid w = new WorkerGrid1D(Math.multiplyExact(groups, local));
        w.setLocalWork(local, 1, 1);
        grid.addWorkerGrid(graphName + "." + task, w);
    }

    private void tileGrid(GridScheduler grid, String task, int gx, int gy, int gz, int T) {
        WorkerGrid w = new WorkerGrid3D(gx, gy, gz);
        w.setLocalWork(T, T, 1);
        grid.addWorkerGrid(graphName + "." + task, w);
    }

    /** Grid of a blocked kernel: 16×16 work items per 64×64 output tile of a cols × rows matrix, z over (batch, chunk, head). */
    private void blockedGrid(GridScheduler grid, String task, int cols, int rows, int gz) {
        tileGroups(grid, task, cols, rows, gz, SsdBlockedKernels.TILE, SsdBlockedKernels.THREADS);
    }

    /** Grid of a blocked8 kernel: 8×8 work items per 64×64 output tile of a cols × rows matrix, z over (batch, chunk, head). */
    private void blocked8Grid(GridScheduler grid, String task, int cols, int rows, int gz) {
        tileGroups(grid, task, cols, rows, gz, SsdBlocked8Kernels.TILE, SsdBlocked8Kernels.THREADS);
    }

    /** One work group of threads × threads per started tile × tile block of a cols × rows matrix. */
    private void tileGroups(GridScheduler grid, String task, int cols, int rows, int gz, int tile, int threads) {
        WorkerGrid w = new WorkerGrid3D(blockedGlobal(cols, tile, threads), blockedGlobal(rows, tile, threads), gz);
        w.setLocalWork(threads, threads, 1);
        grid.addWorkerGrid(graphName + "." + task, w);
    }

    /** Work items along one edge of a register-blocked kernel's grid: {@code threads} per started {@code tile}-wide tile. */
    public static int blockedGlobal(int n, int tile, int threads) {
        return roundUp(n, tile) / tile * threads;
    }

    static int roundUp(int n, int m) {
        return Math.multiplyExact((n + m - 1) / m, m);
    }

    /** Compiles the kernels now (otherwise the first call does). */
    public SsdPlan warmUp() {
        plan.withPreCompilation();
        return this;
    }

    /** One forward: {@code in} must have this plan's shape and flags. */
    public synchronized void run(SsdInputs inputs, float[] yOut, float[] finalStateOut) {
        in.copyFrom(inputs);
        last = plan.execute();
        OffHeap.copy(y, 0, yOut, 0, y.getSize());
        OffHeap.copy(finalState, 0, finalStateOut, 0, finalState.getSize());
    }

    /** Device time of the last run's kernels in ns, or −1 without profiling. */
    public long lastKernelNanos() {
        return kernelNanos(last);
    }

    static long kernelNanos(TornadoExecutionResult r) {
        if (!Boolean.getBoolean(PROFILE) || r == null || r.getProfilerResult() == null) return -1;
        return r.getProfilerResult().getDeviceKernelTime();
    }

    @Override
    public void close() {
        try {
            plan.freeDeviceMemory();
            plan.close();
        } catch (Exception e) {
            // releasing device memory is best effort
        }
    }
}
