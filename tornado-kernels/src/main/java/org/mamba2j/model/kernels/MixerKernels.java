package org.mamba2j.model.kernels;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.annotations.Parallel;
import uk.ac.manchester.tornado.api.math.TornadoMath;

/**
 * The Mamba-2 block for one decoded token (batch 1), as TornadoVM kernels over primitive arrays.
 * zxbcdt is the in_proj output laid out z | x | B | C | dt; xbc the conv output x | B | C.
 * KernelContext kernels reduce in local memory; their work-group sizes come from device-configs.
 * control = {token id, 1 when the states restart from zero}: device-resident states are reset
 * by the step that starts a sequence, so they never travel back from the host.
 * Weights and states come packed (see {@link PackedBlock}, {@link PackedStates}): a kernel gets the
 * packed array and the offset of each part it reads, so a decode graph holds few distinct objects.
 */
public final class MixerKernels {

    private MixerKernels() {
    }

    /** out = table[control[0]]   (dim); control = {token, reset states}. */
    public static void embed(int[] control, float[] table, float[] out, int dim) {
        for (@Parallel int i = 0; i < dim; i++) {
            out[i] = table[control[0] * dim + i];
        }
    }

    /**
     * out = x · rsqrt(mean(x²) + eps) · w   (n); one work-group, any size that is a power of two.
     * The weight starts at w[0]: a packed block holds its norm first.
     */
    public static void rmsNorm(KernelContext ctx, float[] x, float[] w, float[] out, int n, float eps) {
        int lid = ctx.localIdx;
        int size = ctx.localGroupSizeX;
        float sum = 0f;
        for (int i = lid; i < n; i += size) {
            sum += x[i] * x[i];
        }
        float scale = 1.0f / TornadoMath.sqrt(workGroupSum(ctx, sum) / n + eps);
        for (int i = lid; i < n; i += size) {
            out[i] = x[i] * scale * w[i];
        }
    }

    /** out[row] = W[row, :] · x   (rows); one work-group per row, W row-major (rows, cols) from w[wOff]. */
    public static void matVec(KernelContext ctx, float[] w, int wOff, float[] x, float[] out, int cols) {
        float dot = rowDot(ctx, w, wOff, x, cols);
        if (ctx.localIdx == 0) {
            out[ctx.groupIdx] = dot;
        }
    }

    /** acc[row] += W[row, :] · x   (rows): the out_proj that lands on the residual stream. */
    public static void matVecAccumulate(KernelContext ctx, float[] w, int wOff, float[] x, float[] acc, int cols) {
        float dot = rowDot(ctx, w, wOff, x, cols);
        if (ctx.localIdx == 0) {
            acc[ctx.groupIdx] += dot;
        }
    }

    private static float rowDot(KernelContext ctx, float[] w, int wOff, float[] x, int cols) {
        int lid = ctx.localIdx;
        int size = ctx.localGroupSizeX;
        int base = wOff + ctx.groupIdx * cols;
        float sum = 0f;
        for (int i = lid; i < cols; i += size) {
            sum += w[base + i] * x[i];
        }
        return workGroupSum(ctx, sum);
    }

    /**
     * The sum of {@code value} over the work-group, returned to every work item: a tree in local
     * memory. Every item must call it (it holds barriers); the group size is a power of two ≤ 1024.
     * Package-private: the prefill's row-wise norms ({@link PrefillKernels}) reduce the same way.
     */
    static float workGroupSum(KernelContext ctx, float value) {
        int lid = ctx.localIdx;
        float[] partial = ctx.allocateFloatLocalArray(1024);
        partial[lid] = value;
        for (int stride = ctx.localGroupSizeX / 2; stride > 0; stride /= 2) {
            ctx.localBarrier();
            if (lid < stride) {
                partial[lid] += partial[lid + stride];
            }
        }
        ctx.localBarrier();
        return partial[0];
    }

