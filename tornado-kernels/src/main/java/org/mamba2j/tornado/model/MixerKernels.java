package org.mamba2j.tornado.model;

import org.mamba2j.tornado.WorkGroups;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.annotations.Parallel;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.BFloat16;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.ShortArray;

/**
 * The Mamba-2 block for one decoded token (batch 1), as TornadoVM kernels over off-heap arrays.
 * zxbcdt is the in_proj output laid out z | x | B | C | dt; xbc the conv output x | B | C.
 * KernelContext kernels reduce in local memory; their work-group sizes come from device-configs.
 * A block is three tasks (norm + in_proj + conv, SSD step, gated norm + out_proj): TornadoVM spends
 * a fixed host-side cost per task, far above these kernels' run time, so the norms ride along with
 * the matrix-vector products that read the same vectors, and the conv with the rows it convolves.
 * control = {token id, 1 when the states restart from zero}: device-resident states are reset
 * by the step that starts a sequence, so they never travel back from the host.
 * Weights and states come packed (see {@link DeviceWeights}, {@link PackedBlock}, {@link PackedStates}):
 * a kernel gets the packed arrays and the offset of each part it reads, so a decode graph holds few
 * distinct objects. A kernel that reads a matrix comes twice: for float32 weights (FloatArray) and,
 * suffixed 16, for 16-bit ones (ShortArray, read through {@link #w16} as its int argument
 * {@code decode} says: {@link Decode}); the rest of its body is shared through helpers.
 *
 * <p>The matrix-vector products (one work-group per output row, each work item every size-th column)
 * take four columns per loop iteration into four independent sums, so a work item has four weight
 * loads in flight instead of one; columns past the last whole step of four go one at a time.
 */
public final class MixerKernels {

    private MixerKernels() {
    }

    /** out = table[control[0]]   (dim); control = {token, reset states}. */
    public static void embed(IntArray control, FloatArray table, FloatArray out, int dim) {
        for (@Parallel int i = 0; i < dim; i++) {
            out.set(i, table.get(control.get(0) * dim + i));
        }
    }

    /** {@link #embed} from a 16-bit table, read as {@code decode} says ({@link #w16}); small holds the decode table. */
    public static void embed16(IntArray control, ShortArray table, FloatArray small, FloatArray out, int dim, int decode) {
        for (@Parallel int i = 0; i < dim; i++) {
            out.set(i, w16(table, small, control.get(0) * dim + i, decode));
        }
    }

    /**
     * Element i of a 16-bit weight array (F16 or BF16 patterns) as a float, by {@code decode}
     * ({@link Decode#arg}): {@link Decode#BF16_ARG} TornadoVM's BFloat16.bf16ToFloat (CUDA backend
     * only), {@link Decode#F16_ARG} {@link #f16}, else the decode table at table[0]
     * ({@link WeightFormat}). A task's decode is a constant TornadoVM compiles in, so the branch
     * folds to the one decode the task uses. One return, through a variable: TornadoVM's CUDA
     * backend mis-lowers early returns of a helper inlined into a kernel loop (its issue #931).
     */
    public static float w16(ShortArray w, FloatArray table, int i, int decode) {
        float v;
        if (decode == Decode.BF16_ARG) {
            v = BFloat16.bf16ToFloat(w.get(i));
        } else if (decode == Decode.F16_ARG) {
            v = f16(w.get(i) & 0xffff);
        } else {
            int bits = w.get(i) & 0xffff;
            int hi = bits >> 7;
            v = table.get(2 * hi) + table.get(2 * hi + 1) * (bits & 0x7f);
        }
        return v;
    }

