package org.mamba2j.tornado.model;

import org.mamba2j.tornado.DeviceConfig.KernelKey;
import org.mamba2j.model.MixerDims;
import org.mamba2j.tornado.DeviceConfig;
import org.mamba2j.tornado.Grids;
import org.mamba2j.tornado.Packed16;
import org.mamba2j.tornado.TornadoDevices;
import org.mamba2j.tornado.mma.MmaGemm;
import org.mamba2j.tornado.ssd.SsdBlockedKernels;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.HalfFloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.LongArray;
import uk.ac.manchester.tornado.api.types.arrays.TornadoNativeArray;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;

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
 * greedy pick comes out; the logits (capacity × vocab) only when a sampler asks for them. A prefill of one prompt, opened with
 * {@link #handoff}, leaves its states in a device buffer of one sequence's, which {@link #load} copies into a slot on the device
 * (the graph "batchHandoff" owns that buffer; every graph of the step consumes it, whether a task reads it or not, so that it is
 * at hand whichever graph a prefill or a load follows).
 */
public final class BatchDecodePlan {

    /*
     * Graph budget of a block, as DecodePlan counts it, for the larger of the two steps: tasks, the
     * unfused step's 6 (norm 7 arguments, in_proj GEMM 11 at most, conv 16, ssd 20, gated norm 10,
     * out_proj GEMM 11); arguments, the fused step's 81 from 16-bit weights (5 tasks: in_proj split
     * GEMM 14 on tensor cores, conv 16, ssd 20, out_proj split GEMM 14, residual and norm 17; a 16-bit
     * GEMM takes the decode); 8 written arguments, 8 block offsets; bytecode as PrefillPlan budgets it.
     */
    static final int TASKS_PER_BLOCK = 6;
    /** Tasks of a block with batchGemm "blocked": in_proj, conv, ssd, out_proj, residual. */
    static final int FUSED_TASKS_PER_BLOCK = 5;
    static final int ARGS_PER_BLOCK = 81;
    static final int NODES_PER_BLOCK = TASKS_PER_BLOCK + 8 + 8;
    static final int BYTECODE_PER_BLOCK = 3 * (TASKS_PER_BLOCK * 33 + ARGS_PER_BLOCK * 5) / 2;
    /**
     * From 16-bit weights: embed (8 arguments), the head's norm (7) and GEMM (11), argmax (4); fused,
     * embed and norm (13), the head's GEMM (14), argmax (4).
     */
    static final int EDGE_TASKS = 4;
    static final int FUSED_EDGE_TASKS = 3;
    static final int EDGE_ARGS = 31;
    /**
     * Objects: control, input, 6 activations, states (and the 16-bit SSM states), the prefill's hand-off, logits, picks, the
     * KernelContext, the embedding's stand-in, on tensor cores the other weight format's two stand-ins, the fp16
     * activations' one, the norms' and the SSD step's fp16 outputs, the weights (up to 11).
     */
    static final int GRAPH_OBJECTS = 31;
    static final int NODES_PER_GRAPH = 2 + GRAPH_OBJECTS * DecodePlan.NODES_PER_OBJECT + 2 * EDGE_TASKS + 2 + 40;
    static final int BYTECODE_PER_GRAPH = 3 * (GRAPH_OBJECTS * (25 + 4 + 9) + EDGE_TASKS * 33 + EDGE_ARGS * 5) / 2;
    static final GraphBudget BUDGET = new GraphBudget(TASKS_PER_BLOCK, ARGS_PER_BLOCK, NODES_PER_BLOCK, BYTECODE_PER_BLOCK, EDGE_TASKS,
            EDGE_ARGS, NODES_PER_GRAPH, BYTECODE_PER_GRAPH);

    private final MixerDims dims;
    /** stateSize: the float32 states of a slot (all its {@link PackedStates}, or with 16-bit SSM states the conv windows alone). */
    private final int capacity, stateSize;
    /**
     * How the SSM states are held (the config's {@code batchStates}: precision fast on the CUDA backend): float32 with the
     * conv windows ({@link BatchKernels#ssdStepRows}), or fp16 ({@link BatchKernels#ssdStepRowsF16}) or bf16 quads
     * ({@link BatchKernels#ssdStepRowsBf16}) in an array of their own.
     */
    private final BatchStates ssmStates;
    /**
     * The config's batchGemm "blocked": split-k GEMMs ({@link GemmKernels#splitGemm}) whose partial
     * products their consumers sum, the norms folded into the kernels around them; else the
     * prefill's GEMMs and norm tasks of their own.
     */
    private final boolean fused;
    /**
     * Fused, at precision fast where the config's gemm is on tensor cores (PTX, CUDA): in_proj and the lm_head
     * on tensor cores ({@link MmaGemm#gemm}'s 64×64 tiles whatever the prefill's tile; fp16 operands, fp32 sums), which store whole 64-row tiles, so
     * every split's partial products (and the logits) take {@link #rowSpan} rows. The out_proj's
     * activations are computed products (y times the gated norm's weight): the SSD step makes them
     * fp16 pairs ({@link #outHalves}), once a row, for the out_proj on tensor cores; where the split
     * does not suit it (k of a split not a multiple of 4) the out_proj stays on the float32 split GEMM,
     * as the tensor-core staging would round each product to fp16 in software for every output tile
     * (0.98 against 0.54 ms of a step of 64 on the H200, docs/tensor-cores.md). Likewise the norms before in_proj and the
     * lm_head write their rows as fp16 pairs ({@link #normedHalves}) for a product on tensor cores.
     */
    private final boolean tensorCores;
    /** Whether the out_proj runs on tensor cores from {@link #outHalves} (see {@link #tensorCores}). */
    private final boolean halvesOut;
    /** Whether in_proj and the lm_head run on tensor cores from {@link #normedHalves}, the norms' fp16 pairs. */
    private final boolean halvesIn, halvesHead;
    /** The SSD step's y times the gated norm's weight as fp16 pairs (capacity × dInner / 2), the tensor-core out_proj's operand; else a stand-in. */
    private final IntArray outHalves;
    /** The normalized rows as fp16 pairs (capacity × dModel / 2), the tensor-core in_proj's and lm_head's operand; else a stand-in. */
    private final IntArray normedHalves;
    /** The products placed on tensor cores, by task name without its block prefix (inProj, outProj, head), for the report. */
    private final Set<String> onTensorCores = new LinkedHashSet<>();
    /** Rows of each split's partial products and of the logits: the capacity, rounded up to 64 rows on tensor cores. */
    private final int rowSpan;
    /** The tensor-core GEMM's stand-ins for the weight format a matrix is not in. */
    private final FloatArray noW32 = new FloatArray(1);
    private final LongArray noW16 = new LongArray(1);
    private final IntArray noHalves = new IntArray(1);
    /** The k of one split of in_proj and out_proj, and their splits (1 and the whole k unless fused). */
    private final int inLen, inSplits, outLen, outSplits;
    private final DeviceConfig.Batch batchCfg;
    /** {rows = capacity, start 0, resume 0}: the prefill kernels' control words, fixed here. */
    private final IntArray control = new IntArray(PrefillKernels.CONTROL_LENGTH);
    /** tokens (capacity) | modes (capacity). */
    private final IntArray input;
    private final IntArray slot = new IntArray(1);
    /** Each slot's greedy pick after a step ({@link BatchKernels#argmaxRows}): what comes back every step. */
    private final IntArray next;
    private final FloatArray logits;
    private final ModelPlan plan;
    private final int loadGraph, firstGraph, lastGraph, graphCount;
    private final StatesOnDevice handoff;
    private boolean statesOnDevice;
    private double lastKernelMs = Double.NaN;

    /**
     * The activations every block reads and writes, (capacity, ·); fused, zxbcdt holds in_proj's
     * inSplits partial products and gated out_proj's outSplits (capacity, dModel) ones, y the SSD's
     * gated output.
     */
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
        if ((long) capacity * ps.size() > DeviceWeights.MAX_ELEMENTS || (long) capacity * dims.vocab() > DeviceWeights.MAX_ELEMENTS) {
            throw new IllegalArgumentException("a batch of " + capacity + " sequences of this model does not fit int-indexed device arrays ("
                    + ps.size() + " state floats per sequence)");
        }
        this.ssmStates = cfg.batchStates(TornadoDevices.backend(device)).forShape(dims.headdim(), dims.dstate());
        boolean apart = ssmStates != BatchStates.F32;
        // a slot's float32 states (with 16-bit SSM states, the conv windows alone) and its 16-bit ones (the SSM states; unused without)
        PackedStates floats = apart ? new PackedStates(ps.convSize(), 0, ps.blocks()) : ps;
        PackedStates halves = new PackedStates(0, ps.ssmSize(), ps.blocks());
        this.stateSize = floats.size();
        this.fused = cfg.kernel(KernelKey.BATCH_GEMM).blocked() && dims.ngroups() <= BatchKernels.MAX_GROUPS;
        this.batchCfg = cfg.batch();
        this.tensorCores = fused && PrefillPlan.tensorCoreGemm(cfg, dims);
        this.rowSpan = tensorCores ? Grids.roundUp(capacity, MmaGemm.TILE_M) : capacity;
        int rowTiles = (capacity + 63) / 64;
        this.inLen = fused ? batchCfg.splitLength(dims.dModel(), 1, (dims.dInProj() + 63) / 64 * rowTiles) : dims.dModel();
        this.inSplits = (dims.dModel() + inLen - 1) / inLen;
        this.outLen = fused ? batchCfg.splitLength(dims.dInner(), dims.ngroups(), (dims.dModel() + 63) / 64 * rowTiles) : dims.dInner();
        this.outSplits = (dims.dInner() + outLen - 1) / outLen;
        int stepRows = batchCfg.ssdLocal() / batchCfg.ssdLanes();
        this.halvesOut = suitsTensorCores(dims.dModel(), dims.dInner(), outLen, plan.weights().slab(0), true) && stepRows % 2 == 0
                && stepRows <= BatchKernels.MAX_STEP_ROWS;
        this.outHalves = new IntArray(halvesOut ? MmaGemm.halvesSize(capacity, dims.dInner()) : 1);
        this.halvesIn = suitsTensorCores(dims.dInProj(), dims.dModel(), inLen, plan.weights().slab(0), true);
        this.halvesHead = suitsTensorCores(dims.vocab(), dims.dModel(), dims.dModel(), plan.weights().lmHead(), true);
        this.normedHalves = new IntArray(halvesIn || halvesHead ? MmaGemm.halvesSize(capacity, dims.dModel()) : 1);
        this.input = new IntArray(2 * capacity);
        this.next = new IntArray(capacity);
        this.logits = new FloatArray(rowSpan * dims.vocab());
        control.set(PrefillKernels.ROWS, capacity);
        FloatArray states = new FloatArray(capacity * stateSize);
        HalfFloatArray ssm16 = new HalfFloatArray(ssmStates == BatchStates.F16 ? capacity * halves.size() : 1);
        LongArray ssmQuads = ssmStates == BatchStates.BF16 ? Packed16.allocate((long) capacity * halves.size()) : new LongArray(1);
        Object[] slots = switch (ssmStates) { // every slot's states
            case F32 -> new Object[]{states};
            case F16 -> new Object[]{states, ssm16};
            case BF16 -> new Object[]{states, ssmQuads};
        };
        this.handoff = new StatesOnDevice(plan, "batchHandoff", ps.size());
        FloatArray handed = handoff.array();
        Rows r = new Rows(new FloatArray(capacity * dims.dModel()), new FloatArray(capacity * dims.dModel()),
                new FloatArray(Math.multiplyExact(inSplits, rowSpan * dims.dInProj())), new FloatArray(capacity * dims.convDim()),
                new FloatArray(capacity * dims.dInner()),
                new FloatArray(fused ? Math.multiplyExact(outSplits, rowSpan * dims.dModel()) : capacity * dims.dInner()));
        DeviceWeights w = plan.weights();
        Object[] weights = w.all();
        plan.reserve("batch", concat(concat(new Object[]{control, input, slot, next, handed, logits, noW32, noW16, noHalves, outHalves,
                normedHalves}, slots),
                r.all()));
        Grids grids = new Grids(device, capacity, plan.grids());
        KernelContext ctx = new KernelContext();

        Object[] carried = concat(weights, new Object[]{handed}); // in every graph, so that a prefill or a load finds them
        TaskGraph load = new TaskGraph("batchLoad")
                .consumeFromDevice(handoff.graph(), carried)
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, slot)
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, slots);
        switch (ssmStates) {
            case F32 -> load.task("load", BatchKernels::loadSlot, handed, slot, states, stateSize);
            case F16 -> load.task("load", BatchKernels::loadSlotF16, handed, slot, states, ssm16, ps.convSize(), ps.ssmSize(), ps.blocks());
            case BF16 -> load.task("load", BatchKernels::loadSlotBf16, handed, slot, states, ssmQuads, ps.convSize(), ps.ssmSize(), ps.blocks());
        }
        load.persistOnDevice(slots);
        this.loadGraph = plan.add(load);

        int[] split = DecodePlan.split(dims.nLayer(), BUDGET.maxBlocks());
        // the tensor-core GEMM's stand-ins travel with the graphs' own objects only where it runs
        Object[] standIns = tensorCores ? new Object[]{noW32, noW16, noHalves, outHalves, normedHalves} : new Object[0];
        Object[] own = concat(concat(new Object[]{control, input}, standIns), r.all());
        TaskGraph g = new RoomyTaskGraph("batch")
                .consumeFromDevice(load.getTaskGraphName(), concat(carried, slots))
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, input)
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, concat(concat(new Object[]{control}, standIns), r.all()));
        if (fused) {
            // the embedding table of the other format: a one-element stand-in of the graph's own
            Object e = w.embedding();
            FloatArray e32 = DeviceWeights.asFloat32(e, new FloatArray(1));
            LongArray e16 = DeviceWeights.as16Bit(e, new LongArray(1));
            g.transferToDevice(DataTransferMode.FIRST_EXECUTION, e instanceof FloatArray ? e16 : e32);
            g.task("embed", BatchKernels::embedNormRows, ctx, input, e32, e16, MixerKernels.weightsArg(w.format((TornadoNativeArray) e), w.decode()),
                    w.small(), w.smallAt(0) + w.layout().norm(), r.residual, r.normed, normedHalves, halvesIn ? 1 : 0, dims.dModel(), dims.eps());
            grids.groups(g, "embed", cfg.kernel(KernelKey.RMS_NORM).local(), rows -> rows);
        } else {
            RowTasks.embed(g, grids, cfg, w, control, input, r.residual, dims.dModel());
        }
        RowTasks.Chain chain = RowTasks.chain(plan, g, split, own, concat(carried, concat(slots, own)),
                (graph, l) -> addBlock(graph, "b" + l + "_", l, floats, states, halves, ssm16, ssmQuads, r, grids, cfg, ctx));
        g = chain.last();
        g.transferToDevice(DataTransferMode.FIRST_EXECUTION, logits);
        if (fused) {
            // the last block's residual task left norm_f's output in normed
            splitGemm(g, "head", r.normed, halvesHead ? normedHalves : null, -1, w.lmHead(), 0, logits, dims.vocab(), dims.dModel(), dims.dModel(), 0,
                    grids, ctx);
        } else {
            g.task("headNorm", PrefillKernels::rmsNormRows, ctx, r.residual, w.small(), w.normF(), r.normed, dims.dModel(), dims.eps());
            grids.groups(g, "headNorm", cfg.kernel(KernelKey.RMS_NORM).local(), rows -> rows);
            RowTasks.gemm(g, "head", grids, cfg, ctx, control, r.normed, w.lmHead(), w.small(), w.decode(), 0, logits, dims.vocab(), dims.dModel(), 0);
        }
        g.task("argmax", BatchKernels::argmaxRows, ctx, logits, next, dims.vocab());
        grids.groups(g, "argmax", cfg.batch().argmaxLocal(), rows -> rows);
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
    private void addBlock(TaskGraph g, String p, int l, PackedStates ps, FloatArray states, PackedStates halves, HalfFloatArray ssm16,
                          LongArray ssmQuads, Rows r, Grids grids, DeviceConfig cfg, KernelContext ctx) {
        MixerDims d = dims;
        DeviceWeights w = plan.weights();
        PackedBlock o = w.layout();
        FloatArray small = w.small();
        int sm = w.smallAt(l), big = w.bigAt(l);
        if (fused) {
            splitGemm(g, p + "inProj", r.normed, halvesIn ? normedHalves : null, -1, w.slab(l), big + o.inProj(), r.zxbcdt, d.dInProj(), d.dModel(), inLen,
                    rowSpan * d.dInProj(), grids, ctx);
        } else {
            g.task(p + "norm", PrefillKernels::rmsNormRows, ctx, r.residual, small, sm + o.norm(), r.normed, d.dModel(), d.eps());
            grids.groups(g, p + "norm", cfg.kernel(KernelKey.RMS_NORM).local(), rows -> rows);
            RowTasks.gemm(g, p + "inProj", grids, cfg, ctx, control, r.normed, w.slab(l), small, w.decode(), big + o.inProj(), r.zxbcdt, d.dInProj(), d.dModel(), 0);
        }
        int inStride = rowSpan * d.dInProj();
        int convLoop = grids.loop(g, p + "conv", cfg.kernel(KernelKey.CONV).local(), rows -> rows * d.convDim());
        g.task(p + "conv", BatchKernels::convStepRows, input, r.zxbcdt, states, ps.conv(l), stateSize, small, sm + o.convW(), r.xbc,
                d.xbcOffset(), d.dInProj(), d.convDim(), d.dConv(), capacity, inSplits, inStride, convLoop);
        int lanes = batchCfg.ssdLanes(), ssdLocal = batchCfg.ssdLocal(), perGroup = ssdLocal / lanes;
        int output = halvesOut ? sm + o.gatedNorm() : fused ? BatchKernels.Y_GATED : BatchKernels.Y_PLAIN;
        switch (ssmStates) {
            case F32 -> g.task(p + "ssd", BatchKernels::ssdStepRows, ctx, input, r.zxbcdt, r.xbc, states, ps.ssm(l), stateSize, small,
                    sm + o.dtBias(), r.y, outHalves, d.nheads(), d.headdim(), d.ngroups(), d.dstate(), capacity, inSplits, inStride, lanes, output);
            case F16 -> g.task(p + "ssd", BatchKernels::ssdStepRowsF16, ctx, input, r.zxbcdt, r.xbc, ssm16, halves.ssm(l), halves.size(), small,
                    sm + o.dtBias(), r.y, outHalves, d.nheads(), d.headdim(), d.ngroups(), d.dstate(), capacity, inSplits, inStride, lanes, output);
            case BF16 -> g.task(p + "ssd", BatchKernels::ssdStepRowsBf16, ctx, input, r.zxbcdt, r.xbc, ssmQuads, halves.ssm(l), halves.size(),
                    small, sm + o.dtBias(), r.y, outHalves, d.nheads(), d.headdim(), d.ngroups(), d.dstate(), capacity, inSplits, inStride, lanes,
                    output);
        }
        int rowsPerRun = ssmStates == BatchStates.BF16 ? BatchKernels.QUAD_ROWS : 1; // a run of lanes takes QUAD_ROWS rows there
        grids.groups(g, p + "ssd", ssdLocal, rows -> (rows * d.dInner() / rowsPerRun + perGroup - 1) / perGroup);
        if (fused) {
            int outStride = rowSpan * d.dModel();
            splitGemm(g, p + "outProj", r.y, halvesOut ? outHalves : null, sm + o.gatedNorm(), w.slab(l), big + o.outProj(), r.gated,
                    d.dModel(), d.dInner(), outLen, outStride, grids, ctx);
            boolean last = l + 1 == d.nLayer();
            g.task(p + "residual", BatchKernels::residualNormRows, ctx, r.y, r.gated, r.residual, small, last ? w.normF() : w.smallAt(l + 1) + o.norm(),
                    r.normed, normedHalves, (last ? halvesHead : halvesIn) ? 1 : 0, d.dModel(), d.dInner(), d.ngroups(), outSplits, outLen, outStride,
                    d.gatedEps(), d.eps());
            grids.groups(g, p + "residual", cfg.kernel(KernelKey.RMS_NORM).local(), rows -> rows);
        } else {
            g.task(p + "gatedNorm", PrefillKernels::gatedRmsNormRows, ctx, r.y, r.zxbcdt, small, sm + o.gatedNorm(), r.gated, d.dInner(),
                    d.dInProj(), d.dInner() / d.ngroups(), d.gatedEps());
            grids.groups(g, p + "gatedNorm", cfg.kernel(KernelKey.GATED_NORM).local(), rows -> rows * d.ngroups());
            RowTasks.gemm(g, p + "outProj", grids, cfg, ctx, control, r.gated, w.slab(l), small, w.decode(), big + o.outProj(), r.residual, d.dModel(),
                    d.dInner(), 1);
        }
    }

    /**
     * A {@link GemmKernels#splitGemm} task (the twin for the weights' format), or on tensor cores an
     * {@link MmaGemm#gemm}: out[s] = the split-k partial products of a·diag(small[colScale ..])·Wᵀ
     * (colScale &lt; 0: a·Wᵀ), kLen of k per split, partStride apart (rowSpan rows each on tensor
     * cores); grid (⌈n/64⌉, ⌈rows/64⌉, splits) tiles. {@code halves}: that product's activations
     * already as fp16 pairs (the norms', the SSD step's), for the tensor cores; null where there are none.
     */
    private void splitGemm(TaskGraph g, String task, FloatArray a, IntArray halves, int colScale, Object weights, int wOff, FloatArray out,
                           int n, int k, int kLen, int partStride, Grids grids, KernelContext ctx) {
        DeviceWeights w = plan.weights();
        FloatArray small = w.small();
        int splits = (k + kLen - 1) / kLen;
        // fp16 pairs (see tensorCores) or unscaled float32 activations
        if ((colScale < 0 || halves != null) && suitsTensorCores(n, k, kLen, weights, halves != null)) {
            int activations = halves != null ? MmaGemm.HALVES : colScale;
            g.task(task, MmaGemm::gemm, ctx, control, a, halves != null ? halves : noHalves, small, activations,
                    DeviceWeights.asFloat32(weights, noW32), DeviceWeights.as16Bit(weights, noW16),
                    MmaGemm.format(w.format((TornadoNativeArray) weights)), wOff, out, n, k, kLen);
            grids.warpTiles(g, task, n, capacity, MmaGemm.TILE_N, MmaGemm.LOCAL, rows -> splits);
            onTensorCores.add(task.substring(task.indexOf('_') + 1));
            return;
        }
        if (weights instanceof LongArray h) {
            g.task(task, GemmKernels::splitGemm16, ctx, a, small, colScale, h, wOff, out, n, k, kLen, capacity, partStride, w.decode().arg());
        } else {
            g.task(task, GemmKernels::splitGemm, ctx, a, small, colScale, (FloatArray) weights, wOff, out, n, k, kLen, capacity, partStride);
        }
        grids.tiles(g, task, n, capacity, SsdBlockedKernels.TILE, SsdBlockedKernels.THREADS, rows -> splits);
    }

    /**
     * Whether a product of n outputs over k, kLen of it a split, over {@code weights} goes on tensor cores: where they run,
     * whole 8-wide tiles (every projection, tensorCoreGemm; the lm_head where the vocabulary allows), 16-bit weights a long
     * at a time, fp16 pairs ({@code pairs}) whole in a row and in a split.
     */
    private boolean suitsTensorCores(int n, int k, int kLen, Object weights, boolean pairs) {
        return tensorCores && n % 8 == 0 && (weights instanceof FloatArray || kLen % 4 == 0) && (!pairs || k % 2 == 0 && kLen % 2 == 0);
    }

    private static Object[] concat(Object[] a, Object... b) {
        Object[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    public int capacity() {
        return capacity;
    }

    /** The products that run on tensor cores (inProj, outProj, head), in the order placed; empty where none does. */
    public Set<String> onTensorCores() {
        return Collections.unmodifiableSet(onTensorCores);
    }

    /** How the SSM states are held ({@link #ssmStates}). */
    public BatchStates ssmStates() {
        return ssmStates;
    }

    /** How many task graphs one step executes. */
    public int graphCount() {
        return graphCount;
    }

    /** Tasks one step launches: fused (split-k GEMMs, the norms folded into the kernels around them) 5 per block and 3 more, else 6 and 4. */
    public int taskCount() {
        return fused ? dims.nLayer() * FUSED_TASKS_PER_BLOCK + FUSED_EDGE_TASKS : dims.nLayer() * TASKS_PER_BLOCK + EDGE_TASKS;
    }

    /** The splits of k of the in_proj and out_proj GEMMs (1 unless fused). */
    public int[] splits() {
        return new int[]{inSplits, outSplits};
    }

    /** The device's kernel time of the last step in ms, NaN unless profiling. */
    public double lastKernelMs() {
        return lastKernelMs;
    }

    /** The device buffer a prefill of one prompt leaves its states in, for {@link #load}; placed before the first step or prefill. */
    public StatesOnDevice handoff() {
        return handoff;
    }

    /** Slot {@code s} continues from the states a prefill into {@link #handoff} just left there (copied on the device). */
    public void load(int s) {
        if (s < 0 || s >= capacity) throw new IllegalArgumentException("slot " + s + " of a batch of " + capacity);
        if (!handoff.placed()) throw new IllegalStateException("no prefill has run into the hand-off buffer");
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
            handoff.place();
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
