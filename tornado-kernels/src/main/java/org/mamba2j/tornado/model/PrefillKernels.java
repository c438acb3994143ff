package org.mamba2j.tornado.model;

import org.mamba2j.tornado.mma.MmaGemm;
import org.mamba2j.tornado.mma.MmaTiles;
import org.mamba2j.tornado.ssd.SsdKernels;
import org.mamba2j.tornado.WorkGroups;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.annotations.Parallel;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.LongArray;

/**
 * The Mamba-2 block over all positions of a prompt at once (batch 1), as TornadoVM kernels over
 * off-heap arrays; the SSD in between is {@link SsdKernels} and its blocked/tiled twins.
 * Activations are row-major (rows, features), one row per position; zxbcdt is the in_proj output
 * (rows, dInProj) laid out z | x | B | C | dt per row.
 *
 * <p>One compiled plan serves every prompt length up to its capacity: the length of a pass lives in
 * {@code control} (TornadoVM bakes scalar arguments into the kernel, an array it reads at run time),
 * the worker grids shrink to it, and each loop kernel checks its own work items against it. The
 * prompt sits at the end of the rows: rows t < start are padding. Padding is exact because a pass
 * that has padding starts from zero states: its inputs count as zero in the causal conv (the zero
 * initial window) and x = B = C = 0 there, so the SSM state stays exactly zero through it.
 *
 * <p>Kernels that read a weight matrix come twice, for float32 weights and (suffixed 16) for 16-bit
 * ones, read by {@link MixerKernels#w16} as their int argument {@code decode} says ({@link Decode}).
 *
 * <p>Loop kernels run to {@code padded}, the global size of their grid at capacity: with a
 * GridScheduler TornadoVM bounds a {@code @Parallel} loop by the grid, and the kernel skips the
 * items past the current pass.
 */
public final class PrefillKernels {

    /** control[ROWS]: rows of this pass (a multiple of the chunk size). */
    public static final int ROWS = 0;
    /** control[START]: the first row holding a prompt token; rows before it are padding. */
    public static final int START = 1;
    /** control[RESUME]: 1 when the pass continues from the states of the one before (no padding then). */
    public static final int RESUME = 2;
    public static final int CONTROL_LENGTH = 3;

    private PrefillKernels() {
    }

    /** out[t, :] = table[tokens[t], :], 0 in the padding   (rows × dModel). */
    public static void embedRows(IntArray control, IntArray tokens, FloatArray table, FloatArray out, int dModel, int padded) {
        for (@Parallel int i = 0; i < padded; i++) {
            int t = i / dModel;
            if (t < control.get(ROWS)) {
                float v = 0f;
                if (t >= control.get(START)) {
                    v = table.get(tokens.get(t) * dModel + i - t * dModel);
                }
                out.set(i, v);
            }
        }
    }

    /** {@link #embedRows} from a 16-bit table, read as {@code decode} says; small holds the decode table. */
    public static void embedRows16(IntArray control, IntArray tokens, LongArray table, FloatArray small, FloatArray out, int dModel, int padded,
                                   int decode) {
        for (@Parallel int i = 0; i < padded; i++) {
            int t = i / dModel;
            if (t < control.get(ROWS)) {
                float v = 0f;
                if (t >= control.get(START)) {
                    v = MixerKernels.w16(table, small, tokens.get(t) * dModel + i - t * dModel, decode);
                }
                out.set(i, v);
            }
        }
    }

    /** out[t, :] = x[t, :] · rsqrt(mean(x[t, :]²) + eps) · w   (rows × n); one work-group per row, the weight at w[wOff]. */
    public static void rmsNormRows(KernelContext ctx, FloatArray x, FloatArray w, int wOff, FloatArray out, int n, float eps) {
        normRow(ctx, x, w, wOff, out, n, eps);
    }

