package org.mamba2j.tornado.model;

import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.ImmutableTaskGraph;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.TornadoExecutionResult;
import org.mamba2j.tornado.ssd.SsdPlan;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.enums.ProfilerMode;

import org.mamba2j.tornado.TornadoDevices;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The one TornadoVM execution plan of a model on a device: graph 0 uploads the weights
 * ({@link DeviceWeights#upload}), then the graphs of the decode step ({@link DecodePlan}) and of the
 * prefill ({@link PrefillPlan}), which consume them. One plan, so the device holds one copy of
 * every weight, however decode and prefill steps alternate.
 *
 * <p>How TornadoVM 5.2 hands buffers between graphs of one plan: before a graph runs, the objects it
 * consumes take their device buffers from the graph that ran last (those it named that graph as the
 * source of, or, when it named another graph, all it consumes); a graph that lacks one hands on no
 * buffer and the next kernel fails. So every graph here consumes every weight, whether its tasks
 * read it or not (one graph node each), which keeps any order of graphs sound; activations and
 * states are handed along each chain from the graph before. Only the graph that uploads an object
 * persists or downloads it, so that freeing each graph at {@link #close} frees every buffer once.
 */
public final class ModelPlan implements AutoCloseable {

    public static final int WEIGHTS = 0;

    private final DeviceWeights weights;
    private final List<ImmutableTaskGraph> graphs = new ArrayList<>();
    private final GridScheduler grids = new GridScheduler();
    private final Set<Integer> cudaGraphs = new TreeSet<>();
    private final DeviceMemoryPlan memory = new DeviceMemoryPlan();
    private TornadoExecutionPlan plan;
    private TornadoExecutionResult last;

    public ModelPlan(DeviceWeights weights) {
        this.weights = weights;
        reserve("weights", weights.all());
        add(weights.upload());
    }

    public DeviceWeights weights() {
        return weights;
    }

    /** The worker grids of every graph, by "graph.task". */
    public GridScheduler grids() {
        return grids;
    }

    /** Adds a graph; returns its index. */
    public int add(TaskGraph g) {
        if (plan != null) throw new IllegalStateException("graphs go into a model plan before it is built");
        graphs.add(g.snapshot());
        return graphs.size() - 1;
    }

    /** Replays graph {@code index} as one CUDA graph (PTX and CUDA backends only); before {@link #build}. */
    public void replayAsCudaGraph(int index) {
        cudaGraphs.add(index);
    }

    /** Whether graph {@code index} replays as a CUDA graph. */
    public boolean replaysAsCudaGraph(int index) {
        return cudaGraphs.contains(index);
    }

    /** Counts {@code arrays} (off-heap arrays the graphs of {@code part} put on the device) towards the {@link #build} fit check. */
    public void reserve(String part, Object... arrays) {
        memory.reserve(part, arrays);
    }

    /** What the plan puts on the device, by part. */
    public DeviceMemoryPlan memory() {
        return memory;
    }

    /** Compiles nothing yet: checks that the plan fits ({@link DeviceMemoryPlan#checkFits}), sets it up on the device and uploads the weights (graph 0). */
    public void build(TornadoDevice device) {
        memory.checkFits(TornadoDevices.deviceName(device), device.getMaxGlobalMemory(), device.getMaxAllocMemory());
        plan = new TornadoExecutionPlan(graphs.toArray(ImmutableTaskGraph[]::new)).withDevice(device).withGridScheduler(grids);
        for (int i : cudaGraphs) plan.withGraph(i).withCUDAGraph();
        if (Boolean.getBoolean(SsdPlan.PROFILE)) plan.withProfiler(ProfilerMode.SILENT);
        execute(WEIGHTS);
    }

    public TornadoExecutionResult execute(int index) {
        return last = plan.withGraph(index).execute();
    }

    /**
     * Executes graphs [first, first + count) in order (each consumes what the one before left on the
     * device); returns their device kernel time in ms, NaN unless the profiler runs ({@link SsdPlan#PROFILE})
     * and sees them: TornadoVM 5.2's profiler reports 0 for a graph replayed as a CUDA graph (H200, 2026-12-02).
     */
    public double executeInOrder(int first, int count) {
        double kernelMs = 0;
        boolean seen = Boolean.getBoolean(SsdPlan.PROFILE);
        for (int i = first; i < first + count; i++) {
            kernelMs += SsdPlan.kernelNanos(execute(i)) / 1e6;
            seen &= !replaysAsCudaGraph(i);
        }
        return seen ? kernelMs : Double.NaN;
    }

    /** Copies {@code objects} from the device into their host arrays through graph {@code index}, which must know them. */
    public void toHost(TornadoExecutionResult anyResult, int index, Object... objects) {
        plan.withGraph(index);
        anyResult.transferToHost(objects);
    }

    /** Copies {@code objects} (under-demand copy-outs of graph {@code index}) from the device after the last execution. */
    public void toHost(int index, Object... objects) {
        toHost(last, index, objects);
    }

    public int graphCount() {
        return graphs.size();
    }

    @Override
    public void close() {
        if (plan == null) return;
        try {
            for (int i = 0; i < graphs.size(); i++) plan.withGraph(i).freeDeviceMemory();
        } catch (RuntimeException e) {
            throw new IllegalStateException("could not release the device plan: " + e.getMessage(), e);
        }
    }
}
