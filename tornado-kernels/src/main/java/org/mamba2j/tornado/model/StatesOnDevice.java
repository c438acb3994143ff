package org.mamba2j.tornado.model;

import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

/**
 * One sequence's states ({@link PackedStates} layout) as a device buffer of a {@link ModelPlan}: a graph of its own uploads
 * them (zeros), clears them (a graph needs a task) and persists them, once ({@link #place}); graphs that consume
 * {@link #array} read and write that buffer in place, so a prefill leaves its states there for the decode steps
 * ({@link DecodePlan#deviceStates}) or for a batch slot's load ({@link BatchDecodePlan#handoff}), and a graph replayed as a
 * CUDA graph always finds the buffer it was captured with.
 */
public final class StatesOnDevice {

    private final ModelPlan plan;
    private final FloatArray array;
    private final String graph;
    private final int index;
    private boolean placed;

    /** Adds the owning graph {@code name} to {@code plan} (before it is built); {@code size}: the states' floats. */
    StatesOnDevice(ModelPlan plan, String name, int size) {
        this.plan = plan;
        this.array = new FloatArray(size);
        TaskGraph g = new TaskGraph(name)
                .consumeFromDevice(DeviceWeights.WEIGHTS_GRAPH, plan.weights().all())
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, array)
                .task("clear", MixerKernels::clearStates, array, size)
                .persistOnDevice(array);
        this.graph = g.getTaskGraphName();
        this.index = plan.add(g);
    }

    public FloatArray array() {
        return array;
    }

    /** The owning graph: what the first graph consuming the states names as their source. */
    public String graph() {
        return graph;
    }

    /** Puts the states on the device: once, after the model plan is built, before any graph that consumes them runs. */
    public void place() {
        if (placed) return;
        plan.execute(index);
        placed = true;
    }

    public boolean placed() {
        return placed;
    }
}