    /**
     * x[t, :] += add[t, :] where {@code adding} ≠ 0 (the residual add of a tensor-core out_proj, which stores whole tiles
     * and cannot accumulate, folded into the next block's norm), then {@link #rmsNormRows} into fp16 pairs for the
     * tensor-core in_proj ({@link MmaGemm#HALVES}): out[(t·n + i)/2] holds elements i and i + 1 of row t; n even.
     */
    public static void rmsNormRowsHalves(KernelContext ctx, FloatArray x, FloatArray add, int adding, FloatArray w, int wOff, IntArray out, int n,
                                         float eps) {
        int lid = ctx.localIdx;
        int size = ctx.localGroupSizeX;
        int base = ctx.groupIdx * n;
        float sum = 0f;
        // a pair per work item throughout: the same work item reads its sums back below, no barrier between
        for (int i = 2 * lid; i < n; i += 2 * size) {
            float v0 = x.get(base + i);
            float v1 = x.get(base + i + 1);
            if (adding != 0) {
                v0 += add.get(base + i);
                v1 += add.get(base + i + 1);
                x.set(base + i, v0);
                x.set(base + i + 1, v1);
            }
            sum += v0 * v0 + v1 * v1;
        }
        float scale = 1.0f / TornadoMath.sqrt(WorkGroups.sum(ctx, sum) / n + eps);
        for (int i = 2 * lid; i < n; i += 2 * size) {
            out.set((base + i) >> 1, MmaTiles.halfPair(x.get(base + i) * scale * w.get(wOff + i),
                    x.get(base + i + 1) * scale * w.get(wOff + i + 1)));
        }
    }

    /** Row groupIdx of {@link #rmsNormRows}. */
    private static void normRow(KernelContext ctx, FloatArray x, FloatArray w, int wOff, FloatArray out, int n, float eps) {
        int lid = ctx.localIdx;
        int size = ctx.localGroupSizeX;
        int base = ctx.groupIdx * n;
        float sum = 0f;
        for (int i = lid; i < n; i += size) {
            float v = x.get(base + i);
            sum += v * v;
        }
        float scale = 1.0f / TornadoMath.sqrt(WorkGroups.sum(ctx, sum) / n + eps);
        for (int i = lid; i < n; i += size) {
            out.set(base + i, x.get(base + i) * scale * w.get(wOff + i));
        }
    }

    /**
     * Causal depthwise conv1d + SiLU over the x | B | C channels of every row, written as the SSD
     * kernels read them: x (rows, dInner), B and C (rows, gn); dt (rows, nheads) is copied out of
     * zxbcdt alongside (items convDim.. of each row), so the conv and the split are one pass.
     * i over rows · (convDim + nheads), convDim = dInner + 2·gn.
     * Inputs before row 0 come from the conv window at states[convAt] ((convDim, dConv − 1), oldest
     * first, as {@link MixerKernels#normInProjConv} keeps it) when control[RESUME], else they are zero;
     * padding rows count as zero inputs and get x = B = C = 0. convW (convDim, dConv) starts at
     * w[convWOff], convB right after it.
     */
    public static void causalConv(IntArray control, FloatArray zxbcdt, FloatArray states, int convAt, FloatArray w, int convWOff,
                                  FloatArray x, FloatArray B, FloatArray C, FloatArray dt, int dInner, int gn, int nheads, int dConv,
                                  int padded) {
        for (@Parallel int i = 0; i < padded; i++) {
            int convDim = dInner + 2 * gn;
            int width = convDim + nheads;
            int t = i / width;
            int c = i - t * width;
            if (t < control.get(ROWS)) {
                int dInProj = dInner + width;
                if (c < convDim) {
                    int start = control.get(START);
                    boolean resume = control.get(RESUME) != 0;
                    float v = 0f;
                    if (t >= start) {
                        float acc = w.get(convWOff + convDim * dConv + c);
                        int wc = convWOff + c * dConv;
                        // taps four a round, every load of a round issued before its arithmetic: one memory round trip a
                        // round rather than one a tap (the kernel waits on latency, not bandwidth)
                        for (int k = 0; k < dConv; k += 4) {
                            int s = t - (dConv - 1) + k;
                            float i0 = convInput(zxbcdt, states, convAt, c, s, true, dConv, dInProj, dInner, start, resume);
                            float i1 = convInput(zxbcdt, states, convAt, c, s + 1, k + 1 < dConv, dConv, dInProj, dInner, start, resume);
                            float i2 = convInput(zxbcdt, states, convAt, c, s + 2, k + 2 < dConv, dConv, dInProj, dInner, start, resume);
                            float i3 = convInput(zxbcdt, states, convAt, c, s + 3, k + 3 < dConv, dConv, dInProj, dInner, start, resume);
                            float w0 = w.get(wc + k), w1 = SsdKernels.read(w, wc + k + 1, k + 1 < dConv);
                            float w2 = SsdKernels.read(w, wc + k + 2, k + 2 < dConv), w3 = SsdKernels.read(w, wc + k + 3, k + 3 < dConv);
                            acc += (w0 * i0 + w1 * i1) + (w2 * i2 + w3 * i3);
                        }
                        v = SsdKernels.silu(acc);
                    }
                    convStore(x, B, C, t, c, v, dInner, gn);
                } else {
                    dt.set(t * nheads + c - convDim, zxbcdt.get(t * dInProj + dInner + c));
                }
            }
        }
    }

