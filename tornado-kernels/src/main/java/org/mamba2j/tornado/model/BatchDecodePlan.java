package org.mamba2j.tornado.model;

import org.mamba2j.model.MixerDims;
import org.mamba2j.tornado.DeviceConfig;
import org.mamba2j.tornado.Grids;
import org.mamba2j.tornado.ssd.OffHeap;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.ShortArray;

import java.util.Arrays;

/**
 * One decode step for a batch of up to {@code capacity} sequences on a TornadoVM device, compiled
 * once, in the graphs of a {@link ModelPlan}. Every slot has its own states (the {@link PackedStates}
 * of one sequence, slot after slot in one array); the activations are (capacity, features). A step
 * runs every row; what each slot does is its mode ({@link BatchKernels#STEP}, {@link BatchKernels#RESTART}
 * or {@link BatchKernels#HOLD}), so a finished sequence or a slot not yet filled keeps its states
 * and the rows stay fixed, which keeps the grids fixed and the graphs replayable as CUDA graphs.
 *
 * <p>Per block: RMSNorm over rows, the in_proj GEMM, the conv step, the SSD step, the gated
 * RMSNorm, the out_proj GEMM onto the residual; then norm_f and the lm_head GEMM into the logits
 * of every row, and each row's argmax. The GEMMs are the prefill's ({@link RowTasks}): the blocked variant computes a
 * 64-row tile per work-group, so up to 64 sequences read each weight element once per step (from
 * HBM; the re-reads of a tile come from local memory). Per step only tokens | modes go in and each slot's
 * greedy pick comes out; the logits (capacity × vocab) only when a sampler asks for them. States computed elsewhere (a prefill of one prompt) come in
 * through {@link #load}, one slot at a time.
 */
public final class BatchDecodePlan {

    /*
     * Graph budget of a block, as DecodePlan counts it, for the unfused step, which spends more than
     * the fused one (4 tasks of 17 + 14 + 15 + 17 arguments from 16-bit weights): 6 tasks (norm 7
     * arguments, in_proj GEMM 11 at most (a 16-bit one: the decode table and the decode), conv 14,
     * ssd 15, gated norm 10, out_proj GEMM 11), 8 written arguments, 8 block offsets; bytecode as
     * PrefillPlan budgets it.
     */
    static final int TASKS_PER_BLOCK = 6;
    static final int ARGS_PER_BLOCK = 68;
    static final int NODES_PER_BLOCK = TASKS_PER_BLOCK + 8 + 8;
    static final int BYTECODE_PER_BLOCK = 3 * (TASKS_PER_BLOCK * 33 + ARGS_PER_BLOCK * 5) / 2;
    /** embed (8 arguments from 16-bit weights), the head's norm (7) and GEMM (11), argmax (4); fused, the head is one task of 17. */
    static final int EDGE_TASKS = 4;
    static final int EDGE_ARGS = 30;
    /** Objects: control, input, 6 activations, states, logits, picks, the KernelContext, the weights (up to 11). */
    static final int GRAPH_OBJECTS = 23;
    static final int NODES_PER_GRAPH = 2 + GRAPH_OBJECTS * DecodePlan.NODES_PER_OBJECT + 2 * EDGE_TASKS + 2 + 40;
    static final int BYTECODE_PER_GRAPH = 3 * (GRAPH_OBJECTS * (25 + 4 + 9) + EDGE_TASKS * 33 + EDGE_ARGS * 5) / 2;
    static final GraphBudget BUDGET = new GraphBudget(TASKS_PER_BLOCK, ARGS_PER_BLOCK, NODES_PER_BLOCK, BYTECODE_PER_BLOCK, EDGE_TASKS,
            EDGE_ARGS, NODES_PER_GRAPH, BYTECODE_PER_GRAPH);

