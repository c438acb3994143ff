package org.mamba2j.tornado.model;

import org.mamba2j.tornado.ssd.SsdTasks;

import org.mamba2j.tornado.ssd.KernelPipeline;

import org.mamba2j.model.LayerWeights;
import org.mamba2j.model.MixerDims;

import org.mamba2j.ssd.SsdShape;
import org.mamba2j.tornado.Grids;
import org.mamba2j.tornado.mma.MmaGemm;
import org.mamba2j.tornado.KernelContextEmulator;
import org.mamba2j.tornado.ssd.SsdDims;
import org.mamba2j.tornado.ssd.SsdKernels;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.LongArray;
import uk.ac.manchester.tornado.api.types.arrays.TornadoNativeArray;

import java.util.function.IntFunction;

/**
 * {@link PrefillPlan} as plain Java: the same kernels in the same order over the same buffers (sized
 * for the capacity, poisoned with NaN, shared by the blocks), the KernelContext ones through
 * {@link KernelContextEmulator}, loop kernels to a bound past their work items. The SSD runs its
 * loop kernels (its blocked and tiled twins have their own tests) with the cumsum and the GEMM in
 * the variants asked for. CI's way to run a whole model through the device prefill without TornadoVM.
 */
public final class PrefillPipeline {

    /** Work-group size of the emulated reductions (any power of two). */
    static final int LOCAL = 32;
    /** The row kernels' launch (the head): work-groups of 64, a row of 64 lanes each (the tiny model's 64 columns, one each). */
    static final RowLaunch ROW_LAUNCH = new RowLaunch(64, 1, 1);
    /** Work-group size of the emulated cumsum scan: not a power of two, and below the chunk so chunks go in segments. */
    static final int SCAN_LOCAL = 3;

    private final MixerDims d;
    private final int chunk, capacity;
    /** The SSD's shape at capacity, as PrefillPlan wires it. */
    private final SsdShape ssdShape;
    private final String gemm, cumsum;
    private final DeviceWeights w;
    private final FloatArray[] aNeg, dtBias, D;
    private final FloatArray dtLimits, states, logits;
    private final PackedBlock o;
    private final PackedStates ps;
    private final IntArray control = new IntArray(PrefillKernels.CONTROL_LENGTH), tokens, ssdDims;
    private final IntArray normedHalves, gatedHalves; // fp16 pairs, poisoned with NaN pairs
    private final FloatArray residual, normed, zxbcdt, x, B, C, dtRaw, dt, cum, wState, cb, chunkStates, stateIn, scores, y, gated, last;
    private final FloatArray noZ = new FloatArray(1);
    /** The tensor-core out_proj's output, which the next block's norm (or lastRow) adds onto the residual; a stand-in otherwise. */
    private final FloatArray projected;

