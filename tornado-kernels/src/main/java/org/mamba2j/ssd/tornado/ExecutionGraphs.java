package org.mamba2j.ssd.tornado;

import uk.ac.manchester.tornado.api.TornadoExecutionPlan;

import java.lang.reflect.InvocationTargetException;

/**
 * Captured execution graphs (CUDA graphs on the PTX backend): TornadoVM records a plan's launches
 * and copies once and replays them with one driver call per execution. Reached by reflection
 * because the API this project compiles against without a TornadoVM SDK predates
 * {@code TornadoExecutionPlan.withCUDAGraph}; TornadoVM 5.2 has it. A captured plan may only copy
 * off-heap arrays between host and device on every execution (a heap array's copy goes through a
 * staging buffer whose synchronisation cannot be captured).
 */
public final class ExecutionGraphs {

    private ExecutionGraphs() {
    }

    /** Turns capture on for every graph of the plan; fails in one line if this TornadoVM lacks it. */
    public static void enable(TornadoExecutionPlan plan) {
        try {
            TornadoExecutionPlan.class.getMethod("withCUDAGraph").invoke(plan);
        } catch (NoSuchMethodException | IllegalAccessException e) {
            throw new IllegalStateException("this TornadoVM has no execution graphs (TornadoExecutionPlan.withCUDAGraph); "
                    + "set \"executionGraphs\": false in the device config", e);
        } catch (InvocationTargetException e) {
            throw new IllegalStateException("TornadoVM could not enable execution graphs: " + e.getCause().getMessage(), e.getCause());
        }
    }
}
