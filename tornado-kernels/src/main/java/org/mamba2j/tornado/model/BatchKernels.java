package org.mamba2j.tornado.model;

import org.mamba2j.tornado.Packed16;
import org.mamba2j.tornado.WorkGroups;
import org.mamba2j.tornado.mma.MmaTiles;
import org.mamba2j.tornado.ssd.SsdKernels;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.annotations.Parallel;
import uk.ac.manchester.tornado.api.types.BFloat16;
import uk.ac.manchester.tornado.api.types.HalfFloat;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.HalfFloatArray;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.LongArray;

/**
 * The per-sequence parts of a decode step for a batch of sequences ({@link BatchDecodePlan}); the
 * parts that read weights are the prefill's row kernels ({@link PrefillKernels}: one row per
 * sequence, each weight read once for the whole batch). Activations are (batch, features)
 * row-major; every slot b has its own states at states[b · stateStride] in the {@link PackedStates}
 * layout. {@code input} = tokens (batch) | modes (batch): what each slot does this step,
 * {@link #HOLD}, {@link #STEP} or {@link #RESTART}.
 */
public final class BatchKernels {

    /** The slot sits this step out: its states stay as they are (its rows are computed and ignored). */
    public static final int HOLD = 0;
    /** The slot consumes its token, continuing from its states. */
    public static final int STEP = 1;
    /** The slot consumes its token from zero states: the first token of a sequence. */
    public static final int RESTART = 2;

    private BatchKernels() {
    }

    /**
     * xbc[b, c] = SiLU(causal conv of channel c of slot b) for the x | B | C channels of every row of
     * zxbcdt (xbcOffset is where they start in a row), advancing the slot's conv window as
     * {@link MixerKernels#normInProjConv} does for one sequence; a held slot's window stays, its row
     * is 0. zxbcdt is the sum of {@code splits} partial products partStride apart (a split-k
     * {@link GemmKernels#splitGemm}'s; 1 and 0 for a whole one). i over batch · convDim.
     */
    public static void convStepRows(IntArray input, FloatArray zxbcdt, FloatArray states, int convAt, int stateStride, FloatArray w,
                                    int convWOff, FloatArray xbc, int xbcOffset, int dInProj, int convDim, int dConv, int batch, int splits,
                                    int partStride, int padded) {
        for (@Parallel int i = 0; i < padded; i++) {
            if (i < batch * convDim) {
                int b = i / convDim;
                int c = i - b * convDim;
                int mode = input.get(batch + b);
                float v = 0f;
                if (mode != HOLD) {
                    v = MixerKernels.convChannel(mode == RESTART ? 1 : 0, sumParts(zxbcdt, b * dInProj + xbcOffset + c, splits, partStride), states,
                            b * stateStride + convAt + c * (dConv - 1), w, convWOff + c * dConv, w.get(convWOff + convDim * dConv + c), dConv);
                }
                xbc.set(i, v);
            }
        }
    }

    /** p[i] + p[i + stride] + ... over {@code splits} partial products. */
    static float sumParts(FloatArray p, int i, int splits, int stride) {
        float s = p.get(i);
        for (int q = 1; q < splits; q++) {
            s += p.get(i + q * stride);
        }
        return s;
    }

