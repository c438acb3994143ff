package org.mamba2j.model.kernels;

import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.ImmutableTaskGraph;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.WorkerGrid;
import uk.ac.manchester.tornado.api.WorkerGrid1D;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * Token-by-token decoding on a TornadoVM device, compiled once. TornadoVM spends a fixed host-side
 * cost on every task-graph execution, so the whole token step runs as few graphs as TornadoVM 5.2
 * accepts: one when the model fits (130m: 24 blocks), else a few graphs of equal block counts
 * chained on the device. To fit, every block's weights are packed into one array
 * ({@link PackedBlock}), all blocks' states into one ({@link PackedStates}) and the scratch buffers
 * are shared by the blocks (they run in sequence). Weights, the residual stream and every state stay
 * on the device; per token only {token, reset} goes in and the logits come out.
 */
public final class DecodePlan implements AutoCloseable {

    /** Work-group sizes of the reduction kernels (from device-configs). */
    public record LocalSizes(int norm, int matVec, int gatedNorm) {
    }

    /*
     * Limits of one TornadoVM 5.2 task graph: TornadoExecutionContext holds at most 256 tasks, and
     * TornadoGraph at most 1024 nodes ("Tornado Graph resize not implemented yet"). Nodes, as
     * TornadoGraphBuilder adds them: 3 per distinct object (the object, its copy-in/allocate,
     * its deallocate/persist), 1 per distinct scalar, 1 per task plus 1 per argument the task writes.
     */
    static final int MAX_TASKS_PER_GRAPH = 256;
    static final int MAX_NODES_PER_GRAPH = 1024;
    static final int NODES_PER_OBJECT = 3;
    /** A block: 6 tasks writing 8 arguments (norm, inProj, conv ×2, ssd ×2, gatedNorm, outProj). */
    static final int TASKS_PER_BLOCK = 6;
    static final int NODES_PER_BLOCK = NODES_PER_OBJECT /* packed weights */ + TASKS_PER_BLOCK + 8 + 2 /* state offsets */;
    /**
     * Every graph: the context and buffer-set nodes, the shared objects (control, embedding, residual,
     * states, 5 scratch buffers, the KernelContext, normF, lmHead, logits), the embed and head tasks
     * with their writes and the logits' copy-out, and the scalars all blocks share; rounded up.
     */
    static final int NODES_PER_GRAPH = 2 + 12 * NODES_PER_OBJECT + 3 * 2 + 1 + 32;
    static final int EDGE_TASKS = 3;

    private final MixerDims dims;
    private final int[] control = new int[2];
    private final float[] logits;
    private final TornadoExecutionPlan plan;
    private final int graphCount;
    private boolean fresh = true;