    /**
     * {@code gemm}: "loop", "blocked" or "mma" (the tensor-core GEMM through the emulator's MMA, with its
     * out_proj added on by the next block's norm, as PrefillPlan wires it at precision fast); {@code cumsum}: "loop" or "scan". The weights as the device
     * holds them (float32 or 16-bit: the kernels' twins are picked as PrefillPlan picks them);
     * {@code weights} gives each block's A, dt bias and D.
     */
    public PrefillPipeline(MixerDims d, int chunk, int capacity, String gemm, String cumsum, IntFunction<LayerWeights> weights,
                           DeviceWeights w) {
        if (!cumsum.equals("loop") && !cumsum.equals("scan")) throw new IllegalArgumentException("cumsum variant " + cumsum);
        if (gemm.equals("mma") && (d.dInProj() % 8 != 0 || d.dModel() % 8 != 0)) throw new IllegalArgumentException("mma gemm needs widths of whole 8-wide tiles");
        this.d = d;
        this.chunk = chunk;
        this.capacity = capacity;
        this.gemm = gemm;
        this.cumsum = cumsum;
        this.w = w;
        this.o = w.layout();
        this.ps = PackedStates.of(d);
        this.aNeg = new FloatArray[d.nLayer()];
        this.dtBias = new FloatArray[d.nLayer()];
        this.D = new FloatArray[d.nLayer()];
        for (int l = 0; l < d.nLayer(); l++) {
            LayerWeights lw = weights.apply(l);
            aNeg[l] = FloatArray.fromArray(lw.aNeg());
            dtBias[l] = FloatArray.fromArray(lw.dtBias());
            D[l] = FloatArray.fromArray(lw.d());
        }
        this.dtLimits = FloatArray.fromElements(d.dtMin(), d.dtMax());
        SsdShape s = new SsdShape(1, capacity, d.nheads(), d.headdim(), d.ngroups(), d.dstate(), chunk);
        this.ssdShape = s;
        this.ssdDims = IntArray.fromArray(SsdDims.of(s, new SsdDims.Flags(false, false, true, true)));
        this.tokens = new IntArray(capacity);
        int gn = d.ngroups() * d.dstate();
        residual = nan(capacity * d.dModel());
        normed = nan(capacity * d.dModel());
        normedHalves = new IntArray(MmaGemm.halvesSize(capacity, d.dModel()));
        normedHalves.init(-1);
        gatedHalves = new IntArray(MmaGemm.halvesSize(capacity, d.dInner()));
        gatedHalves.init(-1);
        // the tensor-core GEMM writes whole 64-row blocks
        int gemmRows = gemm.equals("mma") ? Grids.roundUp(capacity, MmaGemm.TILE_M) : capacity;
        zxbcdt = nan(gemmRows * d.dInProj());
        projected = gemm.equals("mma") ? nan(gemmRows * d.dModel()) : new FloatArray(1);
        x = nan(capacity * d.dInner());
        B = nan(capacity * gn);
        C = nan(capacity * gn);
        dtRaw = nan(capacity * d.nheads());
        dt = nan(SsdDims.chunkedDtSize(s));
        cum = nan(dt.getSize());
        wState = nan(dt.getSize());
        cb = nan(SsdDims.cbSize(s));
        chunkStates = nan(SsdDims.chunkStatesSize(s));
        stateIn = nan(chunkStates.getSize());
        scores = nan(SsdDims.scoresSize(s));
        y = nan(capacity * d.dInner());
        gated = nan(capacity * d.dInner());
        last = nan(d.dModel());
        states = nan(ps.size());
        logits = nan(d.vocab());
    }

    private static FloatArray nan(int n) {
        FloatArray a = new FloatArray(n);
        a.init(Float.NaN);
        return a;
    }

    /** {@link PrefillPlan#run}: the logits after the prompt; the states after it in {@link #states()}. */
    public FloatArray run(int[] prompt) {
        for (PrefillPlan.Pass p : PrefillPlan.passes(prompt.length, capacity, chunk)) pass(prompt, p);
        return logits;
    }

    public FloatArray states() {
        return states;
    }