    /**
     * The float32 value of an F16 pattern (bits in 0..0xffff), exact for every finite one, in
     * integer and float32 arithmetic: a normal pattern is (1024 + mantissa)·2^(exponent − 25), with
     * 2^exponent as the int 1 &lt;&lt; exponent (exponent ≤ 30), a subnormal mantissa·2^−24; every
     * product is exact (at most 11 significant bits, powers of two, no underflow). Infinities and NaN
     * (exponent 31) come out wrong: weights have none.
     */
    public static float f16(int bits) {
        int e = (bits >> 10) & 0x1f;
        int m = bits & 0x3ff;
        float magnitude = e == 0 ? m * 0x1p-24f : (m + 1024) * (float) (1 << e) * 0x1p-25f;
        return (bits & 0x8000) != 0 ? -magnitude : magnitude;
    }

    /** out[at] = w[0]: the weights graph's task per array (TornadoVM uploads only what a task reads). */
    public static void first(FloatArray w, FloatArray out, int at) {
        for (@Parallel int i = 0; i < 1; i++) {
            out.set(at, w.get(0));
        }
    }

    /** {@link #first} of a 16-bit array (its raw pattern). */
    public static void first16(ShortArray w, FloatArray out, int at) {
        for (@Parallel int i = 0; i < 1; i++) {
            out.set(at, w.get(0));
        }
    }