    /**
     * The recurrent SSD step of every slot, as {@link MixerKernels#ssdStep} per sequence: {@code lanes}
     * consecutive work items (a power of two, a warp on a GPU) per (slot, head, channel) row r, each
     * the dstate entries lane, lane + lanes, ... of the row's state (coalesced), so a work-group of
     * local work items holds local / lanes rows; the row's dot product with C is a tree over its lanes
     * in local memory (log₂ lanes barriers). zxbcdt (z and dt) is the sum of {@code splits} partial
     * products partStride apart. y[b, p] = the output; times silu(z[b, p]) unless {@code output} is
     * {@link #Y_PLAIN} (un-normalized: the gated norm's scale comes after the out_proj, {@link #residualNormRows});
     * where output ≥ 0 also y times the gated norm's weight as fp16 pairs in halves ({@link #stepOutput}).
     * RESTART starts the row from zero states, HOLD leaves them as they are (the row is computed and
     * meaningless). Grid: ⌈batch · dInner / (local / lanes)⌉ work-groups of local.
     */
    public static void ssdStepRows(KernelContext ctx, IntArray input, FloatArray zxbcdt, FloatArray xbc, FloatArray states, int stateOff,
                                   int stateStride, FloatArray w, int headsOff, FloatArray y, IntArray halves, int nheads, int headdim,
                                   int ngroups, int dstate, int batch, int splits, int partStride, int lanes, int output) {
        int dInner = nheads * headdim;
        int row = ctx.groupIdx * (ctx.localGroupSizeX / lanes) + ctx.localIdx / lanes;
        boolean valid = row < batch * dInner;
        int r = valid ? row : 0;
        int b = r / dInner, mode = input.get(batch + b), bOff = stepB(r, nheads, headdim, ngroups, dstate);
        float dt = stepDt(zxbcdt, w, headsOff, r, nheads, headdim, ngroups, dstate, splits, partStride);
        float x = stepX(xbc, r, nheads, headdim, ngroups, dstate);
        float acc = MixerKernels.stateRow(states, b * stateStride + stateOff + (r - b * dInner) * dstate, xbc, bOff, bOff + ngroups * dstate,
                stepDecay(w, headsOff, r, nheads, headdim, dt), x * dt, mode == RESTART ? 1 : 0, valid & mode != HOLD ? 1 : 0, ctx.localIdx % lanes,
                lanes, dstate);
        stepOutput(ctx, acc, valid, x, zxbcdt, w, headsOff, y, halves, r, nheads, headdim, ngroups, dstate, splits, partStride, lanes, output);
    }

    /**
     * {@link #ssdStepRows} with the SSM states stored as fp16, read into and updated in float32: half the state traffic, most
     * of the step's (precision fast, the config's {@code f16BatchStates}). The CUDA backend only: TornadoVM 5.2 stores a
     * computed float as fp16 there (PTX does not compile it; an OpenCL device without half has no HalfFloatArray). states16
     * holds the SSM states alone ({@link PackedStates} of no conv state), stateStride16 elements a slot.
     */
    public static void ssdStepRowsF16(KernelContext ctx, IntArray input, FloatArray zxbcdt, FloatArray xbc, HalfFloatArray states16,
                                      int stateOff, int stateStride16, FloatArray w, int headsOff, FloatArray y, IntArray halves, int nheads,
                                      int headdim, int ngroups, int dstate, int batch, int splits, int partStride, int lanes, int output) {
        int dInner = nheads * headdim;
        int row = ctx.groupIdx * (ctx.localGroupSizeX / lanes) + ctx.localIdx / lanes;
        boolean valid = row < batch * dInner;
        int r = valid ? row : 0;
        int b = r / dInner, mode = input.get(batch + b), bOff = stepB(r, nheads, headdim, ngroups, dstate);
        float dt = stepDt(zxbcdt, w, headsOff, r, nheads, headdim, ngroups, dstate, splits, partStride);
        float x = stepX(xbc, r, nheads, headdim, ngroups, dstate);
        float acc = MixerKernels.stateRowF16(states16, b * stateStride16 + stateOff + (r - b * dInner) * dstate, xbc, bOff,
                bOff + ngroups * dstate, stepDecay(w, headsOff, r, nheads, headdim, dt), x * dt, mode == RESTART ? 1 : 0,
                valid & mode != HOLD ? 1 : 0, ctx.localIdx % lanes, lanes, dstate);
        stepOutput(ctx, acc, valid, x, zxbcdt, w, headsOff, y, halves, r, nheads, headdim, ngroups, dstate, splits, partStride, lanes, output);
    }

