package org.mamba2j.tornado.model;

import org.mamba2j.model.MixerDims;

import org.mamba2j.tornado.Grids;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.LongArray;
import uk.ac.manchester.tornado.api.types.arrays.TornadoNativeArray;

import java.util.Arrays;

/**
 * Token-by-token decoding on a TornadoVM device, compiled once. TornadoVM spends a fixed host-side
 * cost on every task-graph execution and every task, so the whole token step runs in as few graphs
 * as TornadoVM 5.2 accepts ({@link #maxBlocksPerGraph()}: one for the 130m model, and for 2.7b in a
 * {@link RoomyTaskGraph}; else graphs of equal block counts chained on the device with persistOnDevice /
 * consumeFromDevice) and a block is
 * three tasks. To fit, the weights sit in few arrays ({@link DeviceWeights}, {@link PackedBlock}), all
 * blocks' states into one ({@link PackedStates}), the scratch buffers are shared by the blocks (they
 * run in sequence) and the kernels take few arguments. Every buffer is an off-heap array
 * ({@link FloatArray}, {@link IntArray}). Weights (uploaded once by the {@link ModelPlan} this
 * plan's graphs belong to, shared with the prefill),
 * the residual stream and every state stay on the device; per token only {token, reset} goes in
 * and the logits come out. Tasks are named
 * b{l}_{kernel}.
 *
 * <p>The states live in one device buffer ({@link StatesOnDevice}, owned by the graph "decodeStates"),
 * which every decode graph and every graph of a {@link PrefillPlan} opened with {@link #deviceStates}
 * consumes, so a prefill leaves its states where the next step reads them: nothing goes through the
 * host between the two ({@link #continueAfterPrefill}).
 */
public final class DecodePlan {

    /** How the matrix-vector kernels (in_proj and the lm_head; the gated out_proj) and the SSD step launch (from device-configs). */
    public record RowLaunches(RowLaunch matVec, RowLaunch outProj, RowLaunch step) {
    }

    /*
     * Limits of one TornadoVM 5.2 task graph, and what this plan spends of each:
     *  - graph code: TornadoTaskGraph records its tasks in a fixed 8192-byte buffer (a
     *    BufferOverflowException from TaskGraph.task when full): 15 bytes per task plus 5 per argument.
     *    This is the tightest limit: it is why the kernels take as few arguments as they do. A
     *    RoomyTaskGraph holds 64 KiB ({@link RoomyTaskGraph#codeSize()}).
     *  - tasks: TornadoExecutionContext holds at most 256.
     *  - nodes: TornadoGraph holds 1024 ("Tornado Graph resize not implemented yet"); as
     *    TornadoGraphBuilder adds them: 3 per distinct object (the object, its copy-in or allocate, its
     *    deallocate or persist), 1 per distinct scalar, 1 per task plus 1 per argument it writes.
     *  - VM bytecode: tornado.tvm.maxbytecodesize bytes (default 4096; scripts/lib/tornado.sh raises
     *    it). Overflowing it does not fail: TornadoVM bails out to running the tasks as sequential
     *    Java, where a KernelContext kernel never ends (hence -Dtornado.recover.bailout=false in
     *    tornado.sh). By TornadoVMBytecodeBuilder a launch takes 33 bytes plus 5 per argument, an
     *    object's copy-in 25, allocation 4, deallocate/persist 9, plus dependency bytes not counted
     *    here: on PoCL 6 blocks overflowed 4096 bytes and 5 fit, so a block is budgeted 700 bytes
     *    (measured when a block was four tasks; three launch fewer bytes, so it errs on the safe side).
     */
    static final int GRAPH_CODE_SIZE = 8192;
    static final int GRAPH_CODE_PER_TASK = 15;
    static final int GRAPH_CODE_PER_ARG = 5;
    static final int MAX_TASKS_PER_GRAPH = 256;
    static final int MAX_NODES_PER_GRAPH = 1024;
    static final String BYTECODE_SIZE_PROPERTY = "tornado.tvm.maxbytecodesize";
    static final int DEFAULT_BYTECODE_SIZE = 4096;

    /**
     * A block: 3 tasks (normInProjConv, ssd, gatedOutProj) of 20+16+16 arguments, 6 of them written
     * (zxbcdt, conv state, xbc; SSM state, the gated output; the residual).
     */
    static final int TASKS_PER_BLOCK = 3;
    static final int ARGS_PER_BLOCK = 52;
    static final int WRITES_PER_BLOCK = 6;
    /** The graph's other tasks: embed (4 arguments, 6 from 16-bit weights) and head (norm_f + lm_head, 12). */
    static final int EDGE_TASKS = 2;
    static final int EDGE_ARGS = 18;

