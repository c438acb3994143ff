<#-- The register-blocked SSD kernels, one class per work item's block shape (KernelSources renders it):
       className  the class
       variant    its variant name in the device configs
       M          rows a work item owns: 4 (16 × 16 work items a 64 × 64 tile) or 8 (16 × 8)
       tiles      true for the class that also holds the tile helpers shared by every 4-column blocked kernel
                  (the model's GEMMs too) and chunkCB
     A work item owns M rows and the 4 columns 2·tx + {0, 1, 32, 33} (BlockedTile.ftl). -->
<#assign TY = 64 / M, threads = 16 * TY>
<#assign rows = (M == 4)?then([0, 1, 2, 3], [0, 1, 2, 3, 32, 33, 34, 35])>
<#assign cols = [0, 1, 32, 33]>
<#-- staging of operands contiguous along the tile's 64 columns: rows s + rStep·i (i < perItem) of a 16-row slice -->
<#assign rStep = threads / 64, perItem = 16 / rStep>
<#-- staging of operands written transposed: rows s + tStep·j (j < tRows) at k columns sk and sk + 8 -->
<#assign tStep = threads / 8, tRows = 64 / tStep>
<#assign suffix = (M == 4)?then("", "84")>
<#import "/org/mamba2j/tornado/BlockedTile.ftl" as tile>
// Generated from src/main/templates/org/mamba2j/tornado/ssd/SsdBlockedKernels.ftl by src/build/KernelSources.java:
// edit the template, not this file.
package org.mamba2j.tornado.ssd;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
<#if !tiles>

import static org.mamba2j.tornado.ssd.SsdBlockedKernels.STRIDE;
import static org.mamba2j.tornado.ssd.SsdBlockedKernels.outputRun;
import static org.mamba2j.tornado.ssd.SsdBlockedKernels.storeRun;
</#if>

/**
 * Register-blocked KernelContext twins of the matrix-product kernels of {@link SsdKernels} (variant "${variant}";
 * generated from src/main/templates/org/mamba2j/tornado/ssd/SsdBlockedKernels.ftl, whose other rendering is
 * <#if tiles>{@link SsdBlocked84Kernels}<#else>{@link SsdBlockedKernels}</#if>): a work group of 16 × ${TY} work items computes a 64 × 64 output tile, each work item
 * ${M} × 4 outputs held in ${M * 4} scalar accumulators (private arrays may spill to global memory).
 * Operands pass through local memory in k-slices of 16: 64 × 16 + 16 × 64 floats per slice, loaded by the ${threads} work
 * items with consecutive work items on consecutive global addresses.
 *
 * <p>Work item (tx, ty) owns the rows {@code 4·ty + i}<#if M == 8> and {@code 32 + 4·ty + i}</#if> (i in 0..3) and the columns
 * {@code 2·tx + j} and {@code 32 + 2·tx + j} (j in 0..1), and local rows have a stride that is a multiple of four
 * ({@link SsdBlockedKernels#STRIDE} for arrays written transposed, 64 for the others): a k step's row operands are
 * <#if M == 4>one aligned 16-byte run<#else>two aligned 16-byte runs</#if> of local memory and its column operands two aligned 8-byte runs, which the CUDA compiler reads
 * with one vector load each (${2 + M / 4} loads for ${M * 4} FMAs), while a compiler that keeps the loads scalar (NVIDIA's
 * OpenCL) still finds a warp's column reads on distinct banks (runs of four columns would put tx and tx + 8 on one bank).
 *
 * <p>Every global load of a slice is issued before its local stores (a local store between two global loads keeps the
 * second waiting for the first, docs/tensor-cores.md). The chunk output's transposed operands (C, then the weighted
 * C·Bᵀ) are staged by a warp as four rows × eight k, so its local stores fall on 32 distinct banks, and each work item
 * reads the decays of its staged rows once for all slices. Loads for slice s + 1 issued before slice s's products
 * (software pipelining) made the 4 × 4 chunk output slower on the H200 (docs/results.md, twenty-sixth session).
 *
 * <p>The model's dimensions H, P, G, N, Q are scalar arguments, which TornadoVM compiles in as constants (read from
 * {@code dims} at run time they took chunkOutputBlocked84 to 122 registers a work item on the CUDA backend, 96 now);
 * {@code dims} keeps the lengths L and NC, which change from one execution to the next, and the flags.
 *
 * <p>Grid: x over the column tiles (16 work items per 64 columns), y over the row tiles (${TY} per 64 rows), z over (batch,
 * chunk, head); local (16, ${TY}, 1). Ragged edges are handled by guards on loads (zero fill) and stores; every work item
 * reaches every barrier.
 */
public final class ${className} {

    /** Output tile edge; the config's "tile" of a ${variant} kernel must equal it. */
    public static final int TILE = 64;
<#if tiles>
    /** Work items per tile edge (TILE / 4 outputs each), the tiling of every 4 × 4 blocked kernel (the model's GEMMs too). */
    public static final int THREADS = 16;
</#if>
    /** Work items along a tile's columns (TILE / 4 outputs each). */
    public static final int THREADS_X = 16;
    /** Work items along a tile's rows (TILE / ${M} outputs each). */
    public static final int THREADS_Y = ${TY};
<#if tiles>
    /** Row stride of local arrays written transposed ([k][row], 64 + 4): a multiple of four, two-way bank conflicts at most on the stores. */
    public static final int STRIDE = 68;
</#if>

    private ${className}() {
    }
<#if tiles>

    /**
     * {@link SsdKernels#chunkCB}: cb[l, r] = Σ_n C[l, n]·B[r, n] for r ≤ l < len, else 0, per (batch, chunk, group).
     * Grid (16·⌈Q/64⌉, 16·⌈Q/64⌉, batch·NC·G): x over r tiles, y over l tiles.
     */
    public static void chunkCBBlocked(KernelContext kc, FloatArray C, FloatArray B, IntArray dims, int G, int N, int Q, FloatArray cb) {
        int L = dims.get(SsdDims.L), NC = dims.get(SsdDims.NC);
        int tx = kc.localIdx;
        int ty = kc.localIdy;
        int tid = ty * 16 + tx;
        int r0 = kc.groupIdx * 64;
        int l0 = kc.groupIdy * 64;
        int bcg = kc.groupIdz;
        int g = bcg % G;
        int c = (bcg / G) % NC;
        int b = bcg / (G * NC);
        int t0 = c * Q;
        int len = Math.min(Q, L - t0);
        float[] cs = kc.allocateFloatLocalArray(16 * STRIDE); // [n][l]
        float[] bs = kc.allocateFloatLocalArray(16 * STRIDE); // [n][r]
<@tile.sums rows cols/>
        int lu = 4 * ty;
        int rv = 2 * tx;
        // a tile wholly above the diagonal is all zeros: skip the product (the bound is the same for the whole group)
        int nEnd = r0 > l0 + 63 ? 0 : N;
        // both operands are contiguous along n: this work item stages rows lr + 16i (i < 4) of each slice at column kx
        int lr = tid / 16;
        int kx = tid % 16;
        int cRow = (b * L + t0 + l0) * G + g;
        int bRow = (b * L + t0 + r0) * G + g;
        for (int nn = 0; nn < nEnd; nn += 16) {
            int n = nn + kx;
<#list [["c", "C", "cRow", "l0"], ["b", "B", "bRow", "r0"]] as op>
<#list 0..3 as i>
            float ${op[0]}${i} = SsdKernels.read(${op[1]}, (${op[2]} + <#if i == 0>lr<#else>(lr + ${16 * i})</#if> * G) * N + n, ${op[3]} + lr<#if i != 0> + ${16 * i}</#if> < len & n < N);
</#list>
</#list>
            int at = kx * STRIDE + lr;
            cs[at] = c0; cs[at + 16] = c1; cs[at + 32] = c2; cs[at + 48] = c3;
            bs[at] = b0; bs[at + 16] = b1; bs[at + 32] = b2; bs[at + 48] = b3;
            kc.localBarrier();
<@tile.kSteps ua="cs" va="bs" stride="STRIDE" u0="lu" v0="rv" rows=rows cols=cols/>
            kc.localBarrier();
        }
        int base = bcg * Q * Q;
<@tile.eachRow prefix="cbRun(cb, base, l0 + lu" suffix=", r0 + rv, Q, len, " rows=rows cols=cols/>
    }

    /** Stores row l of a Q×Q C·Bᵀ block at columns r, r+1, r+32, r+33: the product where r ≤ l < len, else 0 (as the loop kernel). */
    private static void cbRun(FloatArray cb, int base, int l, int r, int Q, int len, float v0, float v1, float v2, float v3) {
        if (l < Q) {
            int o = base + l * Q + r;
            boolean live = l < len;
            if (r < Q) cb.set(o, live && r <= l ? v0 : 0f);
            if (r + 1 < Q) cb.set(o + 1, live && r + 1 <= l ? v1 : 0f);
            if (r + 32 < Q) cb.set(o + 32, live && r + 32 <= l ? v2 : 0f);
            if (r + 33 < Q) cb.set(o + 33, live && r + 33 <= l ? v3 : 0f);
        }
    }

    /**
     * Row {@code row} of a rows × cols matrix at out[base]: a work item's four outputs of a blocked tile, at the columns
     * col, col + 1, col + 32 and col + 33 of the layout above, guarded; added on when {@code accumulate} ≠ 0. Also the
     * epilogue of the model's GEMMs of the same tiling (GemmKernels.gemmBlocked, GemmKernels.splitGemm).
     */
    public static void storeRun(FloatArray out, int base, int row, int rows, int col, int cols, int accumulate,
                                float v0, float v1, float v2, float v3) {
        if (row < rows) {
            int o = base + row * cols + col;
            if (col < cols) out.set(o, accumulate != 0 ? out.get(o) + v0 : v0);
            if (col + 1 < cols) out.set(o + 1, accumulate != 0 ? out.get(o + 1) + v1 : v1);
            if (col + 32 < cols) out.set(o + 32, accumulate != 0 ? out.get(o + 32) + v2 : v2);
            if (col + 33 < cols) out.set(o + 33, accumulate != 0 ? out.get(o + 33) + v3 : v3);
        }
    }

    /** Epilogue of one output row: + D·x, gate by silu(z), guarded store of columns p, p+1, p+32, p+33. */
    static void outputRun(FloatArray x, FloatArray z, FloatArray y, int xb, int H, int P, int l, int len, int p, float d, int hasZ,
                          float v0, float v1, float v2, float v3) {
        if (l < len) {
            int o = (xb + l * H) * P + p;
            if (p < P) y.set(o, SsdKernels.gate(x, z, o, v0, d, hasZ));
            if (p + 1 < P) y.set(o + 1, SsdKernels.gate(x, z, o + 1, v1, d, hasZ));
            if (p + 32 < P) y.set(o + 32, SsdKernels.gate(x, z, o + 32, v2, d, hasZ));
            if (p + 33 < P) y.set(o + 33, SsdKernels.gate(x, z, o + 33, v3, d, hasZ));
        }
    }
</#if>

    /**
     * {@link SsdKernels#chunkStates}: states[p, n] = Σ_r (x[r, p]·wState[r])·B[r, n] per (batch, chunk, head), rows p and
     * columns n, wState = exp(cum_last − cum_r)·dt_r (from the cumsum kernel). A work item's ${3 * perItem} global loads of a
     * slice (${perItem} rows of x, of wState and of B) are issued before its local stores. Grid (16·⌈N/64⌉, ${TY}·⌈P/64⌉, batch·NC·H).
     */
    public static void chunkStatesBlocked${suffix}(KernelContext kc, FloatArray x, FloatArray B, FloatArray wState, IntArray dims, int H, int P,
                                          ${""?left_pad(suffix?length)}int G, int N, int Q, FloatArray states) {
        int L = dims.get(SsdDims.L), NC = dims.get(SsdDims.NC);
        int tx = kc.localIdx;
        int ty = kc.localIdy;
        int tid = ty * 16 + tx;
        int n0 = kc.groupIdx * 64;
        int p0 = kc.groupIdy * 64;
        int bch = kc.groupIdz;
        int h = bch % H;
        int c = (bch / H) % NC;
        int b = bch / (H * NC);
        int g = h / (H / G);
        int t0 = c * Q;
        int len = Math.min(Q, L - t0);
        int cbase = bch * Q;
<@chunkStateStaging/>
<@chunkStateSlices/>
        int base = bch * P * N;
<@tile.eachRow prefix="storeRun(states, base, p0 + pu" suffix=", P, n0 + nv, N, 0, " rows=rows cols=cols/>
    }

    /**
     * The chunk states with the state passing ({@link SsdKernels#statePassing}) folded in: a work group walks the chunks
     * of its (batch, head) in order and its sums are the running state. For chunk c it stores them as stateIn[c] (the state
     * entering the chunk), scales them by exp(cum_last(c)) and adds chunk c's products as {@link #chunkStatesBlocked${suffix}}
     * computes them; after the last chunk it stores the final state. The state starts from init (dims[HAS_INIT]) or zero;
     * init and finalState from element {@code stateAt} on, as for the state passing. The chunk states never go through
     * global memory, and the state passing's task is gone; the grid is NC times smaller (a work group per (batch, head)
     * and tile), so the device config takes this way only where that still fills the device ("statePassing" variant
     * "fused", its "minGroups"). Grid (16·⌈N/64⌉, ${TY}·⌈P/64⌉, batch·H).
     */
    public static void chunkStatesPassingBlocked${suffix}(KernelContext kc, FloatArray x, FloatArray B, FloatArray wState, FloatArray cum,
                                              ${""?left_pad(suffix?length)}FloatArray init, IntArray dims, int H, int P, int G, int N, int Q, FloatArray stateIn,
                                              ${""?left_pad(suffix?length)}FloatArray finalState, int stateAt) {
        int L = dims.get(SsdDims.L), NC = dims.get(SsdDims.NC);
        int tx = kc.localIdx;
        int ty = kc.localIdy;
        int tid = ty * 16 + tx;
        int n0 = kc.groupIdx * 64;
        int p0 = kc.groupIdy * 64;
        int bh = kc.groupIdz;
        int h = bh % H;
        int b = bh / H;
        int g = h / (H / G);
<@chunkStateStaging/>
        int own = bh * P * N;
        if (dims.get(SsdDims.HAS_INIT) != 0) {
            int at = stateAt + own + (p0 + pu) * N + n0 + nv;
<@tile.loadSums array="init" at="at" ld="N" rowOk="p0 + pu" rowEnd="P" colOk="n0 + nv" colEnd="N" rows=rows cols=cols/>
        }
        for (int c = 0; c < NC; c++) {
            int bch = (b * NC + c) * H + h;
            int t0 = c * Q;
            int len = Math.min(Q, L - t0);
            int cbase = bch * Q;
            int base = bch * P * N;
<@tile.eachRow prefix="storeRun(stateIn, base, p0 + pu" suffix=", P, n0 + nv, N, 0, " rows=rows cols=cols indent=12/>
            float e = SsdKernels.rowDecay(cum, cbase, Q - 1, Q);
<@tile.scaleSums by="e" rows=rows cols=cols/>
<@chunkStateSlices indent="    "/>
        }
<@tile.eachRow prefix="storeRun(finalState, stateAt + own, p0 + pu" suffix=", P, n0 + nv, N, 0, " rows=rows cols=cols/>
    }

    /**
     * {@link SsdKernels#chunkOutput}: y[l, p] = (Σ_{r≤l} CB[l, r]·exp(cum_l − cum_r)·dt_r·x[r, p]
     * + exp(cum_l)·Σ_n C[l, n]·stateIn[p, n] + D·x[l, p])·silu(z[l, p]) per (batch, chunk, head), rows l and columns p.
     * Grid (16·⌈P/64⌉, ${TY}·⌈Q/64⌉, batch·NC·H).
     */
    public static void chunkOutputBlocked${suffix}(KernelContext kc, FloatArray x, FloatArray z, FloatArray dt, FloatArray cum,
                                          ${""?left_pad(suffix?length)}FloatArray cb, FloatArray C, FloatArray stateIn, FloatArray D, IntArray dims, int H, int P, int G,
                                          ${""?left_pad(suffix?length)}int N, int Q, FloatArray y) {
        int L = dims.get(SsdDims.L), NC = dims.get(SsdDims.NC);
        int tx = kc.localIdx;
        int ty = kc.localIdy;
        int tid = ty * 16 + tx;
        int p0 = kc.groupIdx * 64;
        int l0 = kc.groupIdy * 64;
        int bch = kc.groupIdz;
        int h = bch % H;
        int c = (bch / H) % NC;
        int b = bch / (H * NC);
        int g = h / (H / G);
        int t0 = c * Q;
        int len = Math.min(Q, L - t0);
        int cbase = bch * Q;
        int cbo = ((b * NC + c) * G + g) * Q * Q;
        float[] ws = kc.allocateFloatLocalArray(16 * STRIDE); // [k][l]: C, then the weighted C·Bᵀ
        float[] vs = kc.allocateFloatLocalArray(16 * STRIDE); // [k][p]: stateIn, then x
<@tile.sums rows cols/>
        int lu = 4 * ty;
        int pv = 2 * tx;

        // this work item stages rows sr + ${tStep}j (j < ${tRows}) of each slice at k columns sk and sk + 8 (a warp: four rows, eight
        // k, 32 distinct banks for the transposed stores)
        int sr = tid / 8;
        int sk = tid % 8;
        int at = sk * STRIDE + sr;
        int cRow = (b * L + t0 + l0) * G + g;
        int sRow = bch * P + p0;
        // inter-chunk part first, C·stateInᵀ; both operands are contiguous along n
        for (int nn = 0; nn < N; nn += 16) {
            int n = nn + sk, n8 = n + 8;
            int <#list 0..<tRows as j>c${j}i = (cRow + <#if j == 0>sr<#else>(sr + ${tStep * j})</#if> * G) * N<#sep>, </#list>;
<#list 0..<tRows as j>
            float c${2 * j} = SsdKernels.read(C, c${j}i + n, l0 + sr<#if j != 0> + ${tStep * j}</#if> < len & n < N), c${2 * j + 1} = SsdKernels.read(C, c${j}i + n8, l0 + sr<#if j != 0> + ${tStep * j}</#if> < len & n8 < N);
</#list>
            int <#list 0..<tRows as j>s${j}i = (sRow + sr<#if j != 0> + ${tStep * j}</#if>) * N<#sep>, </#list>;
<#list 0..<tRows as j>
            float s${2 * j} = SsdKernels.read(stateIn, s${j}i + n, p0 + sr<#if j != 0> + ${tStep * j}</#if> < P & n < N), s${2 * j + 1} = SsdKernels.read(stateIn, s${j}i + n8, p0 + sr<#if j != 0> + ${tStep * j}</#if> < P & n8 < N);
</#list>
<@transposedStores "ws" "c"/>
<@transposedStores "vs" "s"/>
            kc.localBarrier();
<@tile.kSteps ua="ws" va="vs" stride="STRIDE" u0="lu" v0="pv" rows=rows cols=cols/>
            kc.localBarrier();
        }
        // scale by exp(cum_l) per row before the intra part joins the same accumulators
<#list rows as r>
        float e${r?index} = SsdKernels.rowDecay(cum, cbase, l0 + lu<#if r != 0> + ${r}</#if>, Q);
</#list>
<@tile.scaleRows rows cols/>

        // intra-chunk part; causal: slices starting past the tile's last row are all zero, so stop there
        int rEnd = Math.min(l0 + 64, len);
        // x rows are contiguous along p: this work item stages rows xr + ${rStep}i (i < ${perItem}) of each slice at column xp
        int xr = tid / 64;
        int xp = tid % 64;
        int xRow = (b * L + t0) * H + h;
        int xat = xr * STRIDE + xp;
        boolean px = p0 + xp < P;
        // the decays of this work item's ${tRows} staged rows are the same for every slice
<#list 0..<tRows as j>
        float q${j} = cum.get(SsdKernels.inChunk(cbase, l0 + sr<#if j != 0> + ${tStep * j}</#if>, Q));
</#list>
        for (int r0 = 0; r0 < rEnd; r0 += 16) {
            // weights of C·Bᵀ (rows contiguous along r) at rows sr + ${tStep}j × (r, r + 8); exp of the difference, exact
            int r = r0 + sk, r8 = r + 8;
            int ri = SsdKernels.inChunk(cbase, r, Q), ri8 = SsdKernels.inChunk(cbase, r8, Q);
            float cr = cum.get(ri), cr8 = cum.get(ri8), dr = dt.get(ri), dr8 = dt.get(ri8);
<#list 0..<tRows as j>
            float w${2 * j} = SsdKernels.causalWeight(cb, cbo, Q, l0 + sr<#if j != 0> + ${tStep * j}</#if>, r, len, q${j}, cr, dr);
            float w${2 * j + 1} = SsdKernels.causalWeight(cb, cbo, Q, l0 + sr<#if j != 0> + ${tStep * j}</#if>, r8, len, q${j}, cr8, dr8);
</#list>
            int xi = (xRow + (r0 + xr) * H) * P + p0 + xp, xStep = ${rStep} * H * P;
<#list 0..<perItem as i>
            float x${i} = SsdKernels.read(x, xi<#if i != 0> + ${i} * xStep</#if>, r0 + xr<#if i != 0> + ${rStep * i}</#if> < len & px);
</#list>
<@transposedStores "ws" "w"/>
            <#list 0..<perItem as i>vs[xat<#if i != 0> + ${rStep * i} * STRIDE</#if>] = x${i};<#sep><#if i % 4 == 3>${"\n            "}<#else> </#if></#list>
            kc.localBarrier();
<@tile.kSteps ua="ws" va="vs" stride="STRIDE" u0="lu" v0="pv" rows=rows cols=cols/>
            kc.localBarrier();
        }
        float d = D.get(h);
        int hasZ = dims.get(SsdDims.HAS_Z);
        int xb = (b * L + t0) * H + h;
<@tile.eachRow prefix="outputRun(x, z, y, xb, H, P, l0 + lu" suffix=", len, p0 + pv, d, hasZ, " rows=rows cols=cols/>
    }
}
<#-- the transposed stores of the staged values v0 .. v(2·tRows − 1) into array a: v(2j) at k column sk, v(2j + 1) at sk + 8 -->
<#macro transposedStores a v>
            <#list 0..<tRows as j>${a}[at<#if j != 0> + ${tStep * j}</#if>] = ${v}${2 * j}; ${a}[at + 8 * STRIDE<#if j != 0> + ${tStep * j}</#if>] = ${v}${2 * j + 1};<#sep><#if j % 2 == 1>${"\n            "}<#else> </#if></#list>
</#macro>
<#-- one chunk's products into the sums: its slices of 16 rows of x·wState and B staged and multiplied (chunkStates) -->
<#macro chunkStateSlices indent="">
<#local body>
        for (int r0 = 0; r0 < len; r0 += 16) {
            int r = r0 + sr;
            int xi = ((b * L + t0 + r) * H + h) * P + p0 + sc;
            int bi = ((b * L + t0 + r) * G + g) * N + n0 + sc;
<#list 0..<perItem as i>
            float w${i} = SsdKernels.read(wState, cbase + r<#if i != 0> + ${rStep * i}</#if>, r<#if i != 0> + ${rStep * i}</#if> < len);
</#list>
<#list [["x", "x", "xi", "xStep", "px"], ["b", "B", "bi", "bStep", "nx"]] as op>
<#list 0..<perItem as i>
            float ${op[0]}${i} = SsdKernels.read(${op[1]}, ${op[2]}<#if i != 0> + ${i} * ${op[3]}</#if>, r<#if i != 0> + ${rStep * i}</#if> < len & ${op[4]});
</#list>
</#list>
            <#list 0..<perItem as i>xs[tid<#if i != 0> + ${threads * i}</#if>] = w${i} * x${i};<#sep><#if i % 4 == 3>${"\n            "}<#else> </#if></#list>
            <#list 0..<perItem as i>bs[tid<#if i != 0> + ${threads * i}</#if>] = b${i};<#sep><#if i % 4 == 3>${"\n            "}<#else> </#if></#list>
            kc.localBarrier();
<@tile.kSteps ua="xs" va="bs" stride="64" u0="pu" v0="nv" rows=rows cols=cols/>
            kc.localBarrier();
        }
</#local>
${body?replace("(?m)^", indent, "r")}</#macro>
<#-- the chunk states' local arrays, zero sums, this work item's outputs (rows pu.., columns nv..) and staging positions -->
<#macro chunkStateStaging>
        float[] xs = kc.allocateFloatLocalArray(1024); // [r][p]: x·w, 16 × 64
        float[] bs = kc.allocateFloatLocalArray(1024); // [r][n]: B, 16 × 64
<@tile.sums rows cols/>
        int pu = 4 * ty;
        int nv = 2 * tx;
        // both operands are contiguous along p / n: this work item stages rows sr + ${rStep}i (i < ${perItem}) of each slice at column sc
        int sr = tid / 64;
        int sc = tid % 64;
        boolean px = p0 + sc < P;
        boolean nx = n0 + sc < N;
        int xStep = ${rStep} * H * P, bStep = ${rStep} * G * N;
</#macro>