    /**
     * {@link #ssdStepRows} with the SSM states stored as bf16 four to a long ({@link Packed16}'s layout: entry n of a row in
     * long n / 4), read into and updated in float32, stored rounded to nearest ({@link BatchStates#BF16}; the CUDA backend,
     * where TornadoVM 5.2 converts both ways natively). A run of {@code lanes} work items takes {@link #QUAD_ROWS} consecutive
     * rows of one head (headdim a multiple of QUAD_ROWS) and each of its items the quads lane, lane + lanes, ... of every
     * one of them (dstate a multiple of 4): a round reads a long of each row and the quad's B and C once for the four, 16
     * memory instructions for 16 entries where the fp16 step takes 64. Each item's four partial sums meet in local memory;
     * the run's first items sum two rows each over the run and write their outputs (and their fp16 pair,
     * where output ≥ 0, as {@link #stepOutput} does). stateOff and stateStride count entries (multiples of 4). Grid:
     * ⌈batch · dInner / QUAD_ROWS / (local / lanes)⌉ work-groups of local (at most {@link #MAX_STEP_LOCAL}).
     */
    public static void ssdStepRowsBf16(KernelContext ctx, IntArray input, FloatArray zxbcdt, FloatArray xbc, LongArray quads, int stateOff,
                                       int stateStride, FloatArray w, int headsOff, FloatArray y, IntArray halves, int nheads, int headdim,
                                       int ngroups, int dstate, int batch, int splits, int partStride, int lanes, int output) {
        int dInner = nheads * headdim;
        int lane = ctx.localIdx % lanes;
        int run = ctx.groupIdx * (ctx.localGroupSizeX / lanes) + ctx.localIdx / lanes;
        boolean valid = run * QUAD_ROWS < batch * dInner;
        int r = valid ? run * QUAD_ROWS : 0; // the run's first row: its rows share the slot, the head (dt, the decay) and B, C
        int b = r / dInner, mode = input.get(batch + b), bOff = stepB(r, nheads, headdim, ngroups, dstate), cOff = bOff + ngroups * dstate;
        float dt = stepDt(zxbcdt, w, headsOff, r, nheads, headdim, ngroups, dstate, splits, partStride);
        float decay = stepDecay(w, headsOff, r, nheads, headdim, dt);
        float x0 = stepX(xbc, r, nheads, headdim, ngroups, dstate), x1 = stepX(xbc, r + 1, nheads, headdim, ngroups, dstate);
        float x2 = stepX(xbc, r + 2, nheads, headdim, ngroups, dstate), x3 = stepX(xbc, r + 3, nheads, headdim, ngroups, dstate);
        int fresh = mode == RESTART ? 1 : 0, write = valid & mode != HOLD ? 1 : 0;
        int rowQuads = dstate / 4;
        int at = (b * stateStride + stateOff + (r - b * dInner) * dstate) / 4;
        float acc0 = 0f, acc1 = 0f, acc2 = 0f, acc3 = 0f;
        for (int q = lane; q < rowQuads; q += lanes) {
            // every load of the round before its stores (the generated code addresses both through generic pointers)
            int n = 4 * q;
            long s0 = quads.get(at + q), s1 = quads.get(at + rowQuads + q), s2 = quads.get(at + 2 * rowQuads + q), s3 = quads.get(at + 3 * rowQuads + q);
            float b0 = xbc.get(bOff + n), b1 = xbc.get(bOff + n + 1), b2 = xbc.get(bOff + n + 2), b3 = xbc.get(bOff + n + 3);
            float c0 = xbc.get(cOff + n), c1 = xbc.get(cOff + n + 1), c2 = xbc.get(cOff + n + 2), c3 = xbc.get(cOff + n + 3);
            acc0 += quadRow(quads, at + q, s0, decay, x0 * dt, b0, b1, b2, b3, c0, c1, c2, c3, fresh, write);
            acc1 += quadRow(quads, at + rowQuads + q, s1, decay, x1 * dt, b0, b1, b2, b3, c0, c1, c2, c3, fresh, write);
            acc2 += quadRow(quads, at + 2 * rowQuads + q, s2, decay, x2 * dt, b0, b1, b2, b3, c0, c1, c2, c3, fresh, write);
            acc3 += quadRow(quads, at + 3 * rowQuads + q, s3, decay, x3 * dt, b0, b1, b2, b3, c0, c1, c2, c3, fresh, write);
        }
        float[] partial = ctx.allocateFloatLocalArray(MAX_STEP_LOCAL * QUAD_ROWS);
        int mine = ctx.localIdx * QUAD_ROWS;
        partial[mine] = acc0;
        partial[mine + 1] = acc1;
        partial[mine + 2] = acc2;
        partial[mine + 3] = acc3;
        ctx.localBarrier();
        for (int pair = lane; valid && pair < QUAD_ROWS / 2; pair += lanes) {
            // rows r + 2·pair and the next: their sums over the run's items
            int from = (ctx.localIdx - lane) * QUAD_ROWS + 2 * pair;
            float sum0 = 0f, sum1 = 0f;
            for (int l = 0; l < lanes; l++) {
                sum0 += partial[from + l * QUAD_ROWS];
                sum1 += partial[from + l * QUAD_ROWS + 1];
            }
            int r0 = r + 2 * pair;
            float out0 = rowOutput(sum0, pair == 0 ? x0 : x2, zxbcdt, w, headsOff, r0, nheads, headdim, ngroups, dstate, splits, partStride, output);
            float out1 = rowOutput(sum1, pair == 0 ? x1 : x3, zxbcdt, w, headsOff, r0 + 1, nheads, headdim, ngroups, dstate, splits, partStride,
                    output);
            y.set(r0, out0);
            y.set(r0 + 1, out1);
            if (output >= 0) {
                int hp = r0 - b * dInner;
                halves.set(r0 >> 1, MmaTiles.halfPair(out0 * w.get(output + hp), out1 * w.get(output + hp + 1)));
            }
        }
    }