    static final int NODES_PER_OBJECT = 3;
    /**
     * The tasks and their writes, the block's three bases (its weights sit in the model's arrays, its states in one; the
     * parts' offsets from the bases are scalars equal for every block, counted with the graph's shared scalars).
     */
    static final int NODES_PER_BLOCK = TASKS_PER_BLOCK + WRITES_PER_BLOCK + 3;
    /**
     * Every graph: context and buffer-set nodes, the shared objects (control, residual, states,
     * 3 scratch buffers, the 2 stand-ins for the other weight format, the KernelContext, logits; the
     * weights: small, embedding, lm_head and up to 8 slabs of projections), the edge tasks with their
     * writes and the logits' copy-out, and the scalars all blocks share; rounded up.
     */
    static final int NODES_PER_GRAPH = 2 + 22 * NODES_PER_OBJECT + 2 * EDGE_TASKS + 1 + 32;
    static final int BYTECODE_PER_BLOCK = 700;
    static final int BYTECODE_PER_GRAPH = 15 * (25 + 4 + 9) + EDGE_TASKS * (33 + 5) + EDGE_ARGS * 5 + 25 + 64;
    static final GraphBudget BUDGET = new GraphBudget(TASKS_PER_BLOCK, ARGS_PER_BLOCK, NODES_PER_BLOCK, BYTECODE_PER_BLOCK, EDGE_TASKS,
            EDGE_ARGS, NODES_PER_GRAPH, BYTECODE_PER_GRAPH);

    private final MixerDims dims;
    private final IntArray control = new IntArray(2);
    private final FloatArray logits;
    private final ModelPlan plan;
    private final int firstGraph, graphCount;
    private final StatesOnDevice deviceStates;
    private final String deviceName;
    private boolean fresh = true;
    private double lastKernelMs = Double.NaN;

