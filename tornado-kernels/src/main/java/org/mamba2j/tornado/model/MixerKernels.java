package org.mamba2j.tornado.model;

import org.mamba2j.tornado.Packed16;
import org.mamba2j.tornado.WorkGroups;
import org.mamba2j.tornado.ssd.SsdKernels;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.annotations.Parallel;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.BFloat16;
import uk.ac.manchester.tornado.api.types.HalfFloat;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.HalfFloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.LongArray;

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
 * distinct objects. A kernel that reads a matrix takes both arrays, float32 (FloatArray) and 16-bit
 * (four patterns a long, {@link Packed16}, decoded by {@link #decode16} as its {@link Decode} says), and an
 * int {@code weights} argument that says which one holds the matrix ({@link #weight}); the other is a
 * one-element stand-in.
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
    public static void embed16(IntArray control, LongArray table, FloatArray small, FloatArray out, int dim, int decode) {
        for (@Parallel int i = 0; i < dim; i++) {
            out.set(i, w16(table, small, control.get(0) * dim + i, decode));
        }
    }

    /** Element i of a 16-bit weight array ({@link Packed16}) as a float, by {@code decode} ({@link #decode16}). */
    public static float w16(LongArray w, FloatArray table, int i, int decode) {
        return decode16(Packed16.pattern(w, i), table, decode);
    }

    /**
     * A 16-bit weight pattern (F16 or BF16, bits in 0..0xffff) as a float, by {@code decode}
     * ({@link Decode#arg}): {@link Decode#BF16_ARG} TornadoVM's BFloat16.bf16ToFloat (CUDA backend
     * only), {@link Decode#F16_ARG} {@link #f16}, else the decode table at table[0]
     * ({@link WeightFormat}). A task's decode is a constant TornadoVM compiles in, so the branch
     * folds to the one decode the task uses. One return, through a variable: TornadoVM's CUDA
     * backend mis-lowers early returns of a helper inlined into a kernel loop (its issue #931).
     */
    public static float decode16(int bits, FloatArray table, int decode) {
        float v;
        if (decode == Decode.BF16_ARG) {
            v = BFloat16.bf16ToFloat((short) bits);
        } else if (decode == Decode.F16_ARG) {
            v = f16(bits);
        } else if (decode == Decode.F16_SCALED_ARG) {
            v = f16Scaled(bits);
        } else {
            int hi = (bits >> 7) & 0x1ff;
            v = table.get(2 * hi) + table.get(2 * hi + 1) * (bits & 0x7f);
        }
        return v;
    }

    /**
     * The dot product of two 16-bit weights (the low and high half of {@code pair}: two of the four a
     * long holds, {@link Packed16}) with v0, v1, decoded as {@link #decode16}. Two, not four: TornadoVM
     * inlines a helper of at most 600 nodes, and a decode is about 150 before its branch folds. The
     * high half is {@code (pair >> 16) & 0xffff}, not {@code pair >>> 16}: Graal merges the latter with
     * the table decode's {@code >> 7} into {@code pair >>> 23}, which TornadoVM 5.2's OpenCL backend
     * emits as C's arithmetic {@code >>} on an int, indexing below the table (PoCL crashed on it).
     */
    static float dot2(int pair, float v0, float v1, FloatArray table, int decode) {
        return decode16(pair & 0xffff, table, decode) * v0 + decode16((pair >> 16) & 0xffff, table, decode) * v1;
    }

    /**
     * Where a row kernel stages element i of its shared vector (cols4 = cols / 4): in place for
     * float32 weights; for 16-bit ones in four planes, element 4j + k at k·cols4 + j, so that the
     * work items reading consecutive longs of a row ({@link #dot2}) read v without bank conflicts.
     */
    static int staged(int i, int cols4, int weights) {
        return weights == F32 ? i : (i & 3) * cols4 + (i >> 2);
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

    /**
     * {@link #f16} with one integer conversion and no branch, for the CUDA backend: the significand (1024 +
     * mantissa for a normal pattern, the mantissa for a subnormal one) times ±2^(max(exponent, 1) − 25), a
     * power of two whose BF16 pattern (the sign, and the exponent biased by 127) {@code BFloat16.bf16ToFloat}
     * reinterprets in one instruction there. Exact for every finite pattern (a product of at most 11
     * significant bits and a power of two between 2^−24 and 2^5); exponent 31 comes out wrong, as in f16.
     */
    public static float f16Scaled(int bits) {
        int exponent = bits & 0x7c00;                                      // e << 10
        int scaled = Math.max(exponent, 0x400);                            // max(e, 1) << 10
        int significand = (bits & 0x7fff) + 0x400 - scaled;               // 1024 + mantissa, or the mantissa if e = 0
        int scale = (bits & 0x8000) | ((scaled >> 3) + (102 << 7));        // ±2^(max(e, 1) − 25), a BF16 pattern
        return significand * BFloat16.bf16ToFloat((short) scale);
    }

    /** out[at] = w[0]: the weights graph's task per array (TornadoVM uploads only what a task reads). */
    public static void first(FloatArray w, FloatArray out, int at) {
        for (@Parallel int i = 0; i < 1; i++) {
            out.set(at, w.get(0));
        }
    }

    /** {@link #first} of a 16-bit array (its first four raw patterns). */
    public static void first16(LongArray w, FloatArray out, int at) {
        for (@Parallel int i = 0; i < 1; i++) {
            out.set(at, w.get(0));
        }
    }

    /** states = 0   (n): a sequence's states before anything has run. */
    public static void clearStates(FloatArray states, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            states.set(i, 0f);
        }
    }

    /**
     * The row kernels' {@code weights} argument for float32 weights (in w32); 16-bit weights (in w16)
     * pass the {@link Decode#arg} that reads them. A constant TornadoVM compiles into the task, so
     * the kernel keeps only the branch it uses.
     */
    public static final int F32 = -1;
    /** The longest vector a row kernel stages in local memory: d_inner of the largest Mamba-2 (8b) is 8192. */
    public static final int MAX_STAGED = 8192;

    /*
     * The block kernels (normInProjConv, ssdStep, gatedMatVecAccumulate) take the model's dimensions
     * as scalar arguments, which TornadoVM compiles in as constants: read from an array at run time
     * they cost registers (the 2.7b in_proj took 48 a work item, two work-groups of 512 an SM, where
     * the lm_head, the same row kernel with constant sizes, takes 32). A block's parts are found from
     * the block's three bases (small weights, projections, states) plus the part's offset, the same for
     * every block ({@link PackedBlock}, {@link PackedStates}): a graph holds a block's distinct ints
     * as nodes, and TornadoVM's graphs hold 1024 (see DecodePlan).
     */

    /** The row kernels' {@code weights} argument for weights the device keeps in {@code f}, 16-bit ones read by {@code decode}. */
    public static int weightsArg(WeightFormat f, Decode decode) {
        return f == WeightFormat.F32 ? F32 : decode.arg();
    }

    /** Weight element i from w32 (weights {@link #F32}) or w16 (16-bit patterns read by the decode {@code weights} names, {@link #w16}). */
    static float weight(FloatArray w32, LongArray w16, FloatArray small, int weights, int i) {
        return weights == F32 ? w32.get(i) : w16(w16, small, i, weights);
    }

    /*
     * The row kernels (normInProjConv, normMatVecOut, gatedMatVecAccumulate): out[row] = W[row, :] · v
     * for a vector v that every row shares, a norm of the activations. A work-group of L work items
     * first stages v in local memory (and reduces its norm statistics once), then computes L / lanes
     * rows, {@code lanes} work items a row (a power of two from a warp up to L, so that each reads
     * about the device config's tile of the row: WorkGroups.rowLanes) reading the row in coalesced
     * runs against the staged v: float32 weights four loads in flight a work item, 16-bit ones a
     * long (four weights) a load, two in flight, against v staged in four planes ({@link #staged});
     * a row's sum is a tree over its lanes (WorkGroups.rowSum). A small matrix is thus read in a
     * few rounds of memory latency, not one row per warp in dozens of them (the 130m out_proj, 768
     * rows of 1536: 18 µs as 96 work-groups of 32-lane rows on the H200, 11 µs with 128 lanes a
     * row). Measured and slower: eight loads in flight over a zero-padded v, and fewer work-groups
     * walking the rows (docs/decode-kernels.md). The weights are the only global stream. The
     * staging and the dot loop are one helper, {@link #rowDot}, which allocates the staged vector
     * itself: TornadoVM 5.2 addresses a local array handed to a helper as a global one
     * (docs/tensor-cores.md), one a helper allocates as local (as WorkGroups.sum's). A task's
     * {@code weights} and the helper's staging mode are constants, so only one dot loop and one
     * staging are compiled into each kernel.
     */

    /** {@link #rowDot}'s staging: the RMSNorm of a vector (the norm before in_proj and the lm_head). */
    static final int STAGE_NORM = 0;
    /** {@link #rowDot}'s staging: the gated RMSNorm of the SSD's output (before out_proj), per norm group. */
    static final int STAGE_GATED = 1;

    /**
     * W[row, :] · v for the row of this work item's run of {@code lanes} (its first element at {@code base} of w32 or w16,
     * as {@code weights} says), returned to every work item of the row; v (cols) is staged once per work-group, as
     * {@code stage} says: {@link #STAGE_NORM} a[i]·small[normOff + i], the dot then scaled by rsqrt(mean(a²) + eps);
     * {@link #STAGE_GATED} a[i] (the gated SSD output g = y·silu(z), {@link #ssdStep}), each group of groupSize scaled by
     * rsqrt(mean(g²) + eps), times small[normOff + i]. The row's first round of weights is requested before the staging, so that its latency
     * overlaps the staging and its reductions. Every work item of the group must call it (barriers).
     */
    static float rowDot(KernelContext ctx, int stage, FloatArray a, FloatArray small, int normOff, int cols, int groupSize,
                        float eps, FloatArray w32, LongArray w16, int weights, int base, int lanes) {
        int cols4 = cols >> 2;
        float[] v = ctx.allocateFloatLocalArray(MAX_STAGED);
        int lane = ctx.localIdx % lanes;
        int q = base >> 2, lastLong = cols4 - 1, lastCol = cols - 1;
        float f0 = 0f, f1 = 0f, f2 = 0f, f3 = 0f;
        long w0 = 0L, w1 = 0L;
        if (weights == F32) {
            f0 = w32.get(base + Math.min(lane, lastCol));
            f1 = w32.get(base + Math.min(lane + lanes, lastCol));
            f2 = w32.get(base + Math.min(lane + 2 * lanes, lastCol));
            f3 = w32.get(base + Math.min(lane + 3 * lanes, lastCol));
        } else {
            w0 = w16.get(q + Math.min(lane, lastLong));
            w1 = w16.get(q + Math.min(lane + lanes, lastLong));
        }
        float scale = 1f;
        if (stage == STAGE_NORM) {
            float squares = 0f;
            for (int i = ctx.localIdx; i < cols; i += ctx.localGroupSizeX) {
                float xi = a.get(i);
                squares += xi * xi;
                v[staged(i, cols4, weights)] = xi * small.get(normOff + i);
            }
            scale = 1.0f / TornadoMath.sqrt(WorkGroups.sum(ctx, squares) / cols + eps);
        } else {
            for (int i = ctx.localIdx; i < cols; i += ctx.localGroupSizeX) {
                v[staged(i, cols4, weights)] = a.get(i);
            }
            ctx.localBarrier();
            for (int g0 = 0; g0 < cols; g0 += groupSize) {
                float squares = 0f;
                for (int i = g0 + ctx.localIdx; i < g0 + groupSize; i += ctx.localGroupSizeX) {
                    float g = v[staged(i, cols4, weights)];
                    squares += g * g;
                }
                float s = 1.0f / TornadoMath.sqrt(WorkGroups.sum(ctx, squares) / groupSize + eps);
                for (int i = g0 + ctx.localIdx; i < g0 + groupSize; i += ctx.localGroupSizeX) {
                    int at = staged(i, cols4, weights);
                    v[at] = v[at] * s * small.get(normOff + i);
                }
            }
            ctx.localBarrier();
        }
        float d0 = 0f, d1 = 0f, d2 = 0f, d3 = 0f;
        if (weights == F32) {
            int i = lane;
            for (; i + 3 * lanes < cols; i += 4 * lanes) {
                // the next round's loads first, so that they are in flight while this round is summed
                int n = i + 4 * lanes;
                float g0 = w32.get(base + Math.min(n, lastCol)), g1 = w32.get(base + Math.min(n + lanes, lastCol));
                float g2 = w32.get(base + Math.min(n + 2 * lanes, lastCol)), g3 = w32.get(base + Math.min(n + 3 * lanes, lastCol));
                d0 += f0 * v[i];
                d1 += f1 * v[i + lanes];
                d2 += f2 * v[i + 2 * lanes];
                d3 += f3 * v[i + 3 * lanes];
                f0 = g0;
                f1 = g1;
                f2 = g2;
                f3 = g3;
            }
            // fewer than four left: f0, f1, f2 hold the row at i, i + lanes, i + 2·lanes where those are inside it
            if (i < cols) d0 += f0 * v[i];
            if (i + lanes < cols) d1 += f1 * v[i + lanes];
            if (i + 2 * lanes < cols) d2 += f2 * v[i + 2 * lanes];
        } else {
            // long j of the row holds elements 4j..4j+3, staged at v[j], v[c1 + j], v[c2 + j], v[c3 + j]; two longs in flight
            // (four took more registers than 1024 work items have on PTX, where TornadoVM then shrinks the work-group)
            int c1 = cols4, c2 = 2 * cols4, c3 = 3 * cols4;
            int j = lane;
            for (; j + lanes < cols4; j += 2 * lanes) {
                int j1 = j + lanes;
                // the next round's loads first, so that they are in flight while this round is summed
                long n0 = w16.get(q + Math.min(j + 2 * lanes, lastLong)), n1 = w16.get(q + Math.min(j1 + 2 * lanes, lastLong));
                d0 += dot2((int) w0, v[j], v[c1 + j], small, weights) + dot2((int) (w0 >> 32), v[c2 + j], v[c3 + j], small, weights);
                d1 += dot2((int) w1, v[j1], v[c1 + j1], small, weights) + dot2((int) (w1 >> 32), v[c2 + j1], v[c3 + j1], small, weights);
                w0 = n0;
                w1 = n1;
            }
            if (j < cols4) {
                d2 += dot2((int) w0, v[j], v[c1 + j], small, weights) + dot2((int) (w0 >> 32), v[c2 + j], v[c3 + j], small, weights);
            }
        }
        return WorkGroups.rowSum(ctx, (d0 + d1) + (d2 + d3), lanes) * scale;
    }

    /**
     * zxbcdt[row] = W[row, :] · rmsNorm(x)   (rows = d_in_proj), then for a row of x | B | C
     * (xbcOffset ≤ row < xbcOffset + convDim) that channel's causal conv step and SiLU into xbc:
     * in_proj (at W[wOff], as {@code weights} says) with the block's RMSNorm (its weight at small[normOff])
     * and the conv folded in (a row kernel, see above). The conv window of channel c sits at
     * state[convAt + c·(dConv − 1)], oldest first (the layout the prefill's conv reads and leaves);
     * control[1] != 0 restarts it from zeros. convW (convDim, dConv) follows the norm weight in small,
     * convB (convDim) right after it ({@link PackedBlock}).
     */
    public static void normInProjConv(KernelContext ctx, IntArray control, FloatArray x, FloatArray small, int normOff, FloatArray w32,
                                      LongArray w16, int weights, int wOff, FloatArray zxbcdt, float eps, FloatArray state, int convAt,
                                      FloatArray xbc, int cols, int rows, int xbcOffset, int convDim, int dConv, int lanes) {
        int convWOff = normOff + cols;
        int row = ctx.groupIdx * (ctx.localGroupSizeX / lanes) + ctx.localIdx / lanes;
        float dot = rowDot(ctx, STAGE_NORM, x, small, normOff, cols, cols, eps, w32, w16, weights, wOff + Math.min(row, rows - 1) * cols, lanes);
        if (ctx.localIdx % lanes == 0 && row < rows) {
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

    /**
     * out[row] = W[row, :] · rmsNorm(x; small[normOff..])   (rows = vocab): norm_f and the lm_head
     * into the logits, a row kernel (see above).
     */
    public static void normMatVecOut(KernelContext ctx, FloatArray x, FloatArray small, int normOff, FloatArray w32, LongArray w16, int weights,
                                     FloatArray out, int rows, int cols, float eps, int lanes) {
        int row = ctx.groupIdx * (ctx.localGroupSizeX / lanes) + ctx.localIdx / lanes;
        float dot = rowDot(ctx, STAGE_NORM, x, small, normOff, cols, cols, eps, w32, w16, weights, Math.min(row, rows - 1) * cols, lanes);
        if (ctx.localIdx % lanes == 0 && row < rows) {
            out.set(row, dot);
        }
    }

    /**
     * acc[row] += W[row, :] · gatedRmsNorm(g)   (rows = d_model, cols = d_inner): out_proj (at W[bigAt + wPart])
     * onto the residual stream with the gated norm folded in, grouped as mamba_ssm does: g = y·silu(z) as
     * {@link #ssdStep} leaves it, each group of groupSize channels scaled by rsqrt(mean(g²) + eps), times the norm
     * weight at small[smallAt + normPart]. A row kernel (see above): the group scales are computed once per work-group.
     */
    public static void gatedMatVecAccumulate(KernelContext ctx, FloatArray g, FloatArray small, int smallAt, int normPart, FloatArray w32,
                                             LongArray w16, int weights, int bigAt, int wPart, FloatArray acc, float eps, int rows, int cols,
                                             int groupSize, int lanes) {
        int row = ctx.groupIdx * (ctx.localGroupSizeX / lanes) + ctx.localIdx / lanes;
        float dot = rowDot(ctx, STAGE_GATED, g, small, smallAt + normPart, cols, groupSize, eps, w32, w16, weights,
                bigAt + wPart + Math.min(row, rows - 1) * cols, lanes);
        if (ctx.localIdx % lanes == 0 && row < rows) {
            acc.set(row, acc.get(row) + dot);
        }
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
        return SsdKernels.silu(acc);
    }

    /**
     * The recurrent SSD step for all heads, gated   (nheads·headdim outputs):
     * dt = clamp(softplus(dt_raw + bias)); state = exp(dt·A)·state + dt·x⊗B; y = state·C + D·x; g = y·silu(z).
     * The gate (z the head of zxbcdt) is applied here, once a channel, so that out_proj's work-groups, which
     * each stage all of g, do not each compute d_inner exponentials ({@link #gatedMatVecAccumulate}).
     * A row kernel: {@code lanes} work items per (head, channel) row of the SSM state (nheads·headdim,
     * dstate), which starts at state[statesAt + ssmPart], local / lanes rows a work-group; the work
     * items of a row walk its dstate entries side by side, so the state, by far the most data the step touches,
     * is read and written in coalesced runs; y is the row's sum. From w[smallAt + headsPart] (the
     * small weights) sit, as {@link PackedBlock} lays them out, dt bias | A (as −exp(A_log)) | D (nheads each) |
     * dtMin, dtMax.
     */
    public static void ssdStep(KernelContext ctx, IntArray control, FloatArray zxbcdt, FloatArray xbc, FloatArray state, int statesAt,
                               int ssmPart, FloatArray w, int smallAt, int headsPart, FloatArray gated, int nheads, int headdim, int ngroups,
                               int dstate, int lanes) {
        int headsOff = smallAt + headsPart;
        int dInner = nheads * headdim;
        int lane = ctx.localIdx % lanes;
        int row = ctx.groupIdx * (ctx.localGroupSizeX / lanes) + ctx.localIdx / lanes;
        int hp = Math.min(row, dInner - 1);
        int h = hp / headdim;
        int g = h / (nheads / ngroups);
        int so = statesAt + ssmPart + hp * dstate;
        int bOff = dInner + g * dstate;
        int cOff = bOff + ngroups * dstate;
        int fresh = control.get(1);
        float dt = SsdKernels.dt(zxbcdt.get(2 * dInner + 2 * ngroups * dstate + h), w.get(headsOff + h), 1, w.get(headsOff + 3 * nheads),
                w.get(headsOff + 3 * nheads + 1));
        float decay = TornadoMath.exp(dt * w.get(headsOff + nheads + h));
        float x = xbc.get(hp);
        float xdt = x * dt;
        float acc = stateRow(state, so, xbc, bOff, cOff, decay, xdt, fresh, row < dInner ? 1 : 0, lane, lanes, dstate);
        float sum = WorkGroups.rowSum(ctx, acc, lanes);
        if (lane == 0 && row < dInner) {
            gated.set(hp, (sum + w.get(headsOff + 2 * nheads + h) * x) * SsdKernels.silu(zxbcdt.get(hp)));
        }
    }

    /**
     * One (head, channel) row of the SSM state at state[so], this work item's entries lane, lane +
     * lanes, ... of dstate: state = decay·state + xdt·B (from zero when fresh ≠ 0; written back when
     * write ≠ 0); returns its part of state·C. B and C sit at xbc[bOff], xbc[cOff]. Four entries a
     * round, all four state reads issued before the first store: the step streams the states, and
     * one read in flight a work item left the H200's memory waiting (the batch step's states were
     * read at a third of its bandwidth).
     */
    static float stateRow(FloatArray state, int so, FloatArray xbc, int bOff, int cOff, float decay, float xdt, int fresh, int write,
                          int lane, int lanes, int dstate) {
        float acc = 0f;
        int n = lane;
        for (; n + 3 * lanes < dstate; n += 4 * lanes) {
            float s0 = state.get(so + n), s1 = state.get(so + n + lanes), s2 = state.get(so + n + 2 * lanes), s3 = state.get(so + n + 3 * lanes);
            float v0 = (fresh != 0 ? 0f : decay * s0) + xdt * xbc.get(bOff + n);
            float v1 = (fresh != 0 ? 0f : decay * s1) + xdt * xbc.get(bOff + n + lanes);
            float v2 = (fresh != 0 ? 0f : decay * s2) + xdt * xbc.get(bOff + n + 2 * lanes);
            float v3 = (fresh != 0 ? 0f : decay * s3) + xdt * xbc.get(bOff + n + 3 * lanes);
            if (write != 0) {
                state.set(so + n, v0);
                state.set(so + n + lanes, v1);
                state.set(so + n + 2 * lanes, v2);
                state.set(so + n + 3 * lanes, v3);
            }
            acc += (v0 * xbc.get(cOff + n) + v1 * xbc.get(cOff + n + lanes)) + (v2 * xbc.get(cOff + n + 2 * lanes) + v3 * xbc.get(cOff + n + 3 * lanes));
        }
        for (; n < dstate; n += lanes) {
            float v = (fresh != 0 ? 0f : decay * state.get(so + n)) + xdt * xbc.get(bOff + n);
            if (write != 0) {
                state.set(so + n, v);
            }
            acc += v * xbc.get(cOff + n);
        }
        return acc;
    }

    /**
     * {@link #stateRow} of a state stored as fp16 (the batched step at precision fast on the CUDA backend,
     * {@link BatchKernels#ssdStepRowsF16}): each entry read into float32, updated there, stored rounded to fp16; the dot
     * product with C takes the float32 values. Four entries a round, as stateRow's, with B and C read before the stores too.
     */
    static float stateRowF16(HalfFloatArray state, int so, FloatArray xbc, int bOff, int cOff, float decay, float xdt, int fresh, int write,
                             int lane, int lanes, int dstate) {
        float acc = 0f;
        int n = lane;
        // every load of the round before its stores: a store between two loads keeps the second waiting for the first (the
        // generated code addresses both through generic pointers)
        for (; n + 3 * lanes < dstate; n += 4 * lanes) {
            int n1 = n + lanes, n2 = n + 2 * lanes, n3 = n + 3 * lanes;
            float s0 = state.get(so + n).getFloat32(), s1 = state.get(so + n1).getFloat32();
            float s2 = state.get(so + n2).getFloat32(), s3 = state.get(so + n3).getFloat32();
            float b0 = xbc.get(bOff + n), b1 = xbc.get(bOff + n1), b2 = xbc.get(bOff + n2), b3 = xbc.get(bOff + n3);
            float c0 = xbc.get(cOff + n), c1 = xbc.get(cOff + n1), c2 = xbc.get(cOff + n2), c3 = xbc.get(cOff + n3);
            float v0 = (fresh != 0 ? 0f : decay * s0) + xdt * b0;
            float v1 = (fresh != 0 ? 0f : decay * s1) + xdt * b1;
            float v2 = (fresh != 0 ? 0f : decay * s2) + xdt * b2;
            float v3 = (fresh != 0 ? 0f : decay * s3) + xdt * b3;
            if (write != 0) {
                state.set(so + n, new HalfFloat(v0));
                state.set(so + n1, new HalfFloat(v1));
                state.set(so + n2, new HalfFloat(v2));
                state.set(so + n3, new HalfFloat(v3));
            }
            acc += (v0 * c0 + v1 * c1) + (v2 * c2 + v3 * c3);
        }
        for (; n < dstate; n += lanes) {
            float v = xdt * xbc.get(bOff + n) + (fresh != 0 ? 0f : decay * state.get(so + n).getFloat32());
            if (write != 0) {
                state.set(so + n, new HalfFloat(v));
            }
            acc += v * xbc.get(cOff + n);
        }
        return acc;
    }
}
