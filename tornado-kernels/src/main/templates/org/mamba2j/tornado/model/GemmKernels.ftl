<#-- The model's float32 GEMMs (KernelSources renders it): the prefill's, as a loop kernel for CPUs and register-blocked
     for GPUs, and the batched decode's split over k, each with float32 or 16-bit weights. The blocked ones take the tiling
     of SsdBlockedKernels: 16 × 16 work items a 64 × 64 output tile, 4 × 4 sums a work item (BlockedTile.ftl). -->
<#import "/org/mamba2j/tornado/BlockedTile.ftl" as tile>
<#assign rows = [0, 1, 2, 3], cols = [0, 1, 32, 33], loopRows = [0, 1, 2, 3]>
<#-- row i of the four a work item stages, from `base`: base, base + 16, base + 32, base + 48 -->
<#function lane base i><#return base + (i == 0)?then("", " + ${16 * i}")></#function>
<#-- the staging of one slice into registers p0..p3 (rows m0 + lr + 16i of a, read by aRead with @ for the row) and
     q0..q3 (rows n0 + lr + 16i of W: float32, or 16-bit as `decode` says with its table in small) -->
<#macro slice w16 declare aRead kEnd indent=12>
<#local type = declare?then("float ", ""), sep = declare?then(",", ";")>
<#list [0, 2] as i>
${""?left_pad(indent)}${type}p${i} = ${aRead?replace("@", lane("m0 + lr", i))}${sep} p${i + 1} = ${aRead?replace("@", lane("m0 + lr", i + 1))};
</#list>
<#list [0, 2] as i>
${""?left_pad(indent)}${type}q${i} = ${wRead(w16, lane("n0 + lr", i), kEnd)}${sep} q${i + 1} = ${wRead(w16, lane("n0 + lr", i + 1), kEnd)};
</#list>
</#macro>
<#function wRead w16 j kEnd>
<#return w16?then("w16At(w, small, wOff, ${j}, n, kg, ${kEnd}, k, decode)", "wAt(w, wOff, ${j}, n, kg, ${kEnd}, k)")>
</#function>
<#macro stores>
            as[kx * STRIDE + lr] = p0; as[kx * STRIDE + lr + 16] = p1; as[kx * STRIDE + lr + 32] = p2; as[kx * STRIDE + lr + 48] = p3;
            ws[kx * STRIDE + lr] = q0; ws[kx * STRIDE + lr + 16] = q1; ws[kx * STRIDE + lr + 32] = q2; ws[kx * STRIDE + lr + 48] = q3;
</#macro>
// Generated from src/main/templates/org/mamba2j/tornado/model/GemmKernels.ftl by src/build/KernelSources.java:
// edit the template, not this file.
package org.mamba2j.tornado.model;

import org.mamba2j.tornado.ssd.SsdBlockedKernels;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.annotations.Parallel;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.LongArray;

import static org.mamba2j.tornado.ssd.SsdBlockedKernels.STRIDE;

/**
 * The model's float32 GEMMs, out = a·Wᵀ with W (n, k) row-major at w[wOff]: {@link #gemm} (variant "loop", CPUs), and
 * register-blocked for GPUs: tiled as
 * {@link SsdBlockedKernels} (a 16×16 work group computes a 64×64 output tile, each work item the 4×4 block of rows
 * 4·ty + i and columns 2·tx + j, 32 + 2·tx + j in sixteen scalar accumulators); a and W pass through local memory in
 * k-slices of 16, stored transposed ([k][row], row stride {@link SsdBlockedKernels#STRIDE}), so that a k step's operands
 * are aligned runs the CUDA compiler reads with vector loads. Ragged edges: loads fill zeros, stores are guarded; every
 * work item reaches every barrier. Generated from src/main/templates/org/mamba2j/tornado/model/GemmKernels.ftl.
 */
public final class GemmKernels {