    /** Rows of the prefill's conv a work item of {@link #causalConvRows} computes. */
    public static final int CONV_ROWS = 4;

    /**
     * {@link #causalConv} with each work item on {@link #CONV_ROWS} consecutive rows of one channel: a round of four taps
     * loads the seven inputs its four rows share and the four weights once (the loop variant loads four inputs and four
     * weights a row), all of them in flight before its sixteen products. i over ⌈rows / 4⌉ · (convDim + nheads).
     */
    public static void causalConvRows(IntArray control, FloatArray zxbcdt, FloatArray states, int convAt, FloatArray w, int convWOff,
                                      FloatArray x, FloatArray B, FloatArray C, FloatArray dt, int dInner, int gn, int nheads, int dConv,
                                      int padded) {
        for (@Parallel int i = 0; i < padded; i++) {
            int convDim = dInner + 2 * gn;
            int width = convDim + nheads;
            int tb = i / width;
            int t0 = tb * CONV_ROWS;
            int c = i - tb * width;
            int rows = control.get(ROWS);
            if (t0 < rows) {
                int dInProj = dInner + width;
                if (c < convDim) {
                    int start = control.get(START);
                    boolean resume = control.get(RESUME) != 0;
                    float bias = w.get(convWOff + convDim * dConv + c);
                    float a0 = bias, a1 = bias, a2 = bias, a3 = bias;
                    int wc = convWOff + c * dConv;
                    for (int k = 0; k < dConv; k += 4) {
                        // row t0 + r, tap k + q reads input s + r + q: seven inputs serve the round's sixteen products; an input
                        // past the last row is 0 (it meets only a weight past dConv, which is 0 too)
                        int s = t0 - (dConv - 1) + k;
                        float u0 = convInput(zxbcdt, states, convAt, c, s, s < rows, dConv, dInProj, dInner, start, resume);
                        float u1 = convInput(zxbcdt, states, convAt, c, s + 1, s + 1 < rows, dConv, dInProj, dInner, start, resume);
                        float u2 = convInput(zxbcdt, states, convAt, c, s + 2, s + 2 < rows, dConv, dInProj, dInner, start, resume);
                        float u3 = convInput(zxbcdt, states, convAt, c, s + 3, s + 3 < rows, dConv, dInProj, dInner, start, resume);
                        float u4 = convInput(zxbcdt, states, convAt, c, s + 4, s + 4 < rows, dConv, dInProj, dInner, start, resume);
                        float u5 = convInput(zxbcdt, states, convAt, c, s + 5, s + 5 < rows, dConv, dInProj, dInner, start, resume);
                        float u6 = convInput(zxbcdt, states, convAt, c, s + 6, s + 6 < rows, dConv, dInProj, dInner, start, resume);
                        float w0 = w.get(wc + k), w1 = SsdKernels.read(w, wc + k + 1, k + 1 < dConv);
                        float w2 = SsdKernels.read(w, wc + k + 2, k + 2 < dConv), w3 = SsdKernels.read(w, wc + k + 3, k + 3 < dConv);
                        a0 += (w0 * u0 + w1 * u1) + (w2 * u2 + w3 * u3);
                        a1 += (w0 * u1 + w1 * u2) + (w2 * u3 + w3 * u4);
                        a2 += (w0 * u2 + w1 * u3) + (w2 * u4 + w3 * u5);
                        a3 += (w0 * u3 + w1 * u4) + (w2 * u5 + w3 * u6);
                    }
                    convStore(x, B, C, t0, c, t0 >= start ? SsdKernels.silu(a0) : 0f, dInner, gn);
                    if (t0 + 1 < rows) convStore(x, B, C, t0 + 1, c, t0 + 1 >= start ? SsdKernels.silu(a1) : 0f, dInner, gn);
                    if (t0 + 2 < rows) convStore(x, B, C, t0 + 2, c, t0 + 2 >= start ? SsdKernels.silu(a2) : 0f, dInner, gn);
                    if (t0 + 3 < rows) convStore(x, B, C, t0 + 3, c, t0 + 3 >= start ? SsdKernels.silu(a3) : 0f, dInner, gn);
                } else {
                    for (int r = 0; r < CONV_ROWS; r++) {
                        if (t0 + r < rows) dt.set((t0 + r) * nheads + c - convDim, zxbcdt.get((t0 + r) * dInProj + dInner + c));
                    }
                }
            }
        }
    }