    /**
     * One row's quad of bf16 state entries (s, read from quads[at]): v = decay · entry + xdt · B (from zero where fresh ≠ 0),
     * stored rounded where write ≠ 0; returns v · C.
     */
    static float quadRow(LongArray quads, int at, long s, float decay, float xdt, float b0, float b1, float b2, float b3, float c0, float c1,
                         float c2, float c3, int fresh, int write) {
        float v0 = (fresh != 0 ? 0f : decay * bf16(s, 0)) + xdt * b0;
        float v1 = (fresh != 0 ? 0f : decay * bf16(s, 1)) + xdt * b1;
        float v2 = (fresh != 0 ? 0f : decay * bf16(s, 2)) + xdt * b2;
        float v3 = (fresh != 0 ? 0f : decay * bf16(s, 3)) + xdt * b3;
        if (write != 0) {
            quads.set(at, bf16Quad(v0, v1, v2, v3));
        }
        return (v0 * c0 + v1 * c1) + (v2 * c2 + v3 * c3);
    }

    /** Entry k (0..3) of a long of four bf16 patterns, as a float. */
    public static float bf16(long quad, int k) {
        return BFloat16.bf16ToFloat((short) Packed16.patternOf(quad, k));
    }

    /** Four floats rounded to bf16, as a long of four patterns ({@link Packed16}). */
    public static long bf16Quad(float v0, float v1, float v2, float v3) {
        return Packed16.quadOf(BFloat16.bf16FromFloat(v0), BFloat16.bf16FromFloat(v1), BFloat16.bf16FromFloat(v2), BFloat16.bf16FromFloat(v3));
    }

    /** Rows of a run of {@link #ssdStepRowsBf16}: one head's consecutive channels that share a round's B and C. */
    public static final int QUAD_ROWS = 4;

    /** The most work items a work-group of {@link #ssdStepRowsBf16} has (its local partial sums). */
    public static final int MAX_STEP_LOCAL = 1024;

    /**
     * The most work items a work-group of {@link #ssdStepRowsBf16} launches with on the CUDA backend: TornadoVM 5.2's CUDA C
     * of it takes 72 registers a work item for sm_90 (Nsight Compute on the H200), so 1024 ask for more than an SM's 65,536
     * and the launch fails; the device config refuses a larger {@code ssdLocal} with bf16 states.
     */
    public static final int MAX_BF16_STEP_LOCAL = 512;

    /** Where row r's B starts in xbc (its C ngroups · dstate later). */
    private static int stepB(int r, int nheads, int headdim, int ngroups, int dstate) {
        int dInner = nheads * headdim;
        int b = r / dInner;
        int h = (r - b * dInner) / headdim;
        return b * (dInner + 2 * ngroups * dstate) + dInner + h / (nheads / ngroups) * dstate;
    }