    /**
     * Causal depthwise conv1d for one new column, then SiLU   (convDim).
     * The conv state (at state[stateOff]) holds the last dConv − 1 inputs per channel, oldest first;
     * it shifts by one. convW (convDim, dConv) starts at w[convWOff], convB (convDim) right after it.
     */
    public static void convStep(int[] control, float[] zxbcdt, float[] state, int stateOff, float[] w, int convWOff,
                                float[] xbc, int xbcOffset, int convDim, int dConv) {
        for (@Parallel int c = 0; c < convDim; c++) {
            float in = zxbcdt[xbcOffset + c];
            int s = stateOff + c * (dConv - 1);
            int wo = convWOff + c * dConv;
            if (control[1] != 0) {
                for (int k = 0; k < dConv - 1; k++) {
                    state[s + k] = 0f;
                }
            }
            float acc = w[convWOff + convDim * dConv + c];
            for (int k = 0; k < dConv - 1; k++) {
                acc += w[wo + k] * state[s + k];
            }
            acc += w[wo + dConv - 1] * in;
            for (int k = 0; k < dConv - 2; k++) {
                state[s + k] = state[s + k + 1];
            }
            state[s + dConv - 2] = in;
            xbc[c] = acc / (1.0f + TornadoMath.exp(-acc));
        }
    }

    /**
     * The recurrent SSD step for all heads   (nheads·headdim outputs):
     * dt = clamp(softplus(dt_raw + bias)); state = exp(dt·A)·state + dt·x⊗B; y = state·C + D·x.
     * The SSM state (nheads·headdim, dstate) starts at state[stateOff]. From w[headsOff] sit, as
     * {@link PackedBlock} lays them out, dt bias | A (as −exp(A_log)) | D (nheads each) | dtMin, dtMax:
     * one offset for all, as every task argument costs room in TornadoVM's fixed 8 KiB graph code.
     */
    public static void ssdStep(int[] control, float[] zxbcdt, float[] xbc, float[] state, int stateOff, float[] w,
                               int headsOff, float[] y, int nheads, int headdim, int ngroups, int dstate) {
        for (@Parallel int hp = 0; hp < nheads * headdim; hp++) {
            int h = hp / headdim;
            int g = h / (nheads / ngroups);
            int dInner = nheads * headdim;
            int dtOffset = 2 * dInner + 2 * ngroups * dstate;
            float dtMin = w[headsOff + 3 * nheads];
            float dtMax = w[headsOff + 3 * nheads + 1];
            int bOff = dInner + g * dstate;
            int cOff = dInner + ngroups * dstate + g * dstate;
            float raw = zxbcdt[dtOffset + h] + w[headsOff + h];
            float dt = raw > 20.0f ? raw : TornadoMath.log(1.0f + TornadoMath.exp(raw));
            dt = TornadoMath.min(TornadoMath.max(dt, dtMin), dtMax);
            float decay = TornadoMath.exp(dt * w[headsOff + nheads + h]);
            int fresh = control[1];
            float xdt = xbc[hp] * dt;
            int so = stateOff + hp * dstate;
            float acc = 0f;
            for (int n = 0; n < dstate; n++) {
                float prev = fresh != 0 ? 0f : state[so + n];
                float v = decay * prev + xdt * xbc[bOff + n];
                state[so + n] = v;
                acc += v * xbc[cOff + n];
            }
            y[hp] = acc + w[headsOff + 2 * nheads + h] * xbc[hp];
        }
    }

    /**
     * Gated RMSNorm grouped as mamba_ssm does: g = y·silu(z); out = g · rsqrt(mean_group(g²) + eps) · w.
     * One work-group per norm group of groupSize channels; z is the head of zxbcdt; the norm weight
     * (nheads·headdim) starts at w[wOff].
     */
    public static void gatedRmsNorm(KernelContext ctx, float[] y, float[] zxbcdt, float[] w, int wOff, float[] out,
                                    int groupSize, float eps) {
        int lid = ctx.localIdx;
        int size = ctx.localGroupSizeX;
        int base = ctx.groupIdx * groupSize;
        float sum = 0f;
        for (int i = lid; i < groupSize; i += size) {
            float z = zxbcdt[base + i];
            float g = y[base + i] * (z / (1.0f + TornadoMath.exp(-z)));
            out[base + i] = g;
            sum += g * g;
        }
        float scale = 1.0f / TornadoMath.sqrt(workGroupSum(ctx, sum) / groupSize + eps);
        for (int i = lid; i < groupSize; i += size) {
            out[base + i] = out[base + i] * scale * w[wOff + base + i];
        }
    }
}