    /**
     * Adds the decode graphs to {@code plan} (before it is built), reading the weights it uploads.
     * {@code blocksPerGraph} ≤ 0 picks the most that TornadoVM's graph limits allow
     * ({@link #maxBlocksPerGraph()}). {@code cudaGraph}: the token step replays as CUDA graphs.
     * {@code deviceName} goes into the one line a failed replay throws.
     */
    public DecodePlan(MixerDims dims, ModelPlan plan, TornadoDevice device, RowLaunches local, int blocksPerGraph, boolean cudaGraph,
                      String deviceName) {
        this.dims = dims;
        this.plan = plan;
        this.deviceName = deviceName;
        this.logits = new FloatArray(dims.vocab());
        DeviceWeights w = plan.weights();
        Object[] weights = w.all();
        int[] split = split(dims.nLayer(), blocksPerGraph > 0 ? blocksPerGraph : maxBlocksPerGraph());
        PackedStates ps = PackedStates.of(dims);
        FloatArray residual = new FloatArray(dims.dModel());
        this.deviceStates = new StatesOnDevice(plan, "decodeStates", ps.size());
        FloatArray states = deviceStates.array();
        Scratch s = new Scratch(new FloatArray(dims.dInProj()), new FloatArray(dims.convDim()),
                new FloatArray(dims.dInner()), new FloatArray(1), new LongArray(1));
        plan.reserve("decode", control, logits, residual, states, s.zxbcdt, s.xbc, s.gated, s.noW32, s.noW16);
        // owned by the first decode graph, which persists them; the later ones consume them from the one before
        Object[] own = {control, residual, s.zxbcdt, s.xbc, s.gated, s.noW32, s.noW16};
        Grids grids = new Grids(device, 1, plan.grids()); // one scheduler for every graph of the model's plan
        KernelContext ctx = new KernelContext();

        TaskGraph g = new RoomyTaskGraph("decode")
                .consumeFromDevice(deviceStates.graph(), concat(weights, states))
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, control)
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, residual, s.zxbcdt, s.xbc, s.gated, s.noW32, s.noW16);
        if (w.embedding() instanceof LongArray e16) {
            g.task("embed", MixerKernels::embed16, control, e16, w.small(), residual, dims.dModel(), w.decode().arg());
        }
        else g.task("embed", MixerKernels::embed, control, (FloatArray) w.embedding(), residual, dims.dModel());
        RowTasks.Chain chain = RowTasks.chain(plan, g, split, own, concat(weights, concat(new Object[]{states}, own)),
                (graph, l) -> addBlock(graph, "b" + l + "_", dims, w, l, ps, control, residual, states, s, ctx, grids, local));
        g = chain.last();
        g.task("head", MixerKernels::normMatVecOut, ctx, residual, w.small(), w.normF(), w32(w.lmHead(), s), w16(w.lmHead(), s),
                MixerKernels.weightsArg(w.format((TornadoNativeArray) w.lmHead()), w.decode()), logits, dims.vocab(), dims.dModel(), dims.eps(),
                local.matVec().lanes(dims.dModel()));
        g.transferToHost(DataTransferMode.EVERY_EXECUTION, logits);
        local.matVec().grid(grids, g, "head", dims.vocab(), dims.dModel());
        int last = plan.add(g);
        this.firstGraph = chain.first() < 0 ? last : chain.first();
        this.graphCount = last - firstGraph + 1;
        if (cudaGraph) for (int i = firstGraph; i <= last; i++) plan.replayAsCudaGraph(i);
    }

    private static Object[] concat(Object[] a, Object... b) {
        Object[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** The blocks' shared activations, and the row kernels' unused weight array of the other format. */
    private record Scratch(FloatArray zxbcdt, FloatArray xbc, FloatArray gated, FloatArray noW32, LongArray noW16) {
    }

    /** {@code weights} as the row kernels' float32 argument, or the unused stand-in. */
    private static FloatArray w32(Object weights, Scratch s) {
        return DeviceWeights.asFloat32(weights, s.noW32);
    }

    /** {@code weights} as the row kernels' 16-bit argument, or the unused stand-in. */
    private static LongArray w16(Object weights, Scratch s) {
        return DeviceWeights.as16Bit(weights, s.noW16);
    }

    /**
     * The most blocks one graph holds within TornadoVM's task, node and bytecode limits (with the
     * embed and head tasks), the bytecode limit as this JVM sets it.
     */
    public static int maxBlocksPerGraph() {
        return BUDGET.maxBlocks();
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

    /**
     * One block's tasks, named prefix + kernel, over block l's weights in w and its states as ps lays them out: the tasks
     * take the block's three bases and the parts' offsets from them, which every block shares (see NODES_PER_BLOCK).
     */
    private static void addBlock(TaskGraph g, String p, MixerDims d, DeviceWeights w, int l, PackedStates ps,
                                 IntArray control, FloatArray residual, FloatArray states, Scratch s, KernelContext ctx,
                                 Grids grids, RowLaunches local) {
        FloatArray small = w.small();
        int sm = w.smallAt(l), big = w.bigAt(l), statesAt = ps.conv(l);
        PackedBlock block = w.layout();
        Object slab = w.slab(l);
        int format = MixerKernels.weightsArg(w.format((TornadoNativeArray) slab), w.decode());
        // statesAt is the block's conv windows, its SSM state convSize after them (PackedStates)
        g.task(p + "normInProjConv", MixerKernels::normInProjConv, ctx, control, residual, small, sm + block.norm(), w32(slab, s),
                w16(slab, s), format, big + block.inProj(), s.zxbcdt, d.eps(), states, statesAt, s.xbc, d.dModel(), d.dInProj(), d.dInner(),
                d.convDim(), d.dConv(), local.matVec().lanes(d.dModel()));
        g.task(p + "ssd", MixerKernels::ssdStep, ctx, control, s.zxbcdt, s.xbc, states, statesAt, ps.convSize(), small, sm,
                block.dtBias(), s.gated, d.nheads(), d.headdim(), d.ngroups(), d.dstate(), local.step().lanes(d.dstate()));
        g.task(p + "gatedOutProj", MixerKernels::gatedMatVecAccumulate, ctx, s.gated, small, sm, block.gatedNorm(), w32(slab, s),
                w16(slab, s), format, big, block.outProj(), residual, d.gatedEps(), d.dModel(), d.dInner(), d.dInner() / d.ngroups(),
                local.outProj().lanes(d.dInner()));
        local.matVec().grid(grids, g, p + "normInProjConv", d.dInProj(), d.dModel());
        local.step().grid(grids, g, p + "ssd", d.dInner(), d.dstate());
        local.outProj().grid(grids, g, p + "gatedOutProj", d.dModel(), d.dInner());
    }

    /** Starts a new sequence: the next step sees zero conv and SSM states. */
    public void reset() {
        fresh = true;
    }

    /** The device buffer of the states, for a {@link PrefillPlan} to leave its states in; placed before the first step or prefill. */
    public StatesOnDevice deviceStates() {
        return deviceStates;
    }

    /** Continues the sequence a prefill into {@link #deviceStates} just left there: the next step starts from its states. */
    public void continueAfterPrefill() {
        if (!deviceStates.placed()) throw new IllegalStateException("the decode states are not on the device: no prefill can have run into them");
        fresh = false;
    }

    /** Feeds one token; returns the logits (vocab), valid until the next call. */
    public FloatArray step(int token) {
        if (token < 0 || token >= dims.vocab()) throw new IllegalArgumentException("token " + token + " outside the vocabulary of " + dims.vocab());
        control.set(0, token);
        control.set(1, fresh ? 1 : 0);
        fresh = false;
        deviceStates.place(); // the decode graphs consume the states "decodeStates" persists
        try {
            lastKernelMs = plan.executeInOrder(firstGraph, graphCount);
        } catch (RuntimeException e) {
            if (!plan.replaysAsCudaGraph(firstGraph)) throw e;
            throw new IllegalStateException("a decode graph could not replay as a CUDA graph on " + deviceName
                    + " (" + e.getMessage() + "); set \"decode\": {\"cudaGraph\": false} in the device config", e);
        }
        return logits;
    }

    /** Tasks one token step launches. */
    public int taskCount() {
        return dims.nLayer() * TASKS_PER_BLOCK + EDGE_TASKS;
    }

    /** The device's kernel time of the last step in ms, NaN unless profiling. */
    public double lastKernelMs() {
        return lastKernelMs;
    }
}