    /** Row r's dt: its head's entry of zxbcdt (the sum of the splits) through {@link SsdKernels#dt}. */
    private static float stepDt(FloatArray zxbcdt, FloatArray w, int headsOff, int r, int nheads, int headdim, int ngroups, int dstate,
                                int splits, int partStride) {
        int dInner = nheads * headdim;
        int convDim = dInner + 2 * ngroups * dstate;
        int b = r / dInner;
        int h = (r - b * dInner) / headdim;
        return SsdKernels.dt(sumParts(zxbcdt, b * (dInner + convDim + nheads) + dInner + convDim + h, splits, partStride), w.get(headsOff + h), 1,
                w.get(headsOff + 3 * nheads), w.get(headsOff + 3 * nheads + 1));
    }

    /** Row r's state decay, exp(dt · A) with its head's A. */
    private static float stepDecay(FloatArray w, int headsOff, int r, int nheads, int headdim, float dt) {
        return TornadoMath.exp(dt * w.get(headsOff + nheads + r % (nheads * headdim) / headdim));
    }

    /** Row r's x. */
    private static float stepX(FloatArray xbc, int r, int nheads, int headdim, int ngroups, int dstate) {
        int dInner = nheads * headdim;
        int b = r / dInner;
        return xbc.get(b * (dInner + 2 * ngroups * dstate) + r - b * dInner);
    }

    /**
     * y[r] = Σ over the row's lanes of acc (its C · state) + D · x (the row's x), times silu(z) unless output is {@link #Y_PLAIN};
     * written by the row's first lane where valid. Where output ≥ 0 (the out_proj on tensor cores) also the fp16 pattern of
     * y[r]·w[output + channel] (the gated norm's weight), rows r and r + 1 (r even) packed into halves[r / 2], the operand
     * {@link org.mamba2j.tornado.mma.MmaGemm#gemm} stages as it is ({@code HALVES}): the one fp16 conversion of a computed float
     * a row here, not one for every output tile in the GEMM's staging. Rows r and r + 1 are neighbouring runs of lanes of
     * one group (local / lanes even). Every work item of the group calls it (the sum's barriers).
     */
    private static void stepOutput(KernelContext ctx, float acc, boolean valid, float x, FloatArray zxbcdt, FloatArray w, int headsOff,
                                   FloatArray y, IntArray halves, int r, int nheads, int headdim, int ngroups, int dstate, int splits,
                                   int partStride, int lanes, int output) {
        float sum = WorkGroups.rowSum(ctx, acc, lanes);
        int hp = r % (nheads * headdim);
        boolean first = ctx.localIdx % lanes == 0;
        float out = 0f;
        if (first && valid) {
            out = rowOutput(sum, x, zxbcdt, w, headsOff, r, nheads, headdim, ngroups, dstate, splits, partStride, output);
            y.set(r, out);
        }
        if (output >= 0) {
            int[] patterns = ctx.allocateIntLocalArray(MAX_STEP_ROWS);
            int slot = ctx.localIdx / lanes;
            if (first) {
                patterns[slot] = valid ? MmaTiles.halfOf(out * w.get(output + hp)) : 0;
            }
            ctx.localBarrier();
            if (first && valid && (r & 1) == 0) {
                halves.set(r >> 1, MmaTiles.pack(patterns[slot], patterns[slot + 1]));
            }
        }
    }

    /** Row r's output from its state · C sum: sum + D · x, times silu(z) unless output is {@link #Y_PLAIN}. */
    private static float rowOutput(float sum, float x, FloatArray zxbcdt, FloatArray w, int headsOff, int r, int nheads, int headdim,
                                   int ngroups, int dstate, int splits, int partStride, int output) {
        int dInner = nheads * headdim;
        int b = r / dInner;
        int hp = r - b * dInner;
        float out = sum + w.get(headsOff + 2 * nheads + hp / headdim) * x;
        if (output != Y_PLAIN) {
            float z = sumParts(zxbcdt, b * (dInner + dInner + 2 * ngroups * dstate + nheads) + hp, splits, partStride);
            out = out * SsdKernels.silu(z);
        }
        return out;
    }

    /** {@link #ssdStepRows}'s output: y is the step's output (the unfused step's gated norm applies the gate). */
    public static final int Y_PLAIN = -2;
    /** {@link #ssdStepRows}'s output: y is the step's output times silu(z). */
    public static final int Y_GATED = -1;

    /** The most rows a work-group of the SSD step holds (local / lanes) where it packs fp16 outputs ({@link #stepOutput}). */
    public static final int MAX_STEP_ROWS = 1024;

