package org.mamba2j.tornado.model;

import org.mamba2j.tornado.DeviceConfig;
import org.mamba2j.tornado.Grids;
import org.mamba2j.tornado.ssd.SsdBlockedKernels;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.ShortArray;

/**
 * The one place that wires a {@link PrefillKernels} GEMM task, for the prefill (rows = a pass's
 * positions) and the batched decode (rows = the batch's sequences): the device config's variant
 * ("gemm": blocked for GPUs, loop for CPUs), the float32 or 16-bit twin as the weights are stored.
 * Every weight element is read once per 64 rows in the blocked variant, so a batch of up to 64
 * sequences reads each weight once per step.
 */
final class GemmTasks {

    private GemmTasks() {
    }

    /**
     * out (rows × n) (+)= a (rows × k) · W(n × k)ᵀ with W at weights[wOff] (FloatArray, or ShortArray
     * decoded through {@code table}); rows = control[{@link PrefillKernels#ROWS}].
     */
    static void add(TaskGraph g, String task, Grids grids, DeviceConfig cfg, KernelContext ctx, IntArray control, FloatArray a,
                    Object weights, FloatArray table, int wOff, FloatArray out, int n, int k, int accumulate) {
        if (cfg.kernel("gemm").blocked()) {
            if (weights instanceof ShortArray h) g.task(task, PrefillKernels::gemmBlocked16, ctx, control, a, h, table, wOff, out, n, k, accumulate);
            else g.task(task, PrefillKernels::gemmBlocked, ctx, control, a, (FloatArray) weights, wOff, out, n, k, accumulate);
            int t = SsdBlockedKernels.THREADS;
            int tile = SsdBlockedKernels.TILE;
            grids.grid(g, task, new int[]{t, t}, rows -> new int[]{Grids.tileEdge(n, tile, t), Grids.tileEdge(rows, tile, t)});
        } else {
            int padded = grids.loop(g, task, cfg.kernel("gemm").local(), rows -> (rows + 3) / 4 * ((n + 3) / 4));
            if (weights instanceof ShortArray h) g.task(task, PrefillKernels::gemm16, control, a, h, table, wOff, out, n, k, accumulate, padded);
            else g.task(task, PrefillKernels::gemm, control, a, (FloatArray) weights, wOff, out, n, k, accumulate, padded);
        }
    }
}
