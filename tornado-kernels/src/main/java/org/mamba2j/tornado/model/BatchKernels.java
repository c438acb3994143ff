package org.mamba2j.tornado.model;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.annotations.Parallel;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.ShortArray;

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
     * is 0. i over batch · convDim.
     */
    public static void convStepRows(IntArray input, FloatArray zxbcdt, FloatArray states, int convAt, int stateStride, FloatArray w,
                                    int convWOff, FloatArray xbc, int xbcOffset, int dInProj, int convDim, int dConv, int batch, int padded) {
        for (@Parallel int i = 0; i < padded; i++) {
            if (i < batch * convDim) {
                int b = i / convDim;
                int c = i - b * convDim;
                int mode = input.get(batch + b);
                float v = 0f;
                if (mode != HOLD) {
                    v = MixerKernels.convChannel(mode == RESTART ? 1 : 0, zxbcdt.get(b * dInProj + xbcOffset + c), states,
                            b * stateStride + convAt + c * (dConv - 1), w, convWOff + c * dConv, w.get(convWOff + convDim * dConv + c), dConv);
                }
                xbc.set(i, v);
            }
        }
    }

    /**
     * The recurrent SSD step of every slot: one work-group per (slot, head, channel) row, as
     * {@link MixerKernels#ssdStep} per sequence; a held slot's state stays. y is (batch, dInner).
     */
    public static void ssdStepRows(KernelContext ctx, IntArray input, FloatArray zxbcdt, FloatArray xbc, FloatArray states, int stateOff,
                                   int stateStride, FloatArray w, int headsOff, FloatArray y, int nheads, int headdim, int ngroups,
                                   int dstate, int batch) {
        int dInner = nheads * headdim;
        int convDim = dInner + 2 * ngroups * dstate;
        int b = ctx.groupIdx / dInner;
        int hp = ctx.groupIdx - b * dInner;
        int mode = input.get(batch + b);
        MixerKernels.ssdRow(ctx, hp, mode == RESTART ? 1 : 0, mode != HOLD ? 1 : 0, zxbcdt, b * (dInner + convDim + nheads), xbc,
                b * convDim, states, b * stateStride + stateOff + hp * dstate, w, headsOff, y, b * dInner, nheads, headdim, ngroups, dstate);
    }

    /** {@link #normGemm}'s operand: the rows of x RMS-normalized (the block's norm before in_proj, norm_f before the lm_head). */
    public static final int NORMED = 0;
    /** {@link #normGemm}'s operand: x·silu(z) RMS-normalized per group (the gated norm before out_proj). */
    public static final int GATED = 1;
    /** The most norm groups {@link #normGemm} keeps scales for. */
    public static final int MAX_GROUPS = 8;

    /**
     * out[m, j] (+)= Σ_k A[m, k]·W[j, k] for rows m &lt; control[ROWS] (the batch), with the norm before
     * the projection folded into the operand A, so a block's norm and projection are one task:
     * NORMED: A[m, k] = x[m, k]·s[m]·nw[k], s[m] = rsqrt(mean(x[m, ·]²) + eps);
     * GATED: g = x[m, k]·silu(z[m, k]) (z the head of each row of stride zStride), A[m, k] = g·s[m, group of k]·nw[k],
     * s over each of {@code groups} groups of k/groups channels. nw (k) is at small[normOff], W (n, k)
     * row-major at w[wOff]. Tiled as {@link PrefillKernels#gemmBlocked} (a 16×16 work-group per
     * 64×64 output tile, 4×4 outputs per work item, k-slices of 16 through local memory), so each
     * weight element is read once for up to 64 rows; a prologue puts the tile's 64 row scales (per
     * group, at most {@link #MAX_GROUPS}) in local memory, reading the rows the tile then multiplies. Grid (16·⌈n/64⌉, 16·⌈rows/64⌉).
     */
    public static void normGemm(KernelContext kc, IntArray control, int mode, FloatArray x, FloatArray z, int zStride, FloatArray small,
                                int normOff, FloatArray w, int wOff, FloatArray out, int n, int k, int groups, float eps, int accumulate) {
        int rows = control.get(PrefillKernels.ROWS);
        int tx = kc.localIdx;
        int ty = kc.localIdy;
        int tid = ty * 16 + tx;
        int n0 = kc.groupIdx * 64;
        int m0 = kc.groupIdy * 64;
        // the prologue: scale[row·MAX_GROUPS + g] for the tile's rows, four work items per row summing every fourth column
        float[] scale = kc.allocateFloatLocalArray(512);
        float[] part = kc.allocateFloatLocalArray(256);
        for (int g = 0; g < groups; g++) {
            part[tid] = squares(mode, x, z, zStride, m0 + tid / 4, rows, g * (k / groups) + tid % 4, (g + 1) * (k / groups), k);
            kc.localBarrier();
            if (tid % 4 == 0) {
                scale[tid / 4 * MAX_GROUPS + g] = 1.0f / TornadoMath.sqrt((part[tid] + part[tid + 1] + part[tid + 2] + part[tid + 3]) / (k / groups) + eps);
            }
            kc.localBarrier();
        }
        float[] as = kc.allocateFloatLocalArray(1040); // [k][m] stride 65
        float[] ws = kc.allocateFloatLocalArray(1040); // [k][j] stride 65
        float a00 = 0f, a01 = 0f, a02 = 0f, a03 = 0f, a10 = 0f, a11 = 0f, a12 = 0f, a13 = 0f;
        float a20 = 0f, a21 = 0f, a22 = 0f, a23 = 0f, a30 = 0f, a31 = 0f, a32 = 0f, a33 = 0f;
        for (int kk = 0; kk < k; kk += 16) {
            // element e = tid + 256·i of the slice is (row = e / 16, kx = e % 16): 16 work items read one row's 16 consecutive floats
            for (int i = 0; i < 4; i++) {
                int e = tid + 256 * i;
                int row = e / 16;
                int kx = e % 16;
                int kg = kk + kx;
                float av = 0f;
                float wv = 0f;
                if (kg < k) {
                    if (m0 + row < rows) av = operand(mode, x, z, zStride, m0 + row, kg, k) * scale[row * MAX_GROUPS + kg / (k / groups)] * small.get(normOff + kg);
                    if (n0 + row < n) wv = w.get(wOff + (n0 + row) * k + kg);
                }
                as[kx * 65 + row] = av;
                ws[kx * 65 + row] = wv;
            }
            kc.localBarrier();
            for (int kx = 0; kx < 16; kx++) {
                float u0 = as[kx * 65 + ty], u1 = as[kx * 65 + ty + 16], u2 = as[kx * 65 + ty + 32], u3 = as[kx * 65 + ty + 48];
                float v0 = ws[kx * 65 + tx], v1 = ws[kx * 65 + tx + 16], v2 = ws[kx * 65 + tx + 32], v3 = ws[kx * 65 + tx + 48];
                a00 += u0 * v0; a01 += u0 * v1; a02 += u0 * v2; a03 += u0 * v3;
                a10 += u1 * v0; a11 += u1 * v1; a12 += u1 * v2; a13 += u1 * v3;
                a20 += u2 * v0; a21 += u2 * v1; a22 += u2 * v2; a23 += u2 * v3;
                a30 += u3 * v0; a31 += u3 * v1; a32 += u3 * v2; a33 += u3 * v3;
            }
            kc.localBarrier();
        }
        PrefillKernels.storeRow(out, m0 + ty, rows, n0 + tx, 16, n, accumulate, a00, a01, a02, a03);
        PrefillKernels.storeRow(out, m0 + ty + 16, rows, n0 + tx, 16, n, accumulate, a10, a11, a12, a13);
        PrefillKernels.storeRow(out, m0 + ty + 32, rows, n0 + tx, 16, n, accumulate, a20, a21, a22, a23);
        PrefillKernels.storeRow(out, m0 + ty + 48, rows, n0 + tx, 16, n, accumulate, a30, a31, a32, a33);
    }

    /** {@link #normGemm} with 16-bit weights, read as {@code decode} says ({@link MixerKernels#w16}; the table at the head of small). */
    public static void normGemm16(KernelContext kc, IntArray control, int mode, FloatArray x, FloatArray z, int zStride, FloatArray small,
                                  int normOff, ShortArray w, int wOff, FloatArray out, int n, int k, int groups, float eps, int accumulate, int decode) {
        int rows = control.get(PrefillKernels.ROWS);
        int tx = kc.localIdx;
        int ty = kc.localIdy;
        int tid = ty * 16 + tx;
        int n0 = kc.groupIdx * 64;
        int m0 = kc.groupIdy * 64;
        // the prologue: scale[row·MAX_GROUPS + g] for the tile's rows, four work items per row summing every fourth column
        float[] scale = kc.allocateFloatLocalArray(512);
        float[] part = kc.allocateFloatLocalArray(256);
        for (int g = 0; g < groups; g++) {
            part[tid] = squares(mode, x, z, zStride, m0 + tid / 4, rows, g * (k / groups) + tid % 4, (g + 1) * (k / groups), k);
            kc.localBarrier();
            if (tid % 4 == 0) {
                scale[tid / 4 * MAX_GROUPS + g] = 1.0f / TornadoMath.sqrt((part[tid] + part[tid + 1] + part[tid + 2] + part[tid + 3]) / (k / groups) + eps);
            }
            kc.localBarrier();
        }
        float[] as = kc.allocateFloatLocalArray(1040); // [k][m] stride 65
        float[] ws = kc.allocateFloatLocalArray(1040); // [k][j] stride 65
        float a00 = 0f, a01 = 0f, a02 = 0f, a03 = 0f, a10 = 0f, a11 = 0f, a12 = 0f, a13 = 0f;
        float a20 = 0f, a21 = 0f, a22 = 0f, a23 = 0f, a30 = 0f, a31 = 0f, a32 = 0f, a33 = 0f;
        for (int kk = 0; kk < k; kk += 16) {
            for (int i = 0; i < 4; i++) {
                int e = tid + 256 * i;
                int row = e / 16;
                int kx = e % 16;
                int kg = kk + kx;
                float av = 0f;
                float wv = 0f;
                if (kg < k) {
                    if (m0 + row < rows) av = operand(mode, x, z, zStride, m0 + row, kg, k) * scale[row * MAX_GROUPS + kg / (k / groups)] * small.get(normOff + kg);
                    if (n0 + row < n) wv = MixerKernels.w16(w, small, wOff + (n0 + row) * k + kg, decode);
                }
                as[kx * 65 + row] = av;
                ws[kx * 65 + row] = wv;
            }
            kc.localBarrier();
            for (int kx = 0; kx < 16; kx++) {
                float u0 = as[kx * 65 + ty], u1 = as[kx * 65 + ty + 16], u2 = as[kx * 65 + ty + 32], u3 = as[kx * 65 + ty + 48];
                float v0 = ws[kx * 65 + tx], v1 = ws[kx * 65 + tx + 16], v2 = ws[kx * 65 + tx + 32], v3 = ws[kx * 65 + tx + 48];
                a00 += u0 * v0; a01 += u0 * v1; a02 += u0 * v2; a03 += u0 * v3;
                a10 += u1 * v0; a11 += u1 * v1; a12 += u1 * v2; a13 += u1 * v3;
                a20 += u2 * v0; a21 += u2 * v1; a22 += u2 * v2; a23 += u2 * v3;
                a30 += u3 * v0; a31 += u3 * v1; a32 += u3 * v2; a33 += u3 * v3;
            }
            kc.localBarrier();
        }
        PrefillKernels.storeRow(out, m0 + ty, rows, n0 + tx, 16, n, accumulate, a00, a01, a02, a03);
        PrefillKernels.storeRow(out, m0 + ty + 16, rows, n0 + tx, 16, n, accumulate, a10, a11, a12, a13);
        PrefillKernels.storeRow(out, m0 + ty + 32, rows, n0 + tx, 16, n, accumulate, a20, a21, a22, a23);
        PrefillKernels.storeRow(out, m0 + ty + 48, rows, n0 + tx, 16, n, accumulate, a30, a31, a32, a33);
    }

    /** x[m, k] (NORMED) or x[m, k]·silu(z[m, k]) (GATED), before the norm's scale. */
    private static float operand(int mode, FloatArray x, FloatArray z, int zStride, int m, int kg, int k) {
        float v = x.get(m * k + kg);
        if (mode == GATED) {
            float zv = z.get(m * zStride + kg);
            v = v * (zv / (1.0f + TornadoMath.exp(-zv)));
        }
        return v;
    }

    /** Σ operand² of row m over columns from, from + 4, ... below {@code to}; 0 for a row past the batch. */
    private static float squares(int mode, FloatArray x, FloatArray z, int zStride, int m, int rows, int from, int to, int k) {
        float sum = 0f;
        if (m < rows) {
            for (int i = from; i < to; i += 4) {
                float v = operand(mode, x, z, zStride, m, i, k);
                sum += v * v;
            }
        }
        return sum;
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

    /** states[slot[0] · n ..] = staged   (n): one slot's states, as a prefill left them, from the host's staging copy. */
    public static void loadSlot(FloatArray staged, IntArray slot, FloatArray states, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            states.set(slot.get(0) * n + i, staged.get(i));
        }
    }
}
