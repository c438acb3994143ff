package org.mamba2j.tornado;

import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.WorkerGrid;
import uk.ac.manchester.tornado.api.WorkerGrid1D;
import uk.ac.manchester.tornado.api.WorkerGrid2D;
import uk.ac.manchester.tornado.api.WorkerGrid3D;
import uk.ac.manchester.tornado.api.common.TornadoDevice;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import java.util.function.IntUnaryOperator;

/**
 * The worker grids of one execution plan: the one place that turns work sizes into TornadoVM
 * worker grids. Sizes are functions of the plan's "rows" (what one execution covers: the prefill's
 * tokens in a pass, the SSD plan's chunks); grids are built at the plan's capacity and
 * {@link #resize}d before an execution that covers fewer (TornadoVM reads them at every launch).
 */
public final class Grids {

    private final GridScheduler scheduler;
    private final List<Sized> sized = new ArrayList<>();
    private final boolean loopGrids;
    private final int capacity;

    /** @param capacity the most rows one execution covers: grids and loop bounds are built for it */
    public Grids(TornadoDevice device, int capacity) {
        this(device, capacity, new GridScheduler());
    }

    /** Registering into {@code scheduler}, which other graphs of the same execution plan share. */
    public Grids(TornadoDevice device, int capacity, GridScheduler scheduler) {
        this.loopGrids = TornadoDevices.loopGrids(TornadoDevices.backend(device));
        this.capacity = capacity;
        this.scheduler = scheduler;
    }

    /**
     * A @Parallel loop kernel over items(rows) work items in work-groups of {@code local}: registers
     * its 1-D grid where the backend gives loop kernels grids ({@link TornadoDevices#loopGrids}) and
     * returns the loop bound at capacity, the argument the kernel gets (kernels ignore the surplus).
     * Without a grid the bound is compiled in and the rows past an execution's return at once.
     */
    public int loop(TaskGraph g, String task, int local, IntUnaryOperator items) {
        if (loopGrids) grid(g, task, new int[]{local}, rows -> new int[]{roundUp(items.applyAsInt(rows), local)});
        return roundUp(items.applyAsInt(capacity), local);
    }

    /** A KernelContext kernel with one work-group of {@code local} work items per group, groups(rows) of them. */
    public void groups(TaskGraph g, String task, int local, IntUnaryOperator groups) {
        grid(g, task, new int[]{local}, rows -> new int[]{Math.multiplyExact(groups.applyAsInt(rows), local)});
    }

    /**
     * A tiled KernelContext kernel: a work-group of threads × threads work items per started
     * tile × tile block of a cols × rows matrix, z(rows) such matrices deep.
     */
    public void tiles(TaskGraph g, String task, int cols, int rows, int tile, int threads, IntUnaryOperator z) {
        tiles(g, task, cols, rows, tile, threads, threads, z);
    }

    /** {@link #tiles} with a work-group of threadsX (along the columns) × threadsY work items. */
    public void tiles(TaskGraph g, String task, int cols, int rows, int tile, int threadsX, int threadsY, IntUnaryOperator z) {
        grid(g, task, new int[]{threadsX, threadsY, 1},
                r -> new int[]{tileEdge(cols, tile, threadsX), tileEdge(rows, tile, threadsY), z.applyAsInt(r)});
    }

    /**
     * A tensor-core KernelContext kernel: a 1-D work-group of {@code local} work items (whole warps)
     * per started tile × tile block of a cols × rows matrix, z(rows) such matrices deep.
     */
    public void warpTiles(TaskGraph g, String task, int cols, int rows, int tile, int local, IntUnaryOperator z) {
        grid(g, task, new int[]{local, 1, 1}, r -> new int[]{tileEdge(cols, tile, local), tileEdge(rows, tile, 1), z.applyAsInt(r)});
    }

    /** A task's worker grid: fixed local sizes, global sizes as a function of the rows (1, 2 or 3-D as {@code local}). */
    public void grid(TaskGraph g, String task, int[] local, IntFunction<int[]> global) {
        int[] at = global.apply(capacity);
        WorkerGrid w = switch (local.length) {
            case 1 -> new WorkerGrid1D(at[0]);
            case 2 -> new WorkerGrid2D(at[0], at[1]);
            default -> new WorkerGrid3D(at[0], at[1], at[2]);
        };
        w.setLocalWork(local[0], local.length > 1 ? local[1] : 1, local.length > 2 ? local[2] : 1);
        scheduler.addWorkerGrid(g.getTaskGraphName() + "." + task, w);
        sized.add(new Sized(w, global));
    }

    /** Sizes every grid for an execution of {@code rows} (≤ capacity). */
    public void resize(int rows) {
        for (Sized s : sized) s.resize(rows);
    }

    /** The scheduler to hand the execution plan, or null when no task took a grid (TornadoVM refuses an empty one). */
    public GridScheduler scheduler() {
        return sized.isEmpty() ? null : scheduler;
    }

    /** Work items along one edge of a tiled kernel's grid: {@code threads} per started {@code tile}-wide tile. */
    public static int tileEdge(int n, int tile, int threads) {
        return roundUp(n, tile) / tile * threads;
    }

    public static int roundUp(int n, int m) {
        return Math.multiplyExact((n + m - 1) / m, m);
    }

    private record Sized(WorkerGrid grid, IntFunction<int[]> global) {
        void resize(int rows) {
            int[] n = global.apply(rows);
            grid.setGlobalWork(n[0], n.length > 1 ? n[1] : 1, n.length > 2 ? n[2] : 1);
        }
    }
}
