<#-- The float32 register-blocked GEMMs of the model (KernelSources renders it): the prefill's (rows of a pass) and the
     batched decode's (split over k), each with float32 or 16-bit weights. The tiling of SsdBlockedKernels: 16 × 16 work
     items a 64 × 64 output tile, 4 × 4 sums a work item (BlockedTile.ftl). -->
<#import "/org/mamba2j/tornado/BlockedTile.ftl" as tile>
<#assign rows = [0, 1, 2, 3], cols = [0, 1, 32, 33]>
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
// Generated from src/main/templates/org/mamba2j/tornado/model/BlockedGemmKernels.ftl by src/build/KernelSources.java:
// edit the template, not this file.
package org.mamba2j.tornado.model;

import org.mamba2j.tornado.ssd.SsdBlockedKernels;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.LongArray;

import static org.mamba2j.tornado.ssd.SsdBlockedKernels.STRIDE;

/**
 * The model's float32 register-blocked GEMMs, out = a·Wᵀ with W (n, k) row-major at w[wOff], for GPUs: tiled as
 * {@link SsdBlockedKernels} (a 16×16 work group computes a 64×64 output tile, each work item the 4×4 block of rows
 * 4·ty + i and columns 2·tx + j, 32 + 2·tx + j in sixteen scalar accumulators); a and W pass through local memory in
 * k-slices of 16, stored transposed ([k][row], row stride {@link SsdBlockedKernels#STRIDE}), so that a k step's operands
 * are aligned runs the CUDA compiler reads with vector loads. Ragged edges: loads fill zeros, stores are guarded; every
 * work item reaches every barrier. Generated from src/main/templates/org/mamba2j/tornado/model/BlockedGemmKernels.ftl.
 */
public final class BlockedGemmKernels {

    private BlockedGemmKernels() {
    }
<#list [false, true] as w16>
<#assign name = "gemmBlocked" + w16?then("16", "")>

<#if w16>
    /** {@link #gemmBlocked} with 16-bit weights, read as {@code decode} says; small holds the decode table. */
<#else>
    /**
     * {@link PrefillKernels#gemm}, variant "blocked": out[m, j] (+)= Σ_k a[m, k]·W[j, k] for the rows m of a prefill pass
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