    /**
     * Input s of channel c of the conv: row s of zxbcdt from control[START] on, the conv window for rows before 0 when
     * resuming, else 0; 0 where {@code ok} is false. Branch-free (clamped reads, every index inside its array), so that a
     * round's loads can all be in flight at once.
     */
    private static float convInput(FloatArray zxbcdt, FloatArray states, int convAt, int c, int s, boolean ok, int dConv, int dInProj,
                                   int dInner, int start, boolean resume) {
        return SsdKernels.read(zxbcdt, Math.max(s, 0) * dInProj + dInner + c, ok & s >= start)
                + SsdKernels.read(states, convAt + c * (dConv - 1) + dConv - 1 + Math.max(Math.min(s, 0), 1 - dConv),
                ok & s < 0 & s > -dConv & resume);
    }

    /** Output v of the conv at row t, channel c, into x, B or C as the channel falls. */
    private static void convStore(FloatArray x, FloatArray B, FloatArray C, int t, int c, float v, int dInner, int gn) {
        if (c < dInner) {
            x.set(t * dInner + c, v);
        } else if (c < dInner + gn) {
            B.set(t * gn + c - dInner, v);
        } else {
            C.set(t * gn + c - dInner - gn, v);
        }
    }

    /**
     * The conv window after the last row, into states[convAt] ((convDim, dConv − 1), oldest first):
     * the raw x | B | C inputs of the last dConv − 1 rows, 0 for padding rows; i over convDim·(dConv − 1).
     * Must run after {@link #causalConv}, which reads the window this overwrites; rows ≥ dConv − 1.
     */
    public static void saveConvWindow(IntArray control, FloatArray zxbcdt, FloatArray states, int convAt, int dInner, int convDim,
                                      int dInProj, int dConv, int padded) {
        for (@Parallel int i = 0; i < padded; i++) {
            if (i < convDim * (dConv - 1)) {
                int c = i / (dConv - 1);
                int s = control.get(ROWS) - (dConv - 1) + i - c * (dConv - 1);
                float v = 0f;
                if (s >= control.get(START)) {
                    v = zxbcdt.get(s * dInProj + dInner + c);
                }
                states.set(convAt + i, v);
            }
        }
    }

