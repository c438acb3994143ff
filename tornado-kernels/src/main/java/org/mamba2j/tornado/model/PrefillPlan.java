package org.mamba2j.tornado.model;

import org.mamba2j.tornado.DeviceConfig.KernelKey;
import org.mamba2j.device.DeviceSpec;
import org.mamba2j.model.LayerWeights;
import org.mamba2j.model.MixerDims;

import org.mamba2j.ssd.SsdShape;
import org.mamba2j.tornado.DeviceConfig;
import org.mamba2j.tornado.Grids;
import org.mamba2j.tornado.TornadoDevices;
import org.mamba2j.tornado.ssd.SsdTasks;
import org.mamba2j.tornado.ssd.SsdDims;
import org.mamba2j.tornado.ssd.SsdKernels;
import org.mamba2j.tornado.ssd.SsdPlan;
import org.mamba2j.tornado.ssd.OffHeap;
import org.mamba2j.tornado.mma.MmaGemm;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.LongArray;
import uk.ac.manchester.tornado.api.types.arrays.TornadoNativeArray;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntFunction;
import java.util.function.IntUnaryOperator;

/**
 * The prompt through the whole model on a TornadoVM device, all positions at once: per block
 * rmsNorm over rows, the in_proj GEMM, causal conv1d + SiLU (which also lays x, B, C, dt out for
 * the SSD), the chunked SSD ({@link SsdKernels} and its blocked/tiled/scan twins, the variants of the
 * device config), gated RMSNorm, the out_proj GEMM onto the residual; then norm_f and lm_head for
 * the last position only. The states after the prompt (every block's conv window and SSM state,
 * {@link PackedStates}) stay on the device, in the buffer the plan was opened with: a decode plan's
 * ({@link DecodePlan#deviceStates}), which the next step continues from, or a batch plan's hand-off
 * ({@link BatchDecodePlan#handoff}), which it copies into a slot.
 *
 * <p>Compiled once for every prompt length: buffers are sized for a pass of {@code capacity}
 * positions, the length of a pass (a multiple of the chunk size) goes to the kernels in an array,
 * and the worker grids are resized before each pass (TornadoVM reads them at every launch). A
 * prompt sits at the end of its pass, behind front padding, so its last position is the last row
 * (see {@link PrefillKernels} for why the padding is exact). A prompt longer than the capacity runs
 * in several passes: the first one takes the remainder (padded), each next one {@code capacity}
 * tokens continuing from the states the one before left on the device (the conv and SSD kernels
 * take initial states), so any length runs at the speed of full passes.
 *
 * <p>Every buffer is an off-heap array ({@link FloatArray}, {@link IntArray}). The weights are the
 * ones the {@link ModelPlan} uploaded once for decoding too ({@link DeviceWeights}: the projections
 * and embedding in the checkpoint's format, read by the 16-bit kernel twins where that is F16/BF16);
 * only A, the dt bias and D, a few floats per block, have a prefill copy of their own, in the arrays
 * the SSD kernels take. The blocks are split over task graphs within TornadoVM's per-graph limits (see
 * {@link DecodePlan}, whose constants this uses), chained on the device with persistOnDevice /
 * consumeFromDevice. As the grids change from pass to pass, a plan captured as CUDA graphs replays
 * one pass length only: {@link #open} adds such a plan beside this one where the config asks
 * ({@link ReplayedPrefill}). Tasks are named b{l}_{kernel}.
 */
public final class PrefillPlan implements DevicePrefill {