    /** The most norm groups {@link #residualNormRows} keeps scales for. */
    public static final int MAX_GROUPS = 8;

    /**
     * The end of a block, one work-group per row m: the gated norm's scales s_g = rsqrt(mean of
     * g[m, ·]² over norm group g + gatedEps) of the SSD's gated output g (dInner, {@code groups}
     * groups), then residual[m, j] += Σ_s s_(group of split s) · part[s · partStride + m · dModel + j]
     * (the out_proj's split-k partial products of g·normWeight, split s covering k from s · kLen, within
     * one norm group), then the next block's (or norm_f's) normalized input, RMSNorm(residual[m, ·]) ·
     * small[normOff ..] (eps), as {@link #storeNormed} says (float32 or the fp16 pairs of a tensor-core
     * product), so the next in_proj is a plain product.
     *
     * <p>With one norm group (every Mamba-2 checkpoint) all splits share one scale, so each work item reads the entries it
     * keeps, the pairs at 2·lid and 2·lid + 2·size (their residual, the sum of their splits and their norm weight), together
     * with its squares of g, before the first barrier: one memory round trip where reading them after the gated norm's sum
     * takes three. Other entries (a row longer than 4 · size, or several groups) are read and written when the loop reaches them.
     */
    public static void residualNormRows(KernelContext ctx, FloatArray g, FloatArray part, FloatArray residual, FloatArray small, int normOff,
                                        FloatArray normed, IntArray halves, int pairs, int dModel, int dInner, int groups, int splits, int kLen,
                                        int partStride, float gatedEps, float eps) {
        int lid = ctx.localIdx;
        int size = ctx.localGroupSizeX;
        int m = ctx.groupIdx;
        int gk = dInner / groups;
        int row = m * dModel;
        // the kept entries e0, e0 + 1, e2, e2 + 1 (none with several groups): every load before the first store or barrier
        int kept = groups == 1 ? Math.min(dModel, 4 * size) : 0;
        int e0 = 2 * lid, e2 = 2 * lid + 2 * size;
        float r0 = keptAt(residual, row, e0, kept), r1 = keptAt(residual, row, e0 + 1, kept);
        float r2 = keptAt(residual, row, e2, kept), r3 = keptAt(residual, row, e2 + 1, kept);
        float p0 = keptParts(part, row, e0, kept, splits, partStride), p1 = keptParts(part, row, e0 + 1, kept, splits, partStride);
        float p2 = keptParts(part, row, e2, kept, splits, partStride), p3 = keptParts(part, row, e2 + 1, kept, splits, partStride);
        float w0 = keptAt(small, normOff, e0, kept), w1 = keptAt(small, normOff, e0 + 1, kept);
        float w2 = keptAt(small, normOff, e2, kept), w3 = keptAt(small, normOff, e2 + 1, kept);
        float[] scales = ctx.allocateFloatLocalArray(MAX_GROUPS);
        for (int grp = 0; grp < groups; grp++) {
            float sum = 0f;
            for (int i = lid; i < gk; i += size) {
                float v = g.get(m * dInner + grp * gk + i);
                sum += v * v;
            }
            float total = WorkGroups.sum(ctx, sum);
            if (lid == 0) {
                scales[grp] = 1.0f / TornadoMath.sqrt(total / gk + gatedEps);
            }
        }
        ctx.localBarrier();
        float s0 = scales[0];
        r0 += s0 * p0;
        r1 += s0 * p1;
        r2 += s0 * p2;
        r3 += s0 * p3;
        float ss = (r0 * r0 + r1 * r1) + (r2 * r2 + r3 * r3); // zeros past kept
        storePair(residual, row + e0, r0, r1, e0 < kept, e0 + 1 < kept);
        storePair(residual, row + e2, r2, r3, e2 < kept, e2 + 1 < kept);
        // the entries not kept, a pair a work item at a time: each reads back what it wrote, no barrier between
        int rest = kept > 0 ? 4 * size : 0;
        for (int j = rest + 2 * lid; j < dModel; j += 2 * size) {
            for (int e = j; e < Math.min(j + 2, dModel); e++) {
                float r = residual.get(row + e);
                for (int s = 0; s < splits; s++) {
                    r += scales[s * kLen / gk] * part.get(s * partStride + row + e);
                }
                residual.set(row + e, r);
                ss += r * r;
            }
        }
        float scale = 1.0f / TornadoMath.sqrt(WorkGroups.sum(ctx, ss) / dModel + eps);
        if (e0 < kept) {
            normedPair(normed, halves, pairs, row + e0, r0 * scale * w0, r1 * scale * w1, e0 + 1 < kept);
        }
        if (e2 < kept) {
            normedPair(normed, halves, pairs, row + e2, r2 * scale * w2, r3 * scale * w3, e2 + 1 < kept);
        }
        storeNormed(ctx, residual, m, rest, scale, small, normOff, normed, halves, pairs, dModel);
    }