    private void pass(int[] prompt, PrefillPlan.Pass p) {
        p.stage(prompt, chunk, tokens, control, ssdDims);
        int rows = p.rows(), gn = d.ngroups() * d.dstate();
        FloatArray small = w.small();
        if (w.embedding() instanceof LongArray e16) {
            PrefillKernels.embedRows16(control, tokens, e16, small, residual, d.dModel(), bound(capacity * d.dModel()), w.decode().arg());
        } else {
            PrefillKernels.embedRows(control, tokens, (FloatArray) w.embedding(), residual, d.dModel(), bound(capacity * d.dModel()));
        }
        for (int l = 0; l < d.nLayer(); l++) {
            int layer = l;
            FloatArray A = aNeg[l], bias = dtBias[l];
            int convAt = ps.conv(l), ssmAt = ps.ssm(l), sm = w.smallAt(l), big = w.bigAt(l);
            Object slab = w.slab(l);
            KernelContextEmulator.run(rows * LOCAL, 1, 1, LOCAL, 1, 1,
                    k -> {
                        if (gemm.equals("mma")) {
                            PrefillKernels.rmsNormRowsHalves(k, residual, projected, layer > 0 ? 1 : 0, small, sm + o.norm(), normedHalves, d.dModel(),
                                    d.eps());
                        } else {
                            PrefillKernels.rmsNormRows(k, residual, small, sm + o.norm(), normed, d.dModel(), d.eps());
                        }
                    });
            gemm(normed, normedHalves, slab, big + o.inProj(), zxbcdt, d.dInProj(), d.dModel(), 0);
            PrefillKernels.causalConv(control, zxbcdt, states, convAt, small, sm + o.convW(), x, B, C, dtRaw, d.dInner(), gn, d.nheads(),
                    d.dConv(), bound(capacity * (d.convDim() + d.nheads())));
            PrefillKernels.saveConvWindow(control, zxbcdt, states, convAt, d.dInner(), d.convDim(), d.dInProj(), d.dConv(),
                    bound(d.convDim() * (d.dConv() - 1)));
            SsdTasks.Buffers ssd = new SsdTasks.Buffers(x, dtRaw, A, bias, dtLimits, B, C, D[l], noZ, states, ssdDims,
                    dt, cum, wState, cb, chunkStates, stateIn, scores, y, states, ssmAt);
            if (cumsum.equals("scan")) { // a group per (chunk, head) of this pass, as PrefillPlan sizes its grid
                KernelContextEmulator.run(rows / chunk * d.nheads() * SCAN_LOCAL, 1, 1, SCAN_LOCAL, 1, 1,
                        k -> SsdKernels.chunkCumsumScan(k, dtRaw, A, bias, dtLimits, ssdDims, dt, cum, wState));
            } else {
                KernelPipeline.cumsum(ssd, ssdShape);
            }
            KernelPipeline.afterCumsum(ssd, ssdShape);
            int groupSize = d.dInner() / d.ngroups();
            KernelContextEmulator.run(rows * d.ngroups() * LOCAL, 1, 1, LOCAL, 1, 1, gemm.equals("mma")
                    ? k -> PrefillKernels.gatedRmsNormRowsHalves(k, y, zxbcdt, small, sm + o.gatedNorm(), gatedHalves, d.dInner(), d.dInProj(), groupSize,
                            d.gatedEps())
                    : k -> PrefillKernels.gatedRmsNormRows(k, y, zxbcdt, small, sm + o.gatedNorm(), gated, d.dInner(), d.dInProj(), groupSize, d.gatedEps()));
            gemm(gated, gatedHalves, slab, big + o.outProj(), residual, d.dModel(), d.dInner(), 1);
        }
        PrefillKernels.lastRow(control, residual, projected, gemm.equals("mma") ? 1 : 0, last, d.dModel(), bound(d.dModel()));
        Object head = w.lmHead();
        FloatArray h32 = head instanceof FloatArray f ? f : new FloatArray(1);
        LongArray h16 = head instanceof LongArray h ? h : new LongArray(1);
        int format = MixerKernels.weightsArg(w.format((TornadoNativeArray) head), w.decode());
        MixerKernelsTest.runRows(ROW_LAUNCH, d.vocab(), d.dModel(),
                (k, lanes) -> MixerKernels.normMatVecOut(k, last, small, w.normF(), h32, h16, format, logits, d.vocab(), d.dModel(), d.eps(), lanes));
    }

    private void gemm(FloatArray a, IntArray halves, Object weights, int wOff, FloatArray out, int n, int k, int accumulate) {
        if (gemm.equals("mma")) {
            FloatArray target = accumulate != 0 ? projected : out;
            FloatArray w32 = weights instanceof FloatArray f ? f : new FloatArray(1);
            LongArray w16 = weights instanceof LongArray h ? h : new LongArray(1);
            int format = MmaGemm.format(w.format((TornadoNativeArray) weights));
            KernelContextEmulator.run(Grids.tileEdge(n, MmaGemm.TILE_N, MmaGemm.LOCAL), Grids.roundUp(control.get(PrefillKernels.ROWS), MmaGemm.TILE_M)
                    / MmaGemm.TILE_M, 1, MmaGemm.LOCAL, 1, 1, kc -> MmaGemm.gemm(kc, control, a, halves, w.small(), MmaGemm.HALVES, w32, w16, format, wOff, target, n, k, k));
            return;
        }
        if (weights instanceof LongArray h) PrefillKernelsTest.gemm16(gemm, control, a, h, w.small(), w.decode(), wOff, out, n, k, accumulate);
        else PrefillKernelsTest.gemm(gemm, control, a, (FloatArray) weights, wOff, out, n, k, accumulate);
    }

    /** A loop bound at capacity and past it, as the task argument of PrefillPlan is: the kernels must skip the surplus. */
    private static int bound(int items) {
        return PrefillKernelsTest.pad(items);
    }
}