    /*
     * Graph budget of a block, worst case over the SSD variants: 12 tasks (norm, which first adds the
     * block before's tensor-core out_proj, inProj, conv, convWindow, cumsum, chunkCB, chunkStates,
     * statePassing (which reads and writes the block's slot of the packed states), chunkScores with
     * the loop output, chunkOutput, gatedNorm, outProj) of at most 125 arguments (a tiled chunkStates
     * takes a tile argument more, a tensor-core gemm 14: the fp16 activations, the norm weight's array and
     * offset and the split's k beside the blocked one's; the norm before it 9, its add's flag; the tile kernels of the
     * SSD the model's dimensions as five scalars, the tensor-core ones their scratch too), 19 of them written,
     * 3 objects (A, dt bias, D; the other weights are the model's arrays, counted per graph).
     */
    static final int TASKS_PER_BLOCK = 12;
    static final int ARGS_PER_BLOCK = 125;
    static final int WRITES_PER_BLOCK = 19;
    static final int OBJECTS_PER_BLOCK = 3;
    /** embedRows (8 from 16-bit weights), lastRow, head (norm_f + lm_head): 8 + 7 + 12 arguments. */
    static final int EDGE_TASKS = 3;
    static final int EDGE_ARGS = 27;
    /**
     * Objects every graph holds: the shared buffers ({@link Buffers}, control, tokens, dims, dt
     * limits, states), the head's, and the weights (small, embedding, lm_head, up to 8 slabs).
     */
    static final int GRAPH_OBJECTS = 46;
    static final int NODES_PER_BLOCK = OBJECTS_PER_BLOCK * DecodePlan.NODES_PER_OBJECT + TASKS_PER_BLOCK + WRITES_PER_BLOCK + 2;
    static final int NODES_PER_GRAPH = 2 + GRAPH_OBJECTS * DecodePlan.NODES_PER_OBJECT + 2 * EDGE_TASKS + 2 + 40;
    /** As DecodePlan budgets it: launches and objects by TornadoVMBytecodeBuilder, times 1.5 for the dependency bytes. */
    static final int BYTECODE_PER_BLOCK = 3 * (TASKS_PER_BLOCK * 33 + ARGS_PER_BLOCK * 5 + OBJECTS_PER_BLOCK * (25 + 4 + 9)) / 2;
    static final int BYTECODE_PER_GRAPH = 3 * (GRAPH_OBJECTS * (25 + 4 + 9) + EDGE_TASKS * 33 + EDGE_ARGS * 5) / 2;
    static final GraphBudget BUDGET = new GraphBudget(TASKS_PER_BLOCK, ARGS_PER_BLOCK, NODES_PER_BLOCK, BYTECODE_PER_BLOCK, EDGE_TASKS,
            EDGE_ARGS, NODES_PER_GRAPH, BYTECODE_PER_GRAPH);

    private final MixerDims dims;
    private final DeviceConfig cfg;
    private final int chunk, capacity, graphCount;
    /** {rows, start, resume} of the current pass ({@link PrefillKernels#ROWS} ...). */
    private final IntArray control = new IntArray(PrefillKernels.CONTROL_LENGTH);
    private final IntArray tokens;
    /** The SSD kernels' size array ({@link SsdDims}): its length and chunk count follow the pass. */
    private final IntArray ssdDims;
    private final FloatArray dtLimits, logits;
    /** Every block's states ({@link PackedStates}): the buffer of the graph that owns them, which this plan's graphs consume. */
    private final FloatArray states;
    private final Buffers b;
    private final SsdShape shape;
    private final Grids grids;
    private final DeviceSpec.Backend backend;
    private final KernelContext ctx = new KernelContext();
    private final ModelPlan plan;
    private final DeviceWeights w;
    private final int firstGraph;

    /**
     * Adds the prefill graphs to {@code plan} (before it is built), reading the weights it uploads;
     * {@code layers} gives block l's small weights (A, dt bias and D are read from them).
     * {@code states}: the device buffer the prompt's states are left in (the graph that owns it must
     * run before this plan's first: {@link StatesOnDevice#place}).
     * {@code modelChunk}: the model's chunk size, used where the device config does not set one.
     * With the config's prefill "cudaGraph", and the plan's buffers within its "cudaGraphMaxMB", a
     * {@link ReplayedPrefill} of such a plan and a second one (its own activations, graphs named
     * prefillReplay…), replayed as CUDA graphs on PTX and CUDA.
     */
    public static DevicePrefill open(MixerDims dims, int modelChunk, IntFunction<LayerWeights> layers, ModelPlan plan, TornadoDevice device,
                                     DeviceConfig cfg, StatesOnDevice states) {
        long before = plan.memory().bytes("prefill");
        PrefillPlan main = new PrefillPlan(dims, modelChunk, layers, plan, device, cfg, states, false);
        if (!cfg.prefill().replays(plan.memory().bytes("prefill") - before)) return main;
        return new ReplayedPrefill(main, new PrefillPlan(dims, modelChunk, layers, plan, device, cfg, states, true));
    }