    private GemmKernels() {
    }
<#list [false, true] as w16>

<#if w16>
    /** {@link #gemm} with 16-bit weights, read as {@code decode} says; small holds the decode table. */
    public static void gemm16(IntArray control, FloatArray a, LongArray w, FloatArray small, int wOff, FloatArray out, int n, int k, int accumulate, int padded,
                              int decode) {
<#else>
    /**
     * out[m, j] = Σ_k a[m, k]·W[j, k], plus out[m, j] when {@code accumulate} ≠ 0   (rows × n, rows = control[ROWS]);
     * a (rows, k) row-major, W (n, k) row-major from w[wOff]: a projection's (out, in) layout, so both
     * operands are contiguous along k. Variant "loop", for CPU OpenCL devices: each work item a 4×4
     * block of outputs, the k loop inside (8 loads per 16 FMAs, no local memory, no barriers),
     * i over ⌈rows/4⌉·⌈n/4⌉; on PoCL 6–10 GFLOP/s at the 130m in_proj shape, the blocked variant 0.9.
     */
    public static void gemm(IntArray control, FloatArray a, FloatArray w, int wOff, FloatArray out, int n, int k, int accumulate, int padded) {
</#if>
        for (@Parallel int i = 0; i < padded; i++) {
            int rows = control.get(PrefillKernels.ROWS);
            int nb = (n + 3) / 4;
            int m0 = i / nb * 4;
            int j0 = (i - i / nb * nb) * 4;
            if (m0 < rows) {
                // rows and columns past the edges read the last valid one (in bounds) and are not stored
                int a0 = m0 * k, a1 = Math.min(m0 + 1, rows - 1) * k, a2 = Math.min(m0 + 2, rows - 1) * k, a3 = Math.min(m0 + 3, rows - 1) * k;
                int w0 = wOff + j0 * k, w1 = wOff + Math.min(j0 + 1, n - 1) * k;
                int w2 = wOff + Math.min(j0 + 2, n - 1) * k, w3 = wOff + Math.min(j0 + 3, n - 1) * k;
<@tile.sums rows=loopRows cols=loopRows name="s" indent=16/>
                for (int kk = 0; kk < k; kk++) {
                    float u0 = a.get(a0 + kk), u1 = a.get(a1 + kk), u2 = a.get(a2 + kk), u3 = a.get(a3 + kk);
<#if w16>
                    float v0 = MixerKernels.w16(w, small, w0 + kk, decode), v1 = MixerKernels.w16(w, small, w1 + kk, decode);
                    float v2 = MixerKernels.w16(w, small, w2 + kk, decode), v3 = MixerKernels.w16(w, small, w3 + kk, decode);
<#else>
                    float v0 = w.get(w0 + kk), v1 = w.get(w1 + kk), v2 = w.get(w2 + kk), v3 = w.get(w3 + kk);
</#if>
<@tile.fmas rows=loopRows cols=loopRows name="s" indent=20/>
                }
<@tile.eachRow prefix="storeRow(out, m0" suffix=", rows, j0, n, accumulate, " rows=loopRows cols=loopRows name="s" indent=16/>
            }
        }
    }
</#list>

    /** Row m's four outputs at columns j .. j + 3 of the rows × n product, guarded; added on when accumulating. */
    static void storeRow(FloatArray out, int m, int rows, int j, int n, int accumulate, float v0, float v1, float v2, float v3) {
        if (m < rows) {
            int o = m * n + j;
            if (j < n) out.set(o, accumulate != 0 ? out.get(o) + v0 : v0);
            if (j + 1 < n) out.set(o + 1, accumulate != 0 ? out.get(o + 1) + v1 : v1);
            if (j + 2 < n) out.set(o + 2, accumulate != 0 ? out.get(o + 2) + v2 : v2);
            if (j + 3 < n) out.set(o + 3, accumulate != 0 ? out.get(o + 3) + v3 : v3);
        }
    }
<#list [false, true] as w16>
<#assign name = "gemmBlocked" + w16?then("16", "")>

<#if w16>
    /** {@link #gemmBlocked} with 16-bit weights, read as {@code decode} says; small holds the decode table. */
<#else>
    /**
     * {@link #gemm}, variant "blocked": out[m, j] (+)= Σ_k a[m, k]·W[j, k] for the rows m of a prefill pass
     * (control[{@link PrefillKernels#ROWS}]), added on when {@code accumulate} ≠ 0. Every load of a slice is issued before
     * its first local store (a local store between two global loads keeps the second waiting for the first: the
     * tensor-core GEMM ran 2-3x faster when its staging was ordered so, docs/tensor-cores.md).
     * Grid (16·⌈n/64⌉, 16·⌈rows/64⌉), local (16, 16).
     */
</#if>
    public static void ${name}(KernelContext kc, IntArray control, FloatArray a, ${w16?then("LongArray w, FloatArray small", "FloatArray w")}, int wOff, FloatArray out, int n, int k,
                            int accumulate${w16?then(", int decode", "")}) {
        int rows = control.get(PrefillKernels.ROWS);
        int tx = kc.localIdx;
        int ty = kc.localIdy;
        int tid = ty * 16 + tx;
        int n0 = kc.groupIdx * 64;
        int m0 = kc.groupIdy * 64;
        float[] as = kc.allocateFloatLocalArray(16 * STRIDE); // [k][m]
        float[] ws = kc.allocateFloatLocalArray(16 * STRIDE); // [k][j]
<@tile.sums rows cols/>
        // this work item loads rows (and W rows) lr, lr + 16, lr + 32, lr + 48 of every slice at column kx: 16 work items read
        // one row's 16 consecutive floats
        int lr = tid / 16;
        int kx = tid % 16;
        for (int kk = 0; kk < k; kk += 16) {
            int kg = kk + kx;
<@slice w16=w16 declare=true aRead="wAt(a, 0, @, rows, kg, k, k)" kEnd="k"/>
<@stores/>
            kc.localBarrier();
<@tile.kSteps ua="as" va="ws" stride="STRIDE" u0="4 * ty" v0="2 * tx" rows=rows cols=cols k="x"/>
            kc.localBarrier();
        }
<@tile.eachRow prefix="SsdBlockedKernels.storeRun(out, 0, m0 + 4 * ty" suffix=", rows, n0 + 2 * tx, n, accumulate, " rows=rows cols=cols/>
    }
</#list>
<#list [false, true] as w16>
<#assign name = "splitGemm" + w16?then("16", "")>

<#if w16>
    /** {@link #splitGemm} with 16-bit weights, read as {@code decode} says ({@link MixerKernels#w16}; the table at the head of small). */
<#else>
    /**
     * out[s · partStride + m · n + j] = Σ_{k in split s} a[m, k]·c[k]·W[j, k] for rows m &lt; rows: split s
     * covers k from s · kLen to (s + 1) · kLen (the grid's z), so a skinny product (rows = a batch
     * of up to 64) spreads over far more work-groups than its 64 × 64 output tiles, each with a short
     * k loop; the partial products are summed by their consumers (the conv and SSD steps for in_proj,
     * {@link BatchKernels#residualNormRows} for out_proj). c = small[colScale ..] (the gated norm's weight), or
     * 1 when colScale &lt; 0. Tiled as {@link #gemmBlocked}, with the next slice's loads issued before the current slice's
     * products, so the global latency hides behind them. Grid (16·⌈n/64⌉, 16·⌈rows/64⌉, ⌈k/kLen⌉), local (16, 16, 1).
     */
</#if>
    public static void ${name}(KernelContext kc, FloatArray a, FloatArray small, int colScale, ${w16?then("LongArray", "FloatArray")} w, int wOff, FloatArray out,
                                 ${""?left_pad(w16?then(2, 0))}int n, int k, int kLen, int rows, int partStride${w16?then(", int decode", "")}) {
        int tx = kc.localIdx;
        int ty = kc.localIdy;
        int tid = ty * 16 + tx;
        int n0 = kc.groupIdx * 64;
        int m0 = kc.groupIdy * 64;
        int k0 = kc.groupIdz * kLen;
        int kEnd = Math.min(k, k0 + kLen);
        // this work item loads rows (and columns) lr, lr + 16, lr + 32, lr + 48 of every slice at column kx
        int lr = tid / 16;
        int kx = tid % 16;
        float[] as = kc.allocateFloatLocalArray(16 * STRIDE); // [k][m]
        float[] ws = kc.allocateFloatLocalArray(16 * STRIDE); // [k][j]
        int kg = k0 + kx;
<@slice w16=w16 declare=true aRead="aAt(a, small, colScale, @, rows, kg, kEnd, k)" kEnd="kEnd" indent=8/>
<@tile.sums rows cols/>
        for (int kk = k0; kk < kEnd; kk += 16) {
<@stores/>
            kc.localBarrier();
            kg = kk + 16 + kx;
<@slice w16=w16 declare=false aRead="aAt(a, small, colScale, @, rows, kg, kEnd, k)" kEnd="kEnd"/>
<@tile.kSteps ua="as" va="ws" stride="STRIDE" u0="4 * ty" v0="2 * tx" rows=rows cols=cols k="x"/>
            kc.localBarrier();
        }
        int at = kc.groupIdz * partStride;
<@tile.eachRow prefix="SsdBlockedKernels.storeRun(out, at, m0 + 4 * ty" suffix=", rows, n0 + 2 * tx, n, 0, " rows=rows cols=cols/>
    }
</#list>

    /** a[m, kg]·c[kg] (c = small[colScale ..], or 1 when colScale &lt; 0); 0 past the rows or the split's end. */
    private static float aAt(FloatArray a, FloatArray small, int colScale, int m, int rows, int kg, int kEnd, int k) {
        float v = 0f;
        if (m < rows && kg < kEnd) {
            v = a.get(m * k + kg);
            if (colScale >= 0) {
                v = v * small.get(colScale + kg);
            }
        }
        return v;
    }

    /** Element (j, kg) of a row-major n × k matrix at w[wOff] (weights or activations); 0 from row n or column kEnd on. */
    static float wAt(FloatArray w, int wOff, int j, int n, int kg, int kEnd, int k) {
        float v = 0f;
        if (j < n && kg < kEnd) {
            v = w.get(wOff + j * k + kg);
        }
        return v;
    }

    /** {@link #wAt} of 16-bit weights. */
    static float w16At(LongArray w, FloatArray small, int wOff, int j, int n, int kg, int kEnd, int k, int decode) {
        float v = 0f;
        if (j < n && kg < kEnd) {
            v = MixerKernels.w16(w, small, wOff + j * k + kg, decode);
        }
        return v;
    }
}
