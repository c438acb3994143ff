package org.mamba2j.tornado.model;

import org.mamba2j.tornado.DeviceConfig.KernelKey;
import org.mamba2j.tornado.DeviceConfig;
import org.mamba2j.tornado.Grids;
import org.mamba2j.tornado.ssd.SsdBlockedKernels;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.LongArray;

import java.util.function.ObjIntConsumer;

/**
 * The one place that wires the {@link PrefillKernels} row tasks that the prefill (rows = a pass's
 * positions) and the batched decode (rows = the batch's sequences) share: the embedding rows and the
 * GEMM, in the device config's variant ("gemm": blocked for GPUs, loop for CPUs) and the float32 or
 * 16-bit twin as the weights are stored (the 16-bit one with the weights' {@link Decode}); and the chain of graphs their blocks are spread over. Every
 * weight element is read once per 64 rows in the blocked GEMM, so a batch of up to 64 sequences
 * reads each weight once per step.
 */
final class RowTasks {

    private RowTasks() {
    }

    /**
     * out (rows × n) (+)= a (rows × k) · W(n × k)ᵀ with W at weights[wOff] (FloatArray, or LongArray
     * read by {@code decode}, its table at the head of {@code table}); rows = control[{@link PrefillKernels#ROWS}].
     */
    static void gemm(TaskGraph g, String task, Grids grids, DeviceConfig cfg, KernelContext ctx, IntArray control, FloatArray a,
                    Object weights, FloatArray table, Decode decode, int wOff, FloatArray out, int n, int k, int accumulate) {
        // "mma" comes here where the tensor-core GEMM does not apply (PrefillPlan.tensorCoreGemm): its float32 twin is "blocked"
        if (cfg.kernel(KernelKey.GEMM).blocked() || cfg.kernel(KernelKey.GEMM).mma()) {
            if (weights instanceof LongArray h) g.task(task, GemmKernels::gemmBlocked16, ctx, control, a, h, table, wOff, out, n, k, accumulate, decode.arg());
            else g.task(task, GemmKernels::gemmBlocked, ctx, control, a, (FloatArray) weights, wOff, out, n, k, accumulate);
            blockedGrid(g, task, grids, n);
        } else {
            int padded = grids.loop(g, task, cfg.kernel(KernelKey.GEMM).local(), rows -> (rows + 3) / 4 * ((n + 3) / 4));
            if (weights instanceof LongArray h) g.task(task, GemmKernels::gemm16, control, a, h, table, wOff, out, n, k, accumulate, padded, decode.arg());
            else g.task(task, GemmKernels::gemm, control, a, (FloatArray) weights, wOff, out, n, k, accumulate, padded);
        }
    }

    /** The grid of a blocked GEMM task with n output columns: a 16×16 work-group per 64×64 output tile. */
    static void blockedGrid(TaskGraph g, String task, Grids grids, int n) {
        int t = SsdBlockedKernels.THREADS;
        int tile = SsdBlockedKernels.TILE;
        grids.grid(g, task, new int[]{t, t}, rows -> new int[]{Grids.tileEdge(n, tile, t), Grids.tileEdge(rows, tile, t)});
    }

    /** out[t, :] = the embedding rows of tokens[t] (t &lt; control[ROWS]), from the table as stored. */
    static void embed(TaskGraph g, Grids grids, DeviceConfig cfg, DeviceWeights w, IntArray control, IntArray tokens, FloatArray out, int dModel) {
        int padded = grids.loop(g, "embed", cfg.kernel(KernelKey.COPY).local(), rows -> rows * dModel);
        if (w.embedding() instanceof LongArray e16) {
            g.task("embed", PrefillKernels::embedRows16, control, tokens, e16, w.small(), out, dModel, padded, w.decode().arg());
        } else {
            g.task("embed", PrefillKernels::embedRows, control, tokens, (FloatArray) w.embedding(), out, dModel, padded);
        }
    }

    /** The graphs of a chain: the last one (not yet added, for the caller's tail) and the plan's index of the first (-1: only the last). */
    record Chain(TaskGraph last, int first) {
    }

    /**
     * Spreads {@code blocks} over graphs of {@code split} blocks each, starting in {@code g}: every
     * later graph (named g's name + its number) consumes {@code consumed} from the graph before, and
     * the first persists {@code own} for them. Adds all graphs but the last to {@code plan}.
     */
    static Chain chain(ModelPlan plan, TaskGraph g, int[] split, Object[] own, Object[] consumed, ObjIntConsumer<TaskGraph> blocks) {
        String name = g.getTaskGraphName();
        int l = 0, first = -1;
        for (int gi = 0; gi < split.length; gi++) {
            if (gi > 0) {
                if (gi == 1) g.persistOnDevice(own);
                int at = plan.add(g);
                if (first < 0) first = at;
                g = new RoomyTaskGraph(name + gi).consumeFromDevice(g.getTaskGraphName(), consumed);
            }
            for (int end = l + split[gi]; l < end; l++) blocks.accept(g, l);
        }
        return new Chain(g, first);
    }
}