    /** One plan; {@code replayed}: the second of a {@link ReplayedPrefill}. */
    private PrefillPlan(MixerDims dims, int modelChunk, IntFunction<LayerWeights> layers, ModelPlan plan, TornadoDevice device,
                        DeviceConfig config, StatesOnDevice owner, boolean replayed) {
        this.dims = dims;
        this.plan = plan;
        this.w = plan.weights();
        this.chunk = config.chunkSizeFor(modelChunk);
        this.capacity = config.prefill().maxTokens() / chunk * chunk;
        if (capacity == 0) {
            throw new IllegalArgumentException("device config " + config.source() + ": prefill maxTokens " + config.prefill().maxTokens()
                    + " is below the chunk size " + chunk);
        }
        if (chunk < dims.dConv() - 1) throw new IllegalArgumentException("chunk size " + chunk + " below d_conv - 1 = " + (dims.dConv() - 1));
        this.grids = new Grids(device, capacity, plan.grids()); // one scheduler for every graph of the model's plan
        this.backend = TornadoDevices.backend(device);
        this.shape = new SsdShape(1, capacity, dims.nheads(), dims.headdim(), dims.ngroups(), dims.dstate(), chunk);
        this.cfg = config.forSsd(shape); // the SSD's kernels for the plan's capacity
        // the initial state (flag set per pass, Pass#stage) is the block's slot of the packed states
        this.ssdDims = IntArray.fromArray(SsdDims.of(shape, new SsdDims.Flags(false, false, true, true)));
        this.tokens = new IntArray(capacity);
        this.dtLimits = FloatArray.fromElements(dims.dtMin(), dims.dtMax());
        this.logits = new FloatArray(dims.vocab());
        PackedStates ps = PackedStates.of(dims);
        this.states = owner.array();
        if (states.getSize() != ps.size()) {
            throw new IllegalArgumentException("states of " + states.getSize() + " floats where this model's take " + ps.size());
        }
        this.b = new Buffers(dims, shape, cfg);
        Object[] weights = w.all();
        plan.reserve("prefill", b.with(control, tokens, ssdDims, dtLimits, logits, b.last)); // the states are the owner's

        int[] split = DecodePlan.split(dims.nLayer(), cfg.prefill().blocksPerGraph() > 0 ? cfg.prefill().blocksPerGraph() : maxBlocksPerGraph());
        // owned by the first graph, which persists them; every later one consumes them from the one before. The states
        // and the weights are consumed by every graph, the first one included, from whichever graph ran before it (every
        // graph of the model's plan that can run before a prefill holds both)
        Object[] own = b.with(control, tokens, ssdDims, dtLimits);
        Object[] handed = concat(weights, new Object[]{states});
        TaskGraph g = new RoomyTaskGraph(replayed ? "prefillReplay" : "prefill")
                .consumeFromDevice(owner.graph(), handed)
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, control, tokens, ssdDims)
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, b.with(dtLimits));
        RowTasks.embed(g, grids, cfg, w, control, tokens, b.residual, dims.dModel());
        RowTasks.Chain chain = RowTasks.chain(plan, g, split, own, concat(handed, own), (graph, l) -> {
            LayerWeights lw = layers.apply(l);
            // the SSD kernels read A, the dt bias and D from arrays of their own (as SsdPlan passes them)
            FloatArray aNeg = FloatArray.fromArray(lw.aNeg()), dtBias = FloatArray.fromArray(lw.dtBias()), d = FloatArray.fromArray(lw.d());
            graph.transferToDevice(DataTransferMode.FIRST_EXECUTION, aNeg, dtBias, d);
            addBlock(graph, "b" + l + "_", l, aNeg, dtBias, d, ps.conv(l), ps.ssm(l));
        });
        g = chain.last();
        // the head's stand-ins for the weight format it does not read, its own: the buffers' may never have reached the device (TornadoVM
        // allocates only what a task reads, and a later graph that consumes such a buffer finds none)
        FloatArray noW32 = new FloatArray(1);
        LongArray noW16 = new LongArray(1);
        g.transferToDevice(DataTransferMode.FIRST_EXECUTION, b.last, logits, noW32, noW16);
        // the last block's tensor-core out_proj is added here; without one, lastRow reads its own stand-in (b.projected never reached the device)
        boolean projected = tensorCoreGemm(cfg, dims);
        g.task("lastRow", PrefillKernels::lastRow, control, b.residual, projected ? b.projected : noW32, projected ? 1 : 0, b.last, dims.dModel(),
                loop(g, "lastRow", KernelKey.COPY, rows -> dims.dModel()));
        Object head = w.lmHead();
        RowLaunch matVec = RowLaunch.of(cfg, KernelKey.MAT_VEC);
        g.task("head", MixerKernels::normMatVecOut, ctx, b.last, w.small(), w.normF(), DeviceWeights.asFloat32(head, noW32),
                DeviceWeights.as16Bit(head, noW16), MixerKernels.weightsArg(w.format((TornadoNativeArray) head), w.decode()), logits, dims.vocab(),
                dims.dModel(), dims.eps(), matVec.lanes(dims.dModel()));
        g.transferToHost(DataTransferMode.EVERY_EXECUTION, logits);
        matVec.grid(grids, g, "head", dims.vocab(), dims.dModel());
        int last = plan.add(g);
        this.firstGraph = chain.first() < 0 ? last : chain.first();
        this.graphCount = last - firstGraph + 1;
        if (replayed && cfg.prefill().cudaGraphOn(backend)) {
            for (int i = firstGraph; i <= last; i++) plan.replayAsCudaGraph(i);
        }
    }

    /** The rows of every pass of a prompt of {@code tokens}, where they are all the same; else -1. */
    int passRows(int tokens) {
        List<Pass> ps = passes(tokens, capacity, chunk);
        int rows = ps.getFirst().rows();
        return ps.stream().allMatch(p -> p.rows() == rows) ? rows : -1;
    }

    private static Object[] concat(Object[] a, Object[] b) {
        Object[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** The activations of one pass, sized for the capacity; the blocks share them (they run in sequence). */
    private static final class Buffers {
        final FloatArray residual, normed, zxbcdt, x, B, C, dtRaw;          // (rows, ·)
        final FloatArray dt, cum, wState, cb, chunkStates, stateIn, scores; // the SSD's intermediates (SsdDims)
        final FloatArray y, gated;                                          // (rows, dInner)
        final FloatArray last, noZ;                                         // (dModel), the SSD's absent gate
        final FloatArray projected;                                         // (rows, dModel): a tensor-core out_proj, before the residual add
        final IntArray normedHalves, gatedHalves;                           // the tensor-core GEMMs' operands, fp16 pairs of normed and gated
        final FloatArray noW32;                                             // the tensor-core GEMM's unused weight array
        final LongArray noW16;

        Buffers(MixerDims d, SsdShape s, DeviceConfig cfg) {
            int rows = s.seqlen(), gn = d.ngroups() * d.dstate();
            boolean mma = tensorCoreGemm(cfg, d);
            residual = new FloatArray(rows * d.dModel());
            // the tensor-core GEMMs read their activations as fp16 pairs, the others as floats
            normed = new FloatArray(mma ? 1 : rows * d.dModel());
            normedHalves = new IntArray(mma ? MmaGemm.halvesSize(rows, d.dModel()) : 1);
            // the tensor-core GEMM writes whole 64-row blocks
            int gemmRows = mma ? Grids.roundUp(rows, MmaGemm.TILE_M) : rows;
            zxbcdt = new FloatArray(Math.multiplyExact(gemmRows, d.dInProj()));
            x = new FloatArray(rows * d.dInner());
            B = new FloatArray(rows * gn);
            C = new FloatArray(rows * gn);
            dtRaw = new FloatArray(rows * d.nheads());
            dt = new FloatArray(SsdDims.chunkedDtSize(s));
            cum = new FloatArray(dt.getSize());
            wState = new FloatArray(dt.getSize());
            cb = new FloatArray(SsdDims.cbSize(s));
            chunkStates = new FloatArray(SsdTasks.chunkStatesSize(cfg, s));
            stateIn = new FloatArray(SsdDims.chunkStatesSize(s));
            // the loop output's weighted scores or the tensor-core kernels' scratch
            scores = new FloatArray(SsdTasks.scratchSize(cfg, s));
            y = new FloatArray(rows * d.dInner());
            gated = new FloatArray(mma ? 1 : rows * d.dInner());
            gatedHalves = new IntArray(mma ? MmaGemm.halvesSize(rows, d.dInner()) : 1);
            last = new FloatArray(d.dModel());
            noZ = new FloatArray(1);
            projected = new FloatArray(mma ? gemmRows * d.dModel() : 1);
            noW32 = new FloatArray(1);
            noW16 = new LongArray(1);
        }

        /** These buffers followed by {@code more}. */
        Object[] with(Object... more) {
            Object[] own = {residual, normed, zxbcdt, x, B, C, dtRaw, dt, cum, wState, cb, chunkStates, stateIn, scores, y, gated, noZ,
                    projected, normedHalves, gatedHalves, noW32, noW16};
            Object[] out = Arrays.copyOf(own, own.length + more.length);
            System.arraycopy(more, 0, out, own.length, more.length);
            return out;
        }
    }

    /** Block l's tasks, named prefix + kernel; its weights (and its A, dt bias and D) are on the device already. */
    private void addBlock(TaskGraph g, String p, int l, FloatArray aNeg, FloatArray dtBias, FloatArray D, int convAt, int ssmAt) {
        MixerDims d = dims;
        PackedBlock o = w.layout();
        FloatArray small = w.small();
        int sm = w.smallAt(l), big = w.bigAt(l);
        int gn = d.ngroups() * d.dstate();
        boolean mma = tensorCoreGemm(cfg, d);
        if (mma) {
            // the block before left its out_proj in b.projected (a tensor-core GEMM cannot accumulate): added here
            g.task(p + "norm", PrefillKernels::rmsNormRowsHalves, ctx, b.residual, b.projected, l > 0 ? 1 : 0, small, sm + o.norm(), b.normedHalves,
                    d.dModel(), d.eps());
        } else {
            g.task(p + "norm", PrefillKernels::rmsNormRows, ctx, b.residual, small, sm + o.norm(), b.normed, d.dModel(), d.eps());
        }
        int norm = cfg.kernel(KernelKey.RMS_NORM).local();
        grid(g, p + "norm", new int[]{norm}, rows -> new int[]{rows * norm});
        gemm(g, p + "inProj", b.normed, b.normedHalves, w.slab(l), big + o.inProj(), b.zxbcdt, d.dInProj(), d.dModel(), 0);
        // a work item per (channel, run of convRows rows): one kernel or the other, the same arguments
        int convRows = convRows();
        int convItems = loop(g, p + "conv", KernelKey.CONV, rows -> (rows + convRows - 1) / convRows * (d.convDim() + d.nheads()));
        if (convRows == PrefillKernels.CONV_ROWS) {
            g.task(p + "conv", PrefillKernels::causalConvRows, control, b.zxbcdt, states, convAt, small, sm + o.convW(), b.x, b.B, b.C, b.dtRaw,
                    d.dInner(), gn, d.nheads(), d.dConv(), convItems);
        } else {
            g.task(p + "conv", PrefillKernels::causalConv, control, b.zxbcdt, states, convAt, small, sm + o.convW(), b.x, b.B, b.C, b.dtRaw,
                    d.dInner(), gn, d.nheads(), d.dConv(), convItems);
        }
        g.task(p + "convWindow", PrefillKernels::saveConvWindow, control, b.zxbcdt, states, convAt, d.dInner(), d.convDim(),
                d.dInProj(), d.dConv(), loop(g, p + "convWindow", KernelKey.COPY, rows -> d.convDim() * (d.dConv() - 1)));
        SsdTasks.add(g, p, shape, cfg, backend, ctx, new SsdTasks.Buffers(b.x, b.dtRaw, aNeg, dtBias, dtLimits, b.B, b.C, D, b.noZ, states, ssdDims,
                b.dt, b.cum, b.wState, b.cb, b.chunkStates, b.stateIn, b.scores, b.y, states, ssmAt), grids, rows -> rows / chunk);
        int groupSize = d.dInner() / d.ngroups(), gated = cfg.kernel(KernelKey.GATED_NORM).local();
        if (mma) {
            g.task(p + "gatedNorm", PrefillKernels::gatedRmsNormRowsHalves, ctx, b.y, b.zxbcdt, small, sm + o.gatedNorm(), b.gatedHalves, d.dInner(),
                    d.dInProj(), groupSize, d.gatedEps());
        } else {
            g.task(p + "gatedNorm", PrefillKernels::gatedRmsNormRows, ctx, b.y, b.zxbcdt, small, sm + o.gatedNorm(), b.gated, d.dInner(),
                    d.dInProj(), groupSize, d.gatedEps());
        }
        grid(g, p + "gatedNorm", new int[]{gated}, rows -> new int[]{rows * d.ngroups() * gated});
        gemm(g, p + "outProj", b.gated, b.gatedHalves, w.slab(l), big + o.outProj(), b.residual, d.dModel(), d.dInner(), 1);
    }

    /**
     * out (rows × n) (+)= a (rows × k) · W(n × k)ᵀ with W at weights[wOff] (float32 or 16-bit), in the config's variant. The
     * tensor-core one ("mma", 64×64 tiles; precision fast) reads the activations as fp16 pairs
     * ({@code halves}, where the norms leave them) and stores whole tiles: accumulating (out_proj onto the residual), it computes into b.projected, which the next block's
     * norm or lastRow adds on.
     */
    private void gemm(TaskGraph g, String task, FloatArray a, IntArray halves, Object weights, int wOff, FloatArray out, int n, int k, int accumulate) {
        if (tensorCoreGemm(cfg, dims)) {
            FloatArray target = accumulate != 0 ? b.projected : out;
            // the variant fixes the launch: its "tile" the output columns of a work group, its "local" the work group
            DeviceConfig.Kernel mma = cfg.kernel(KernelKey.GEMM);
            g.task(task, MmaGemm::gemm, ctx, control, a, halves, w.small(), MmaGemm.HALVES,
                    DeviceWeights.asFloat32(weights, b.noW32), DeviceWeights.as16Bit(weights, b.noW16), MmaGemm.format(w.format((TornadoNativeArray) weights)),
                    wOff, target, n, k, k);
            grid(g, task, new int[]{mma.local(), 1},
                    rows -> new int[]{Grids.tileEdge(n, mma.tile(), mma.local()), Grids.roundUp(rows, MmaGemm.TILE_M) / MmaGemm.TILE_M});
        } else {
            RowTasks.gemm(g, task, grids, cfg, ctx, control, a, weights, w.small(), w.decode(), wOff, out, n, k, accumulate);
        }
    }

    /**
     * Whether the projections run on tensor cores: the config's gemm is "mma", every output width a multiple of the 8-wide MMA
     * tile and the norms' rows and groups of even width, as fp16 pairs (else "blocked").
     */
    static boolean tensorCoreGemm(DeviceConfig cfg, MixerDims d) {
        return cfg.kernel(KernelKey.GEMM).mma() && d.dInProj() % 8 == 0 && d.dModel() % 8 == 0 && (d.dInner() / d.ngroups()) % 2 == 0;
    }

    /**
     * Rows of the conv a work item computes: the config's conv "tile", 1 (the loop kernel, also for 0) or
     * {@link PrefillKernels#CONV_ROWS} ({@link PrefillKernels#causalConvRows}; DeviceConfig refuses other values).
     */
    private int convRows() {
        return Math.max(cfg.kernel(KernelKey.CONV).tile(), 1);
    }

    /** A loop kernel's grid through {@link Grids#loop}, with the config's work-group size for {@code key}; returns its loop bound. */
    private int loop(TaskGraph g, String task, KernelKey key, IntUnaryOperator items) {
        return grids.loop(g, task, cfg.kernel(key).local(), items);
    }

    private void grid(TaskGraph g, String task, int[] local, IntFunction<int[]> global) {
        grids.grid(g, task, local, global);
    }

    /** The most blocks one prefill graph holds within TornadoVM's graph limits, the bytecode limit as this JVM sets it. */
    public static int maxBlocksPerGraph() {
        return BUDGET.maxBlocks();
    }

    /** How many task graphs one pass executes. */
    public int graphCount() {
        return graphCount;
    }

    /**
     * Runs {@code prompt} from zero states; returns the logits after its last token (vocab), valid
     * until the next call. The states after it are then in the buffer this plan was opened with.
     */
    @Override
    public FloatArray run(int[] prompt) {
        if (prompt.length == 0) throw new IllegalArgumentException("prefill needs at least one token");
        for (int t : prompt) {
            if (t < 0 || t >= dims.vocab()) throw new IllegalArgumentException("token " + t + " outside the vocabulary of " + dims.vocab());
        }
        for (Pass p : passes(prompt.length, capacity, chunk)) run(prompt, p);
        return logits;
    }

    /**
     * One pass: prompt[from, from + len) in the last len of {@code rows} rows (a multiple of the
     * chunk size), rows before {@code start} padding; {@code resume}: continuing from the states of
     * the pass before (which then has no padding).
     */
    public record Pass(int from, int len, int rows, int start, boolean resume) {

        /**
         * Writes this pass into the arrays its kernels read: the tokens behind zero padding, the
         * control words ({@link PrefillKernels#ROWS} ...), and the SSD's length, chunk count and whether
         * it starts from the states the pass before left (else from zero).
         */
        void stage(int[] prompt, int chunk, IntArray tokens, IntArray control, IntArray ssdDims) {
            for (int t = 0; t < start; t++) tokens.set(t, 0);
            OffHeap.copy(prompt, from, tokens, start, len);
            control.set(PrefillKernels.ROWS, rows);
            control.set(PrefillKernels.START, start);
            control.set(PrefillKernels.RESUME, resume ? 1 : 0);
            ssdDims.set(SsdDims.L, rows);
            ssdDims.set(SsdDims.NC, rows / chunk);
            ssdDims.set(SsdDims.HAS_INIT, resume ? 1 : 0);
        }
    }

    /**
     * How a prompt of {@code tokens} runs in passes of at most {@code capacity} rows (a multiple of
     * {@code chunk}): the first takes the remainder, padded at the front to whole chunks (padding is
     * exact only from zero states), every later one {@code capacity} tokens.
     */
    public static List<Pass> passes(int tokens, int capacity, int chunk) {
        if (tokens <= 0 || capacity <= 0 || chunk <= 0 || capacity % chunk != 0) {
            throw new IllegalArgumentException("passes of " + tokens + " tokens, capacity " + capacity + ", chunk " + chunk);
        }
        int first = tokens - (tokens - 1) / capacity * capacity;
        List<Pass> out = new ArrayList<>();
        int rows = Grids.roundUp(first, chunk);
        out.add(new Pass(0, first, rows, rows - first, false));
        for (int from = first; from < tokens; from += capacity) out.add(new Pass(from, capacity, capacity, 0, true));
        return out;
    }

    private void run(int[] prompt, Pass p) {
        p.stage(prompt, chunk, tokens, control, ssdDims);
        grids.resize(p.rows());
        // in order: each graph consumes what the one before it left on the device
        for (int i = firstGraph; i < firstGraph + graphCount; i++) plan.execute(i);
    }
}