    /** states = staged   (n): the states a prefill left, from the host's staging copy. */
    public static void loadStates(FloatArray staged, FloatArray states, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            states.set(i, staged.get(i));
        }
    }

    /**
     * zxbcdt[row] = W[row, :] · rmsNorm(x)   (dInProj rows), then for a row of x | B | C
     * (xbcOffset ≤ row < xbcOffset + convDim) that channel's causal conv step and SiLU into xbc:
     * in_proj (at W[wOff]) with the block's RMSNorm (its weight at small[normOff]) and the conv folded
     * in. One work-group per row; each recomputes mean(x²) over the d_model inputs it reads anyway,
     * which costs less than a separate task, and the conv of a channel needs only its own row, so
     * work item 0 does it once the row is summed. The conv window of channel c sits at
     * state[convAt + c·(dConv − 1)], oldest first (the layout the prefill's conv reads and leaves);
     * control[1] != 0 restarts it from zeros. convW (convDim, dConv) starts at small[convWOff], convB
     * (convDim) right after it.
     */
    public static void normInProjConv(KernelContext ctx, IntArray control, FloatArray x, FloatArray small, int normOff, FloatArray w,
                                      int wOff, FloatArray zxbcdt, int cols, float eps, FloatArray state, int convAt, int convWOff,
                                      FloatArray xbc, int xbcOffset, int convDim, int dConv) {
        float dot = normedRowDot(ctx, x, small, normOff, w, wOff, cols, eps);
        storeRowAndConv(ctx, dot, control, zxbcdt, state, convAt, small, convWOff, xbc, xbcOffset, convDim, dConv);
    }

    /** {@link #normInProjConv} with 16-bit in_proj weights. */
    public static void normInProjConv16(KernelContext ctx, IntArray control, FloatArray x, FloatArray small, int normOff, ShortArray w,
                                        int wOff, FloatArray zxbcdt, int cols, float eps, FloatArray state, int convAt, int convWOff,
                                        FloatArray xbc, int xbcOffset, int convDim, int dConv, int decode) {
        // normedRowDot's loop, written out here and in normMatVecOut16 (see normedRowDot16)
        int size = ctx.localGroupSizeX;
        int base = wOff + ctx.groupIdx * cols;
        float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f;
        float d0 = 0f, d1 = 0f, d2 = 0f, d3 = 0f;
        int i = ctx.localIdx;
        for (; i + 3 * size < cols; i += 4 * size) {
            float w0 = w16(w, small, base + i, decode), w1 = w16(w, small, base + i + size, decode);
            float w2 = w16(w, small, base + i + 2 * size, decode), w3 = w16(w, small, base + i + 3 * size, decode);
            float v0 = x.get(i), v1 = x.get(i + size), v2 = x.get(i + 2 * size), v3 = x.get(i + 3 * size);
            s0 += v0 * v0; s1 += v1 * v1; s2 += v2 * v2; s3 += v3 * v3;
            d0 += w0 * v0 * small.get(normOff + i);
            d1 += w1 * v1 * small.get(normOff + i + size);
            d2 += w2 * v2 * small.get(normOff + i + 2 * size);
            d3 += w3 * v3 * small.get(normOff + i + 3 * size);
        }
        for (; i < cols; i += size) {
            float v = x.get(i);
            s0 += v * v;
            d0 += w16(w, small, base + i, decode) * v * small.get(normOff + i);
        }
        float dot = normedSum(ctx, (s0 + s1) + (s2 + s3), (d0 + d1) + (d2 + d3), cols, eps);
        storeRowAndConv(ctx, dot, control, zxbcdt, state, convAt, small, convWOff, xbc, xbcOffset, convDim, dConv);
    }

    private static void storeRowAndConv(KernelContext ctx, float dot, IntArray control, FloatArray zxbcdt, FloatArray state, int convAt,
                                        FloatArray small, int convWOff, FloatArray xbc, int xbcOffset, int convDim, int dConv) {
        if (ctx.localIdx == 0) {
            int row = ctx.groupIdx;
            zxbcdt.set(row, dot);
            int c = row - xbcOffset;
            // 0 <= c < convDim, written so that Graal does not fold it into the unsigned c |<| convDim:
            // TornadoVM 5.2's SPIR-V backend emits that as a signed compare (docs/spirv.md, bug 1)
            if ((c | (convDim - 1 - c)) >= 0) {
                xbc.set(c, convChannel(control.get(1), dot, state, convAt + c * (dConv - 1), small, convWOff + c * dConv,
                        small.get(convWOff + convDim * dConv + c), dConv));
            }
        }
    }

    /** out[row] = W[row, :] · rmsNorm(x; small[normOff..])   (rows): norm_f and the lm_head into the logits. */
    public static void normMatVecOut(KernelContext ctx, FloatArray x, FloatArray small, int normOff, FloatArray w, FloatArray out, int cols,
                                     float eps) {
        float dot = normedRowDot(ctx, x, small, normOff, w, 0, cols, eps);
        if (ctx.localIdx == 0) {
            out.set(ctx.groupIdx, dot);
        }
    }

    /** {@link #normMatVecOut} with a 16-bit lm_head. */
    public static void normMatVecOut16(KernelContext ctx, FloatArray x, FloatArray small, int normOff, ShortArray w, FloatArray out, int cols,
                                       float eps, int decode) {
        // normedRowDot's loop, written out here and in normInProjConv16 (see normedRowDot16)
        int wOff = 0;
        int size = ctx.localGroupSizeX;
        int base = wOff + ctx.groupIdx * cols;
        float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f;
        float d0 = 0f, d1 = 0f, d2 = 0f, d3 = 0f;
        int i = ctx.localIdx;
        for (; i + 3 * size < cols; i += 4 * size) {
            float w0 = w16(w, small, base + i, decode), w1 = w16(w, small, base + i + size, decode);
            float w2 = w16(w, small, base + i + 2 * size, decode), w3 = w16(w, small, base + i + 3 * size, decode);
            float v0 = x.get(i), v1 = x.get(i + size), v2 = x.get(i + 2 * size), v3 = x.get(i + 3 * size);
            s0 += v0 * v0; s1 += v1 * v1; s2 += v2 * v2; s3 += v3 * v3;
            d0 += w0 * v0 * small.get(normOff + i);
            d1 += w1 * v1 * small.get(normOff + i + size);
            d2 += w2 * v2 * small.get(normOff + i + 2 * size);
            d3 += w3 * v3 * small.get(normOff + i + 3 * size);
        }
        for (; i < cols; i += size) {
            float v = x.get(i);
            s0 += v * v;
            d0 += w16(w, small, base + i, decode) * v * small.get(normOff + i);
        }
        float dot = normedSum(ctx, (s0 + s1) + (s2 + s3), (d0 + d1) + (d2 + d3), cols, eps);
        if (ctx.localIdx == 0) {
            out.set(ctx.groupIdx, dot);
        }
    }

    private static float normedRowDot(KernelContext ctx, FloatArray x, FloatArray norm, int normOff, FloatArray w, int wOff,
                                      int cols, float eps) {
        int size = ctx.localGroupSizeX;
        int base = wOff + ctx.groupIdx * cols;
        float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f;
        float d0 = 0f, d1 = 0f, d2 = 0f, d3 = 0f;
        int i = ctx.localIdx;
        for (; i + 3 * size < cols; i += 4 * size) {
            float w0 = w.get(base + i), w1 = w.get(base + i + size), w2 = w.get(base + i + 2 * size), w3 = w.get(base + i + 3 * size);
            float v0 = x.get(i), v1 = x.get(i + size), v2 = x.get(i + 2 * size), v3 = x.get(i + 3 * size);
            s0 += v0 * v0; s1 += v1 * v1; s2 += v2 * v2; s3 += v3 * v3;
            d0 += w0 * v0 * norm.get(normOff + i);
            d1 += w1 * v1 * norm.get(normOff + i + size);
            d2 += w2 * v2 * norm.get(normOff + i + 2 * size);
            d3 += w3 * v3 * norm.get(normOff + i + 3 * size);
        }
        for (; i < cols; i += size) {
            float v = x.get(i);
            s0 += v * v;
            d0 += w.get(base + i) * v * norm.get(normOff + i);
        }
        return normedSum(ctx, (s0 + s1) + (s2 + s3), (d0 + d1) + (d2 + d3), cols, eps);
    }

    /*
     * normedRowDot16, {@link #normedRowDot} over 16-bit weights, has no method of its own: it is
     * written out in normInProjConv16 and normMatVecOut16. TornadoVM builds a kernel's graph with
     * every branch of w16 inlined (BFloat16.bf16ToFloat's software decode among them, on every
     * backend but CUDA) before the task's decode argument becomes a constant and folds them away, and
     * it refuses to inline a helper of more than 600 nodes (Graal's MaximumInliningSize · 2): the
     * helper with five w16 calls came to 606 on OpenCL. A kernel's own body has no such limit.
     */

    /** The work-group's dot product times rsqrt(mean(x²) + eps), from each work item's partial sums. */
    private static float normedSum(KernelContext ctx, float squares, float dot, int cols, float eps) {
        float scale = 1.0f / TornadoMath.sqrt(WorkGroups.sum(ctx, squares) / cols + eps);
        return WorkGroups.sum(ctx, dot) * scale;
    }

    /**
     * acc[row] += W[row, :] · gatedRmsNorm(y, z)   (rows): out_proj (at W[wOff]) onto the residual
     * stream with the gated norm folded in, grouped as mamba_ssm does: g = y·silu(z), each group of
     * groupSize channels scaled by rsqrt(mean(g²) + eps), times the norm weight at small[normOff].
     * z is the head of zxbcdt. Every work-group recomputes the group statistics from the d_inner
     * values it reads anyway.
     */
    public static void gatedMatVecAccumulate(KernelContext ctx, FloatArray y, FloatArray zxbcdt, FloatArray small, int normOff, FloatArray w,
                                             int wOff, FloatArray acc, int cols, int groupSize, float eps) {
        int lid = ctx.localIdx;
        int size = ctx.localGroupSizeX;
        int base = wOff + ctx.groupIdx * cols;
        float total = 0f;
        for (int g0 = 0; g0 < cols; g0 += groupSize) {
            int end = g0 + groupSize;
            float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f;
            float d0 = 0f, d1 = 0f, d2 = 0f, d3 = 0f;
            int i = g0 + lid;
            for (; i + 3 * size < end; i += 4 * size) {
                float w0 = w.get(base + i), w1 = w.get(base + i + size), w2 = w.get(base + i + 2 * size), w3 = w.get(base + i + 3 * size);
                float v0 = gated(y, zxbcdt, i), v1 = gated(y, zxbcdt, i + size), v2 = gated(y, zxbcdt, i + 2 * size), v3 = gated(y, zxbcdt, i + 3 * size);
                s0 += v0 * v0; s1 += v1 * v1; s2 += v2 * v2; s3 += v3 * v3;
                d0 += w0 * v0 * small.get(normOff + i);
                d1 += w1 * v1 * small.get(normOff + i + size);
                d2 += w2 * v2 * small.get(normOff + i + 2 * size);
                d3 += w3 * v3 * small.get(normOff + i + 3 * size);
            }
            for (; i < end; i += size) {
                float g = gated(y, zxbcdt, i);
                s0 += g * g;
                d0 += w.get(base + i) * g * small.get(normOff + i);
            }
            total += normedSum(ctx, (s0 + s1) + (s2 + s3), (d0 + d1) + (d2 + d3), groupSize, eps);
        }
        if (lid == 0) {
            acc.set(ctx.groupIdx, acc.get(ctx.groupIdx) + total);
        }
    }

    /** {@link #gatedMatVecAccumulate} with 16-bit out_proj weights, read as {@code decode} says ({@link #w16}). */
    public static void gatedMatVecAccumulate16(KernelContext ctx, FloatArray y, FloatArray zxbcdt, FloatArray small, int normOff, ShortArray w,
                                               int wOff, FloatArray acc, int cols, int groupSize, float eps, int decode) {
        int lid = ctx.localIdx;
        int size = ctx.localGroupSizeX;
        int base = wOff + ctx.groupIdx * cols;
        float total = 0f;
        for (int g0 = 0; g0 < cols; g0 += groupSize) {
            int end = g0 + groupSize;
            float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f;
            float d0 = 0f, d1 = 0f, d2 = 0f, d3 = 0f;
            int i = g0 + lid;
            for (; i + 3 * size < end; i += 4 * size) {
                float w0 = w16(w, small, base + i, decode), w1 = w16(w, small, base + i + size, decode);
                float w2 = w16(w, small, base + i + 2 * size, decode), w3 = w16(w, small, base + i + 3 * size, decode);
                float v0 = gated(y, zxbcdt, i), v1 = gated(y, zxbcdt, i + size), v2 = gated(y, zxbcdt, i + 2 * size), v3 = gated(y, zxbcdt, i + 3 * size);
                s0 += v0 * v0; s1 += v1 * v1; s2 += v2 * v2; s3 += v3 * v3;
                d0 += w0 * v0 * small.get(normOff + i);
                d1 += w1 * v1 * small.get(normOff + i + size);
                d2 += w2 * v2 * small.get(normOff + i + 2 * size);
                d3 += w3 * v3 * small.get(normOff + i + 3 * size);
            }
            for (; i < end; i += size) {
                float g = gated(y, zxbcdt, i);
                s0 += g * g;
                d0 += w16(w, small, base + i, decode) * g * small.get(normOff + i);
            }
            total += normedSum(ctx, (s0 + s1) + (s2 + s3), (d0 + d1) + (d2 + d3), groupSize, eps);
        }
        if (lid == 0) {
            acc.set(ctx.groupIdx, acc.get(ctx.groupIdx) + total);
        }
    }

    /** y·silu(z) of channel i. */
    private static float gated(FloatArray y, FloatArray zxbcdt, int i) {
        float z = zxbcdt.get(i);
        return y.get(i) * (z / (1.0f + TornadoMath.exp(-z)));
    }

    /**
     * One channel's causal depthwise conv1d for the new input {@code in}, then SiLU. The channel's
     * window (the last dConv − 1 inputs, oldest first) at state[s] is zeroed first when fresh != 0,
     * then shifts in {@code in}; its weights (dConv) sit at w[wo].
     */
    static float convChannel(int fresh, float in, FloatArray state, int s, FloatArray w, int wo, float bias, int dConv) {
        if (fresh != 0) {
            for (int k = 0; k < dConv - 1; k++) {
                state.set(s + k, 0f);
            }
        }
        float acc = bias;
        for (int k = 0; k < dConv - 1; k++) {
            acc += w.get(wo + k) * state.get(s + k);
        }
        acc += w.get(wo + dConv - 1) * in;
        for (int k = 0; k < dConv - 2; k++) {
            state.set(s + k, state.get(s + k + 1));
        }
        state.set(s + dConv - 2, in);
        return acc / (1.0f + TornadoMath.exp(-acc));
    }

    /**
     * The recurrent SSD step for all heads   (nheads·headdim outputs):
     * dt = clamp(softplus(dt_raw + bias)); state = exp(dt·A)·state + dt·x⊗B; y = state·C + D·x.
     * One work-group per (head, channel) row of the SSM state (nheads·headdim, dstate), which starts
     * at state[stateOff]: its work items walk the row's dstate entries side by side, so the state,
     * by far the most data the step touches, is read and written in coalesced runs; y is the row's
     * work-group sum. From w[headsOff] (the small weights) sit, as {@link PackedBlock} lays them out, dt bias | A (as
     * −exp(A_log)) | D (nheads each) | dtMin, dtMax: one offset for all, as every task argument costs
     * room in TornadoVM's fixed 8 KiB graph code.
     */
    public static void ssdStep(KernelContext ctx, IntArray control, FloatArray zxbcdt, FloatArray xbc, FloatArray state, int stateOff,
                               FloatArray w, int headsOff, FloatArray y, int nheads, int headdim, int ngroups, int dstate) {
        int hp = ctx.groupIdx;
        ssdRow(ctx, hp, control.get(1), 1, zxbcdt, 0, xbc, 0, state, stateOff + hp * dstate, w, headsOff, y, 0, nheads, headdim, ngroups, dstate);
    }

    /**
     * The SSD step of one (head, channel) row hp of one sequence, its work-group's share of
     * {@link #ssdStep}: that sequence's zxbcdt, xbc and y start at zOff, xOff and yOff, the row's
     * state at state[so]. fresh != 0: the state restarts from zero; update == 0 leaves it unchanged
     * (a batch slot that sits a step out).
     */
    static void ssdRow(KernelContext ctx, int hp, int fresh, int update, FloatArray zxbcdt, int zOff, FloatArray xbc, int xOff,
                       FloatArray state, int so, FloatArray w, int headsOff, FloatArray y, int yOff, int nheads, int headdim,
                       int ngroups, int dstate) {
        int h = hp / headdim;
        int g = h / (nheads / ngroups);
        int dInner = nheads * headdim;
        int dtOffset = 2 * dInner + 2 * ngroups * dstate;
        float dtMin = w.get(headsOff + 3 * nheads);
        float dtMax = w.get(headsOff + 3 * nheads + 1);
        int bOff = xOff + dInner + g * dstate;
        int cOff = xOff + dInner + ngroups * dstate + g * dstate;
        float raw = zxbcdt.get(zOff + dtOffset + h) + w.get(headsOff + h);
        float dt = raw > 20.0f ? raw : TornadoMath.log(1.0f + TornadoMath.exp(raw));
        dt = TornadoMath.min(TornadoMath.max(dt, dtMin), dtMax);
        float decay = TornadoMath.exp(dt * w.get(headsOff + nheads + h));
        float x = xbc.get(xOff + hp);
        float xdt = x * dt;
        float acc = 0f;
        for (int n = ctx.localIdx; n < dstate; n += ctx.localGroupSizeX) {
            float prev = fresh != 0 ? 0f : state.get(so + n);
            float v = decay * prev + xdt * xbc.get(bOff + n);
            if (update != 0) {
                state.set(so + n, v);
            }
            acc += v * xbc.get(cOff + n);
        }
        float sum = WorkGroups.sum(ctx, acc);
        if (ctx.localIdx == 0) {
            y.set(yOff + hp, sum + w.get(headsOff + 2 * nheads + h) * x);
        }
    }
}