    /** a[base + e] where e &lt; kept, else 0 (the index clamped: a guarded load may run anyway). */
    private static float keptAt(FloatArray a, int base, int e, int kept) {
        float v = a.get(Math.min(base + e, a.getSize() - 1));
        return e < kept ? v : 0f;
    }

    /** The sum of the splits' partial products at entry e of the row at {@code row} where e &lt; kept, else 0. */
    private static float keptParts(FloatArray part, int row, int e, int kept, int splits, int partStride) {
        float v = sumParts(part, Math.min(row + e, partStride - 1), splits, partStride);
        return e < kept ? v : 0f;
    }

    /** a[at] = v0 where first, a[at + 1] = v1 where second. */
    private static void storePair(FloatArray a, int at, float v0, float v1, boolean first, boolean second) {
        if (first) {
            a.set(at, v0);
        }
        if (second) {
            a.set(at + 1, v1);
        }
    }

    /**
     * Entries at and at + 1 of the normalized rows ({@code second}: whether the row has the latter): float32 into normed, or
     * where {@code pairs} ≠ 0 (the product on tensor cores, {@link org.mamba2j.tornado.mma.MmaGemm#HALVES}) only as one fp16
     * pair into halves[at / 2] (at even, rows of even length).
     */
    private static void normedPair(FloatArray normed, IntArray halves, int pairs, int at, float v0, float v1, boolean second) {
        if (pairs != 0) {
            halves.set(at >> 1, MmaTiles.halfPair(v0, v1));
        } else {
            storePair(normed, at, v0, v1, true, second);
        }
    }

    /**
     * Row m's normalized input of the next product from entry {@code from} on, residual[m, ·] · scale · small[normOff ..], each
     * work item the pairs of entries it wrote ({@link #residualNormRows}, {@link #embedNormRows}), as {@link #normedPair}
     * stores them: rounded once a row here, not in every output tile's staging.
     */
    private static void storeNormed(KernelContext ctx, FloatArray residual, int m, int from, float scale, FloatArray small, int normOff,
                                    FloatArray normed, IntArray halves, int pairs, int dModel) {
        for (int j = from + 2 * ctx.localIdx; j < dModel; j += 2 * ctx.localGroupSizeX) {
            int at = m * dModel + j;
            boolean second = j + 1 < dModel;
            float v1 = second ? residual.get(at + 1) * scale * small.get(normOff + j + 1) : 0f;
            normedPair(normed, halves, pairs, at, residual.get(at) * scale * small.get(normOff + j), v1, second);
        }
    }

    /**
     * The start of a step, one work-group per row m: residual[m, ·] = the embedding row of token
     * input[m], from table32 or table16 as {@code weights} says ({@link MixerKernels#weight}), and
     * its RMSNorm times small[normOff ..] (block 0's norm weight) as {@link #storeNormed} says.
     */
    public static void embedNormRows(KernelContext ctx, IntArray input, FloatArray table32, LongArray table16, int weights, FloatArray small,
                                     int normOff, FloatArray residual, FloatArray normed, IntArray halves, int pairs, int dModel, float eps) {
        int lid = ctx.localIdx;
        int size = ctx.localGroupSizeX;
        int m = ctx.groupIdx;
        int t = input.get(m);
        float ss = 0f;
        for (int j = 2 * lid; j < dModel; j += 2 * size) {
            for (int e = j; e < Math.min(j + 2, dModel); e++) {
                float v = MixerKernels.weight(table32, table16, small, weights, t * dModel + e);
                residual.set(m * dModel + e, v);
                ss += v * v;
            }
        }
        storeNormed(ctx, residual, m, 0, 1.0f / TornadoMath.sqrt(WorkGroups.sum(ctx, ss) / dModel + eps), small, normOff, normed, halves, pairs,
                dModel);
    }