    /**
     * {@code layers} gives block l's weights (asked once each, in order, so the caller can widen them
     * one block at a time). {@code lmHead} may be the embedding itself (tied weights). {@code blocksPerGraph} ≤ 0 picks the
     * most that TornadoVM's graph limits allow ({@link #maxBlocksPerGraph()}).
     */
    public DecodePlan(MixerDims dims, IntFunction<LayerWeights> layers, float[] normF, float[] embedding, float[] lmHead,
                      TornadoDevice device, LocalSizes local, int blocksPerGraph) {
        this.dims = dims;
        this.logits = new float[dims.vocab()];
        int[] split = split(dims.nLayer(), blocksPerGraph > 0 ? blocksPerGraph : maxBlocksPerGraph());
        PackedBlock pb = PackedBlock.of(dims);
        PackedStates ps = PackedStates.of(dims);
        float[] residual = new float[dims.dModel()];
        float[] states = new float[ps.size()];
        Scratch s = new Scratch(new float[dims.dModel()], new float[dims.dInProj()], new float[dims.convDim()],
                new float[dims.dInner()], new float[dims.dInner()]);
        // what every graph after the first takes over from the one before it: a graph can consume
        // only what the graph right before it persisted, so all of it rides along to the end
        Object[] shared = {control, embedding, residual, states, s.normed, s.zxbcdt, s.xbc, s.y, s.gated};
        GridScheduler grids = new GridScheduler();
        List<ImmutableTaskGraph> graphs = new ArrayList<>();
        KernelContext ctx = new KernelContext();

        TaskGraph g = new TaskGraph("decode")
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, control)
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, embedding, residual, states, s.normed, s.zxbcdt, s.xbc, s.y, s.gated)
                .task("embed", MixerKernels::embed, control, embedding, residual, dims.dModel());
        int l = 0;
        for (int gi = 0; gi < split.length; gi++) {
            if (gi > 0) {
                g.persistOnDevice(shared);
                graphs.add(g.snapshot());
                g = new TaskGraph("decode" + gi).consumeFromDevice(g.getTaskGraphName(), shared);
            }
            for (int end = l + split[gi]; l < end; l++) {
                float[] w = pb.pack(layers.apply(l)); // one block's float32 copy at a time
                g.transferToDevice(DataTransferMode.FIRST_EXECUTION, w);
                addBlock(g, "b" + l + "_", dims, pb, w, ps.conv(l), ps.ssm(l), control, residual, states, s, ctx, grids, local);
            }
        }
        float[] normed = s.normed;
        g.transferToDevice(DataTransferMode.FIRST_EXECUTION, normF);
        if (lmHead != embedding) g.transferToDevice(DataTransferMode.FIRST_EXECUTION, lmHead);
        g.task("normF", MixerKernels::rmsNorm, ctx, residual, normF, 0, normed, dims.dModel(), dims.eps())
                .task("lmHead", MixerKernels::matVec, ctx, lmHead, 0, normed, logits, dims.dModel())
                .transferToHost(DataTransferMode.EVERY_EXECUTION, logits);
        String name = g.getTaskGraphName();
        grids.addWorkerGrid(name + ".normF", grid(local.norm(), local.norm()));
        grids.addWorkerGrid(name + ".lmHead", grid(dims.vocab() * local.matVec(), local.matVec()));
        graphs.add(g.snapshot());

        this.graphCount = graphs.size();
        this.plan = new TornadoExecutionPlan(graphs.toArray(ImmutableTaskGraph[]::new))
                .withDevice(device).withGridScheduler(grids);
    }

    private record Scratch(float[] normed, float[] zxbcdt, float[] xbc, float[] y, float[] gated) {
    }

    /** The most blocks one graph holds within TornadoVM's task and node limits (with the embed and head tasks). */
    public static int maxBlocksPerGraph() {
        int byTasks = (MAX_TASKS_PER_GRAPH - EDGE_TASKS) / TASKS_PER_BLOCK;
        int byNodes = (MAX_NODES_PER_GRAPH - NODES_PER_GRAPH) / NODES_PER_BLOCK;
        return Math.min(byTasks, byNodes);
    }

    /** Blocks per graph: the fewest graphs of at most {@code max} blocks, their sizes as equal as can be. */
    static int[] split(int blocks, int max) {
        int n = Math.max(1, (blocks + max - 1) / max);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) out[i] = blocks / n + (i < blocks % n ? 1 : 0);
        return out;
    }

    /** How many task graphs one token step executes. */
    public int graphCount() {
        return graphCount;
    }

    /** One block's tasks, named prefix + kernel; its packed weights w are on the device already. */
    private static void addBlock(TaskGraph g, String p, MixerDims d, PackedBlock o, float[] w, int convAt, int ssmAt,
                                 int[] control, float[] residual, float[] states, Scratch s, KernelContext ctx,
                                 GridScheduler grids, LocalSizes local) {
        g.task(p + "norm", MixerKernels::rmsNorm, ctx, residual, w, o.norm(), s.normed, d.dModel(), d.eps())
                .task(p + "inProj", MixerKernels::matVec, ctx, w, o.inProj(), s.normed, s.zxbcdt, d.dModel())
                .task(p + "conv", MixerKernels::convStep, control, s.zxbcdt, states, convAt, w, o.convW(), o.convB(), s.xbc,
                        d.xbcOffset(), d.convDim(), d.dConv())
                .task(p + "ssd", MixerKernels::ssdStep, control, s.zxbcdt, s.xbc, states, ssmAt, w, o.dtBias(),
                        s.y, d.dtOffset(), d.nheads(), d.headdim(), d.ngroups(), d.dstate(), d.dtMin(), d.dtMax())
                .task(p + "gatedNorm", MixerKernels::gatedRmsNorm, ctx, s.y, s.zxbcdt, w, o.gatedNorm(), s.gated,
                        d.dInner() / d.ngroups(), d.gatedEps())
                .task(p + "outProj", MixerKernels::matVecAccumulate, ctx, w, o.outProj(), s.gated, residual, d.dInner());
        String at = g.getTaskGraphName() + "." + p;
        grids.addWorkerGrid(at + "norm", grid(local.norm(), local.norm()));
        grids.addWorkerGrid(at + "inProj", grid(d.dInProj() * local.matVec(), local.matVec()));
        grids.addWorkerGrid(at + "gatedNorm", grid(d.ngroups() * local.gatedNorm(), local.gatedNorm()));
        grids.addWorkerGrid(at + "outProj", grid(d.dModel() * local.matVec(), local.matVec()));
    }

    private static WorkerGrid grid(int global, int local) {
        WorkerGrid g = new WorkerGrid1D(global);
        g.setLocalWork(local, 1, 1);
        return g;
    }

    /** Starts a new sequence: the next step sees zero conv and SSM states. */
    public void reset() {
        fresh = true;
    }

    /** Feeds one token; returns the logits (vocab), valid until the next call. */
    public float[] step(int token) {
        if (token < 0 || token >= dims.vocab()) throw new IllegalArgumentException("token " + token + " outside the vocabulary of " + dims.vocab());
        control[0] = token;
        control[1] = fresh ? 1 : 0;
        fresh = false;
        if (graphCount == 1) {
            plan.execute();
        } else {
            // in order: each graph consumes what the one before it left on the device
            for (int i = 0; i < graphCount; i++) plan.withGraph(i).execute();
        }
        return logits;
    }

    @Override
    public void close() {
        try {
            plan.close();
        } catch (Exception e) {
            throw new IllegalStateException("could not release the decode plan: " + e.getMessage(), e);
        }
    }
}