    private final MixerDims dims;
    private final int capacity, stateSize;
    /** The norms folded into the GEMMs ({@link BatchKernels#normGemm}, the config's batchGemm "blocked"), else tasks of their own. */
    private final boolean fused;
    /** {rows = capacity, start 0, resume 0}: the prefill kernels' control words, fixed here. */
    private final IntArray control = new IntArray(PrefillKernels.CONTROL_LENGTH);
    /** tokens (capacity) | modes (capacity). */
    private final IntArray input;
    private final IntArray slot = new IntArray(1);
    /** Each slot's greedy pick after a step ({@link BatchKernels#argmaxRows}): what comes back every step. */
    private final IntArray next;
    private final FloatArray staged, logits;
    private final ModelPlan plan;
    private final int loadGraph, firstGraph, lastGraph, graphCount;
    private boolean statesOnDevice;
    private double lastKernelMs = Double.NaN;

    /** The activations every block reads and writes, (capacity, ·). */
    private record Rows(FloatArray residual, FloatArray normed, FloatArray zxbcdt, FloatArray xbc, FloatArray y, FloatArray gated) {
        Object[] all() {
            return new Object[]{residual, normed, zxbcdt, xbc, y, gated};
        }
    }

    /**
     * Adds the batch graphs to {@code plan} (before it is built). {@code cudaGraph}: the step
     * replays as CUDA graphs (PTX and CUDA backends).
     */
    public BatchDecodePlan(MixerDims dims, ModelPlan plan, TornadoDevice device, DeviceConfig cfg, int capacity, boolean cudaGraph) {
        this.dims = dims;
        this.plan = plan;
        this.capacity = capacity;
        PackedStates ps = PackedStates.of(dims);
        this.stateSize = ps.size();
        if ((long) capacity * stateSize > DeviceWeights.MAX_ELEMENTS || (long) capacity * dims.vocab() > DeviceWeights.MAX_ELEMENTS) {
            throw new IllegalArgumentException("a batch of " + capacity + " sequences of this model does not fit int-indexed device arrays ("
                    + stateSize + " state floats per sequence)");
        }
        this.fused = cfg.kernel("batchGemm").blocked() && dims.ngroups() <= BatchKernels.MAX_GROUPS;
        this.input = new IntArray(2 * capacity);
        this.next = new IntArray(capacity);
        this.staged = new FloatArray(stateSize);
        this.logits = new FloatArray(capacity * dims.vocab());
        control.set(PrefillKernels.ROWS, capacity);
        FloatArray states = new FloatArray(capacity * stateSize);
        Rows r = new Rows(new FloatArray(capacity * dims.dModel()), new FloatArray(capacity * dims.dModel()),
                new FloatArray(capacity * dims.dInProj()), new FloatArray(capacity * dims.convDim()), new FloatArray(capacity * dims.dInner()),
                new FloatArray(capacity * dims.dInner()));
        DeviceWeights w = plan.weights();
        Object[] weights = w.all();
        plan.reserve("batch", concat(new Object[]{control, input, slot, next, staged, logits, states}, r.all()));
        Grids grids = new Grids(device, capacity, plan.grids());
        KernelContext ctx = new KernelContext();

        TaskGraph load = new TaskGraph("batchLoad")
                .consumeFromDevice(DeviceWeights.WEIGHTS_GRAPH, weights)
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, staged, slot)
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, states)
                .task("load", BatchKernels::loadSlot, staged, slot, states, stateSize)
                .persistOnDevice(states);
        this.loadGraph = plan.add(load);

        int[] split = DecodePlan.split(dims.nLayer(), BUDGET.maxBlocks());
        Object[] own = concat(new Object[]{control, input}, r.all());
        TaskGraph g = new TaskGraph("batch")
                .consumeFromDevice(load.getTaskGraphName(), concat(weights, states))
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, input)
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, concat(new Object[]{control}, r.all()));
        RowTasks.embed(g, grids, cfg, w, control, input, r.residual, dims.dModel());
        RowTasks.Chain chain = RowTasks.chain(plan, g, split, own, concat(weights, concat(new Object[]{states}, own)),
                (graph, l) -> addBlock(graph, "b" + l + "_", l, ps, states, r, grids, cfg, ctx));
        g = chain.last();
        g.transferToDevice(DataTransferMode.FIRST_EXECUTION, logits);
        if (fused) {
            normGemm(g, "head", BatchKernels.NORMED, r.residual, r.residual, 0, w.normF(), w.lmHead(), 0, logits, dims.vocab(), dims.dModel(), 1,
                    dims.eps(), grids, ctx);
        } else {
            g.task("headNorm", PrefillKernels::rmsNormRows, ctx, r.residual, w.small(), w.normF(), r.normed, dims.dModel(), dims.eps());
            grids.groups(g, "headNorm", cfg.kernel("rmsNorm").local(), rows -> rows);
            RowTasks.gemm(g, "head", grids, cfg, ctx, control, r.normed, w.lmHead(), w.small(), w.decode(), 0, logits, dims.vocab(), dims.dModel(), 0);
        }
        g.task("argmax", BatchKernels::argmaxRows, ctx, logits, next, dims.vocab());
        grids.groups(g, "argmax", cfg.kernel("matVec").local(), rows -> rows);
        // the picks every step; the logits (capacity × vocab floats) only when asked for (sampling)
        g.transferToDevice(DataTransferMode.FIRST_EXECUTION, next)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, next)
                .transferToHost(DataTransferMode.UNDER_DEMAND, logits);
        int last = plan.add(g);
        this.lastGraph = last;
        this.firstGraph = chain.first() < 0 ? last : chain.first();
        this.graphCount = last - firstGraph + 1;
        if (cudaGraph) for (int i = firstGraph; i <= last; i++) plan.replayAsCudaGraph(i);
    }

    /** Block l's tasks, named prefix + kernel, over its weights in the model's arrays and its part of every slot's states. */
    private void addBlock(TaskGraph g, String p, int l, PackedStates ps, FloatArray states, Rows r, Grids grids, DeviceConfig cfg,
                          KernelContext ctx) {
        MixerDims d = dims;
        DeviceWeights w = plan.weights();
        PackedBlock o = w.layout();
        FloatArray small = w.small();
        int sm = w.smallAt(l), big = w.bigAt(l);
        if (fused) {
            normGemm(g, p + "inProj", BatchKernels.NORMED, r.residual, r.residual, 0, sm + o.norm(), w.slab(l), big + o.inProj(), r.zxbcdt,
                    d.dInProj(), d.dModel(), 1, d.eps(), grids, ctx);
        } else {
            g.task(p + "norm", PrefillKernels::rmsNormRows, ctx, r.residual, small, sm + o.norm(), r.normed, d.dModel(), d.eps());
            grids.groups(g, p + "norm", cfg.kernel("rmsNorm").local(), rows -> rows);
            RowTasks.gemm(g, p + "inProj", grids, cfg, ctx, control, r.normed, w.slab(l), small, w.decode(), big + o.inProj(), r.zxbcdt, d.dInProj(), d.dModel(), 0);
        }
        int convLoop = grids.loop(g, p + "conv", cfg.kernel("conv").local(), rows -> rows * d.convDim());
        g.task(p + "conv", BatchKernels::convStepRows, input, r.zxbcdt, states, ps.conv(l), stateSize, small, sm + o.convW(), r.xbc,
                d.xbcOffset(), d.dInProj(), d.convDim(), d.dConv(), capacity, convLoop);
        g.task(p + "ssd", BatchKernels::ssdStepRows, ctx, input, r.zxbcdt, r.xbc, states, ps.ssm(l), stateSize, small, sm + o.dtBias(), r.y,
                d.nheads(), d.headdim(), d.ngroups(), d.dstate(), capacity);
        grids.groups(g, p + "ssd", cfg.kernel("step").local(), rows -> rows * d.dInner());
        if (fused) {
            normGemm(g, p + "outProj", BatchKernels.GATED, r.y, r.zxbcdt, d.dInProj(), sm + o.gatedNorm(), w.slab(l), big + o.outProj(), r.residual,
                    d.dModel(), d.dInner(), d.ngroups(), d.gatedEps(), grids, ctx);
        } else {
            g.task(p + "gatedNorm", PrefillKernels::gatedRmsNormRows, ctx, r.y, r.zxbcdt, small, sm + o.gatedNorm(), r.gated, d.dInner(),
                    d.dInProj(), d.dInner() / d.ngroups(), d.gatedEps());
            grids.groups(g, p + "gatedNorm", cfg.kernel("gatedNorm").local(), rows -> rows * d.ngroups());
            RowTasks.gemm(g, p + "outProj", grids, cfg, ctx, control, r.gated, w.slab(l), small, w.decode(), big + o.outProj(), r.residual, d.dModel(),
                    d.dInner(), 1);
        }
    }

    /**
     * A {@link BatchKernels#normGemm} task (the twin for the weights' format): out (+)= norm(operand)·Wᵀ,
     * accumulating for the GATED operand (out_proj onto the residual).
     */
    private void normGemm(TaskGraph g, String task, int mode, FloatArray x, FloatArray z, int zStride, int normOff, Object weights, int wOff,
                          FloatArray out, int n, int k, int groups, float eps, Grids grids, KernelContext ctx) {
        FloatArray small = plan.weights().small();
        int accumulate = mode == BatchKernels.GATED ? 1 : 0;
        if (weights instanceof ShortArray h) {
            g.task(task, BatchKernels::normGemm16, ctx, control, mode, x, z, zStride, small, normOff, h, wOff, out, n, k, groups, eps, accumulate,
                    plan.weights().decode().arg());
        } else {
            g.task(task, BatchKernels::normGemm, ctx, control, mode, x, z, zStride, small, normOff, (FloatArray) weights, wOff, out, n, k, groups, eps,
                    accumulate);
        }
        RowTasks.blockedGrid(g, task, grids, n);
    }

    private static Object[] concat(Object[] a, Object... b) {
        Object[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    public int capacity() {
        return capacity;
    }

    /** How many task graphs one step executes. */
    public int graphCount() {
        return graphCount;
    }

    /** Tasks one step launches: with the norms folded into the GEMMs 4 per block and 3 more, else 6 and 4. */
    public int taskCount() {
        return fused ? dims.nLayer() * (TASKS_PER_BLOCK - 2) + EDGE_TASKS - 1 : dims.nLayer() * TASKS_PER_BLOCK + EDGE_TASKS;
    }

    /** The device's kernel time of the last step in ms, NaN unless profiling. */
    public double lastKernelMs() {
        return lastKernelMs;
    }

    /** Slot {@code s} continues from {@code packedStates} (one sequence's, in the {@link PackedStates} layout, as a prefill leaves them). */
    public void load(int s, FloatArray packedStates) {
        if (packedStates.getSize() != stateSize) {
            throw new IllegalArgumentException("states of " + packedStates.getSize() + " floats where this model's take " + stateSize);
        }
        OffHeap.copy(packedStates, staged);
        slot.set(0, s);
        plan.execute(loadGraph);
        statesOnDevice = true;
    }

    /**
     * One step: slot s consumes tokens[s] as modes[s] says ({@link BatchKernels#STEP}, ...). Its
     * results stay on the device but for each slot's greedy pick ({@link #picks}); {@link #logits}
     * fetches the logits. A held slot's results are meaningless.
     */
    public void step(int[] tokens, int[] modes) {
        for (int s = 0; s < capacity; s++) {
            int t = modes[s] == BatchKernels.HOLD ? 0 : tokens[s];
            if (t < 0 || t >= dims.vocab()) throw new IllegalArgumentException("token " + t + " outside the vocabulary of " + dims.vocab());
            input.set(s, t);
            input.set(capacity + s, modes[s]);
        }
        if (!statesOnDevice) {
            plan.execute(loadGraph); // the batch graphs consume the states the load graph persists (slot 0 gets zeros)
            statesOnDevice = true;
        }
        lastKernelMs = plan.executeInOrder(firstGraph, graphCount);
    }

    /** Every slot's greedy pick after the last step (capacity), valid until the next. */
    public IntArray picks() {
        return next;
    }

    /** Every slot's logits after the last step (capacity × vocab), copied from the device; valid until the next step. */
    public FloatArray logits() {
        plan.toHost(lastGraph, logits);
        return logits;
    }
}