    /**
     * next[row] = the index of the largest of logits[row, 0 .. vocab), the lowest on ties (as
     * torch.argmax and the host's greedy pick; NaN never wins, a row of nothing larger than −∞ gives 0):
     * greedy decoding without the logits leaving the device. One work-group per row: each work item
     * scans every size-th logit, then a tree in local memory keeps the larger, else the lower index.
     */
    public static void argmaxRows(KernelContext ctx, FloatArray logits, IntArray next, int vocab) {
        int lid = ctx.localIdx;
        int size = ctx.localGroupSizeX;
        int base = ctx.groupIdx * vocab;
        float best = Float.NEGATIVE_INFINITY;
        int at = vocab;
        for (int i = lid; i < vocab; i += size) {
            float v = logits.get(base + i);
            if (v > best) {
                best = v;
                at = i;
            }
        }
        float[] values = ctx.allocateFloatLocalArray(1024);
        int[] indices = ctx.allocateIntLocalArray(1024);
        values[lid] = best;
        indices[lid] = at;
        for (int stride = size / 2; stride > 0; stride /= 2) {
            ctx.localBarrier();
            if (lid < stride) {
                float v = values[lid + stride];
                int j = indices[lid + stride];
                if (v > values[lid] || (v == values[lid] && j < indices[lid])) {
                    values[lid] = v;
                    indices[lid] = j;
                }
            }
        }
        ctx.localBarrier();
        if (lid == 0) {
            next.set(ctx.groupIdx, indices[0] == vocab ? 0 : indices[0]);
        }
    }

    /** states[slot[0] · n ..] = handed   (n): one slot's states, as a prefill left them in the hand-off buffer. */
    public static void loadSlot(FloatArray handed, IntArray slot, FloatArray states, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            states.set(slot.get(0) * n + i, handed.get(i));
        }
    }

    /**
     * {@link #loadSlotF16} for bf16 SSM states four to a long ({@link #ssdStepRowsBf16}): block l's SSM state, rounded, to
     * quads[(slot · blocks + l) · ssmSize / 4 ..]. i over convSize + ssmSize / 4 of every block (ssmSize a multiple of 4).
     */
    public static void loadSlotBf16(FloatArray handed, IntArray slot, FloatArray states, LongArray quads, int convSize, int ssmSize,
                                    int blocks) {
        int ssmQuads = ssmSize / 4;
        for (@Parallel int i = 0; i < (convSize + ssmQuads) * blocks; i++) {
            int l = i / (convSize + ssmQuads);
            int j = i - l * (convSize + ssmQuads);
            int from = l * (convSize + ssmSize);
            if (j < convSize) {
                states.set((slot.get(0) * blocks + l) * convSize + j, handed.get(from + j));
            } else {
                int e = from + convSize + 4 * (j - convSize);
                quads.set((slot.get(0) * blocks + l) * ssmQuads + j - convSize,
                        bf16Quad(handed.get(e), handed.get(e + 1), handed.get(e + 2), handed.get(e + 3)));
            }
        }
    }

    /**
     * One slot's states from the hand-off buffer (the {@link PackedStates} of one sequence, float32, as a prefill left them),
     * split as the batch holds them with fp16 SSM states: block l's conv state to states[slot · convSize · blocks + l · convSize ..],
     * its SSM state, rounded, to states16[slot · ssmSize · blocks + l · ssmSize ..]. i over convSize + ssmSize of every block.
     */
    public static void loadSlotF16(FloatArray handed, IntArray slot, FloatArray states, HalfFloatArray states16, int convSize, int ssmSize,
                                   int blocks) {
        for (@Parallel int i = 0; i < (convSize + ssmSize) * blocks; i++) {
            int l = i / (convSize + ssmSize);
            int j = i - l * (convSize + ssmSize);
            if (j < convSize) {
                states.set((slot.get(0) * blocks + l) * convSize + j, handed.get(i));
            } else {
                states16.set((slot.get(0) * blocks + l) * ssmSize + j - convSize, new HalfFloat(handed.get(i)));
            }
        }
    }
}