    /**
     * Gated RMSNorm per row and norm group, as {@link MixerKernels#gatedRmsNorm}:
     * g = y·silu(z); out = g · rsqrt(mean_group(g²) + eps) · w. One work-group per (row, group);
     * y and out (rows, dInner), z the head of each zxbcdt row (stride dInProj), the weight (dInner) from w[wOff].
     * g is computed twice, for the sum and for the output (each work item reads its own y and z again,
     * from the cache), rather than written out and read back.
     */
    public static void gatedRmsNormRows(KernelContext ctx, FloatArray y, FloatArray zxbcdt, FloatArray w, int wOff, FloatArray out,
                                        int dInner, int dInProj, int groupSize, float eps) {
        int yb = ctx.groupIdx * groupSize;
        int zb = gateAt(yb, dInner, dInProj);
        int g0 = yb % dInner;
        float scale = gatedScale(ctx, y, zxbcdt, yb, zb, groupSize, eps, 1);
        for (int i = ctx.localIdx; i < groupSize; i += ctx.localGroupSizeX) {
            out.set(yb + i, gated(y, zxbcdt, yb, zb, i) * scale * w.get(wOff + g0 + i));
        }
    }

    /**
     * {@link #gatedRmsNormRows} into fp16 pairs for the tensor-core out_proj ({@link MmaGemm#HALVES}):
     * out[(t·dInner + i)/2] holds elements i and i + 1 of row t; dInner and groupSize even.
     */
    public static void gatedRmsNormRowsHalves(KernelContext ctx, FloatArray y, FloatArray zxbcdt, FloatArray w, int wOff, IntArray out,
                                              int dInner, int dInProj, int groupSize, float eps) {
        int yb = ctx.groupIdx * groupSize;
        int zb = gateAt(yb, dInner, dInProj);
        int g0 = yb % dInner;
        float scale = gatedScale(ctx, y, zxbcdt, yb, zb, groupSize, eps, 2);
        for (int i = 2 * ctx.localIdx; i < groupSize; i += 2 * ctx.localGroupSizeX) {
            out.set((yb + i) >> 1, MmaTiles.halfPair(gated(y, zxbcdt, yb, zb, i) * scale * w.get(wOff + g0 + i),
                    gated(y, zxbcdt, yb, zb, i + 1) * scale * w.get(wOff + g0 + i + 1)));
        }
    }

    /** Where in zxbcdt the gate z of the y element at yb starts. */
    private static int gateAt(int yb, int dInner, int dInProj) {
        return yb / dInner * dInProj + yb % dInner;
    }

    /** g = y·silu(z) of element i of the group at yb (its z at zb). */
    private static float gated(FloatArray y, FloatArray zxbcdt, int yb, int zb, int i) {
        return y.get(yb + i) * SsdKernels.silu(zxbcdt.get(zb + i));
    }

    /**
     * The scale of the group at yb of y (its z at zb of zxbcdt): rsqrt(mean(g²) + eps), {@code width} consecutive
     * elements a work item (the second pass takes the same ones).
     */
    private static float gatedScale(KernelContext ctx, FloatArray y, FloatArray zxbcdt, int yb, int zb, int groupSize, float eps, int width) {
        float sum = 0f;
        for (int i = width * ctx.localIdx; i < groupSize; i += width * ctx.localGroupSizeX) {
            for (int j = i; j < i + width; j++) {
                float g = gated(y, zxbcdt, yb, zb, j);
                sum += g * g;
            }
        }
        return 1.0f / TornadoMath.sqrt(WorkGroups.sum(ctx, sum) / groupSize + eps);
    }

    /**
     * out = x[rows − 1, :], plus add[rows − 1, :] when {@code adding} ≠ 0 (the last block's tensor-core
     * out_proj, see {@link #rmsNormRowsHalves})   (n): the last position, the only one whose logits a prefill returns.
     */
    public static void lastRow(IntArray control, FloatArray x, FloatArray add, int adding, FloatArray out, int n, int padded) {
        for (@Parallel int i = 0; i < padded; i++) {
            if (i < n) {
                int at = (control.get(ROWS) - 1) * n + i;
                float v = x.get(at);
                if (adding != 0) {
                    v += SsdKernels.read(add, at, true); // clamped: add is a one-element stand-in when not adding
                }
                out.set(i, v);
            }
        }
    }
}
