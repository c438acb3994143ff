<#-- The 8 × 8 register-blocked SSD kernels (KernelSources renders it): 8 × 8 work items a 64 × 64 tile, a work item the
     rows and columns 4·t + {0..3, 32..35} (BlockedTile.ftl). -->
<#import "/org/mamba2j/tornado/BlockedTile.ftl" as tile>
<#assign rows = [0, 1, 2, 3, 32, 33, 34, 35], cols = rows>
// Generated from src/main/templates/org/mamba2j/tornado/ssd/SsdBlocked8Kernels.ftl by src/build/KernelSources.java:
// edit the template, not this file.
package org.mamba2j.tornado.ssd;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

import static org.mamba2j.tornado.ssd.SsdBlockedKernels.STRIDE;

/**
 * Register-blocked KernelContext twins of the three matrix-product kernels of {@link SsdKernels}
 * with 8×8 outputs per work item (variant "blocked8"): a work group of 8×8 work items computes a
 * 64×64 output tile, each work item an 8×8 block held in 64 scalar accumulators. Per k step a work
 * item reads 8 + 8 floats of local memory for 64 FMAs, twice the FMAs per local load of
 * {@link SsdBlockedKernels} (4×4 per work item: 8 loads for 16 FMAs), whose H200 times point to
 * local-memory loads as the bound. The price: 64 work items per group, each keeping 80 floats
 * (64 sums, 16 operands) live in registers.
 *
 * <p>Operands pass through local memory in k-slices of 16, 64×16 + 16×64 floats per slice, loaded
 * by the 64 work items with consecutive work items on consecutive global addresses. Work item
 * (tx, ty) owns rows {@code 4·ty + i} and {@code 32 + 4·ty + i} and columns {@code 4·tx + j} and
 * {@code 32 + 4·tx + j} (i, j in 0..3): two runs of four a side, each one aligned 16-byte run of local
 * memory that the CUDA compiler reads with one vector load, and a warp's runs of one load side by side
 * in 128 bytes (no bank conflict): four such loads a k step for 64 FMAs, where sixteen scalar loads
 * over strided rows and columns took four times the shared-memory wavefronts. Local arrays written
 * transposed ([k][row]) use {@link SsdBlockedKernels#STRIDE} (64 + 4, a multiple of four), which keeps
 * those writes to two-way bank conflicts.
 *
 * <p>The model's dimensions H, P, G, N, Q are scalar arguments (compiled in as constants, as {@link SsdBlockedKernels}'
 * are); {@code dims} keeps the lengths L and NC and the flags.
 *
 * <p>Grid: x over the column tiles, y over the row tiles (8 work items per 64 outputs each way),
 * z over (batch, chunk, head); local (8, 8, 1). Ragged edges are handled by guards on loads
 * (zero fill) and stores; every work item reaches every barrier.
 *
 * <p>Generated from src/main/templates/org/mamba2j/tornado/ssd/SsdBlocked8Kernels.ftl (the sums, k steps and per-row
 * epilogues from BlockedTile.ftl, shared with {@link SsdBlockedKernels} and {@link SsdBlocked84Kernels}).
 */
public final class SsdBlocked8Kernels {

    /** Output tile edge; the config's "tile" of a blocked8 kernel must equal it. */
    public static final int TILE = 64;
    /** Work items per tile edge (TILE / 8 outputs each); the config's "local" must be THREADS². */
    public static final int THREADS = 8;

    private SsdBlocked8Kernels() {
    }

    /**
     * {@link SsdKernels#chunkCB}: cb[l, r] = Σ_n C[l, n]·B[r, n] for r ≤ l < len, else 0, per (batch, chunk, group).
     * Grid (8·⌈Q/64⌉, 8·⌈Q/64⌉, batch·NC·G): x over r tiles, y over l tiles.
     */
    public static void chunkCBBlocked8(KernelContext kc, FloatArray C, FloatArray B, IntArray dims, int G, int N, int Q, FloatArray cb) {
        int L = dims.get(SsdDims.L), NC = dims.get(SsdDims.NC);
        int tx = kc.localIdx;
        int ty = kc.localIdy;
        int tid = ty * 8 + tx;
        int r0 = kc.groupIdx * 64;
        int l0 = kc.groupIdy * 64;
        int bcg = kc.groupIdz;
        int g = bcg % G;
        int c = (bcg / G) % NC;
        int b = bcg / (G * NC);
        int t0 = c * Q;
        int len = Math.min(Q, L - t0);
        float[] cs = kc.allocateFloatLocalArray(16 * STRIDE); // [n][l] stride 68
        float[] bs = kc.allocateFloatLocalArray(16 * STRIDE); // [n][r] stride 68
<@tile.sums rows cols/>
        // a tile wholly above the diagonal is all zeros: skip the product (the bound is the same for the whole group)
        int nEnd = r0 > l0 + 63 ? 0 : N;
        // both operands are contiguous along n: 16 consecutive work items read 16 consecutive n of one row
        // (rows tid / 16 + 4i); four rows of each operand loaded before their local stores (as the blocked kernels: a local
        // store between two global loads keeps the second waiting; all sixteen would leave no registers beside 64 sums)
        int kt = tid % 16;
        int cRow = (b * L + t0 + l0) * G + g;
        int bRow = (b * L + t0 + r0) * G + g;
        for (int nn = 0; nn < nEnd; nn += 16) {
            int n = nn + kt;
            for (int row = tid / 16; row < 64; row += 16) {
                float c0 = SsdKernels.read(C, (cRow + row * G) * N + n, l0 + row < len & n < N);
                float c1 = SsdKernels.read(C, (cRow + (row + 4) * G) * N + n, l0 + row + 4 < len & n < N);
                float c2 = SsdKernels.read(C, (cRow + (row + 8) * G) * N + n, l0 + row + 8 < len & n < N);
                float c3 = SsdKernels.read(C, (cRow + (row + 12) * G) * N + n, l0 + row + 12 < len & n < N);
                float b0 = SsdKernels.read(B, (bRow + row * G) * N + n, r0 + row < len & n < N);
                float b1 = SsdKernels.read(B, (bRow + (row + 4) * G) * N + n, r0 + row + 4 < len & n < N);
                float b2 = SsdKernels.read(B, (bRow + (row + 8) * G) * N + n, r0 + row + 8 < len & n < N);
                float b3 = SsdKernels.read(B, (bRow + (row + 12) * G) * N + n, r0 + row + 12 < len & n < N);
                cs[kt * STRIDE + row] = c0; cs[kt * STRIDE + row + 4] = c1; cs[kt * STRIDE + row + 8] = c2; cs[kt * STRIDE + row + 12] = c3;
                bs[kt * STRIDE + row] = b0; bs[kt * STRIDE + row + 4] = b1; bs[kt * STRIDE + row + 8] = b2; bs[kt * STRIDE + row + 12] = b3;
            }
            kc.localBarrier();
<@tile.kSteps ua="cs" va="bs" stride="STRIDE" u0="4 * ty" v0="4 * tx" rows=rows cols=cols/>
            kc.localBarrier();
        }
        int base = bcg * Q * Q;
<@tile.eachRow prefix="cbRow(cb, base, l0 + 4 * ty" suffix=", r0 + 4 * tx, Q, len, " rows=rows cols=cols/>
    }

    /** Stores row l of a Q×Q C·Bᵀ block at columns r .. r+3 and r+32 .. r+35: the product where column ≤ l < len, else 0 (as the loop kernel). */
    private static void cbRow(FloatArray cb, int base, int l, int r, int Q, int len,
                              float v0, float v1, float v2, float v3, float v4, float v5, float v6, float v7) {
        if (l < Q) {
            int o = base + l * Q + r;
            boolean live = l < len;
            if (r < Q) cb.set(o, live && r <= l ? v0 : 0f);
            if (r + 1 < Q) cb.set(o + 1, live && r + 1 <= l ? v1 : 0f);
            if (r + 2 < Q) cb.set(o + 2, live && r + 2 <= l ? v2 : 0f);
            if (r + 3 < Q) cb.set(o + 3, live && r + 3 <= l ? v3 : 0f);
            if (r + 32 < Q) cb.set(o + 32, live && r + 32 <= l ? v4 : 0f);
            if (r + 33 < Q) cb.set(o + 33, live && r + 33 <= l ? v5 : 0f);
            if (r + 34 < Q) cb.set(o + 34, live && r + 34 <= l ? v6 : 0f);
            if (r + 35 < Q) cb.set(o + 35, live && r + 35 <= l ? v7 : 0f);
        }
    }

    /**
     * {@link SsdKernels#chunkStates}: states[p, n] = Σ_r (x[r, p]·wState[r])·B[r, n] per (batch, chunk, head),
     * wState = exp(cum_last − cum_r)·dt_r (from the cumsum kernel). Grid (8·⌈N/64⌉, 8·⌈P/64⌉, batch·NC·H).
     */
    public static void chunkStatesBlocked8(KernelContext kc, FloatArray x, FloatArray B, FloatArray wState, IntArray dims, int H, int P, int G,
                                           int N, int Q, FloatArray states) {
        int L = dims.get(SsdDims.L), NC = dims.get(SsdDims.NC);
        int tx = kc.localIdx;
        int ty = kc.localIdy;
        int tid = ty * 8 + tx;
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
        float[] xs = kc.allocateFloatLocalArray(1024); // [r][p]: x·w, 16 × 64
        float[] bs = kc.allocateFloatLocalArray(1024); // [r][n]: B, 16 × 64
<@tile.sums rows cols/>
        // both operands are contiguous along p / n: work item tid loads column tid of each of the slice's 16 rows
        boolean px = p0 + tid < P;
        boolean nx = n0 + tid < N;
        // (four rows loaded before their local stores, as in chunkCBBlocked8)
        int xRow = (b * L + t0) * H + h;
        int bRow = (b * L + t0) * G + g;
        for (int r0 = 0; r0 < len; r0 += 16) {
            for (int i = 0; i < 16; i += 4) {
                int r = r0 + i;
                float w0 = SsdKernels.read(wState, cbase + r, r < len), w1 = SsdKernels.read(wState, cbase + r + 1, r + 1 < len);
                float w2 = SsdKernels.read(wState, cbase + r + 2, r + 2 < len), w3 = SsdKernels.read(wState, cbase + r + 3, r + 3 < len);
                float x0 = SsdKernels.read(x, (xRow + r * H) * P + p0 + tid, r < len & px);
                float x1 = SsdKernels.read(x, (xRow + (r + 1) * H) * P + p0 + tid, r + 1 < len & px);
                float x2 = SsdKernels.read(x, (xRow + (r + 2) * H) * P + p0 + tid, r + 2 < len & px);
                float x3 = SsdKernels.read(x, (xRow + (r + 3) * H) * P + p0 + tid, r + 3 < len & px);
                float b0 = SsdKernels.read(B, (bRow + r * G) * N + n0 + tid, r < len & nx);
                float b1 = SsdKernels.read(B, (bRow + (r + 1) * G) * N + n0 + tid, r + 1 < len & nx);
                float b2 = SsdKernels.read(B, (bRow + (r + 2) * G) * N + n0 + tid, r + 2 < len & nx);
                float b3 = SsdKernels.read(B, (bRow + (r + 3) * G) * N + n0 + tid, r + 3 < len & nx);
                xs[i * 64 + tid] = w0 * x0; xs[(i + 1) * 64 + tid] = w1 * x1; xs[(i + 2) * 64 + tid] = w2 * x2; xs[(i + 3) * 64 + tid] = w3 * x3;
                bs[i * 64 + tid] = b0; bs[(i + 1) * 64 + tid] = b1; bs[(i + 2) * 64 + tid] = b2; bs[(i + 3) * 64 + tid] = b3;
            }
            kc.localBarrier();
<@tile.kSteps ua="xs" va="bs" stride="64" u0="4 * ty" v0="4 * tx" rows=rows cols=cols/>
            kc.localBarrier();
        }
        int base = bch * P * N;
<@tile.eachRow prefix="storeRow(states, base, p0 + 4 * ty" suffix=", P, n0 + 4 * tx, N, " rows=rows cols=cols/>
    }

    /** Stores one row's eight outputs (columns n .. n+3 and n+32 .. n+35) of a P×N matrix at base, guarded. */
    private static void storeRow(FloatArray out, int base, int p, int P, int n, int N,
                                 float v0, float v1, float v2, float v3, float v4, float v5, float v6, float v7) {
        if (p < P) {
            int o = base + p * N + n;
            if (n < N) out.set(o, v0);
            if (n + 1 < N) out.set(o + 1, v1);
            if (n + 2 < N) out.set(o + 2, v2);
            if (n + 3 < N) out.set(o + 3, v3);
            if (n + 32 < N) out.set(o + 32, v4);
            if (n + 33 < N) out.set(o + 33, v5);
            if (n + 34 < N) out.set(o + 34, v6);
            if (n + 35 < N) out.set(o + 35, v7);
        }
    }

    /**
     * {@link SsdKernels#chunkOutput}: y[l, p] = (Σ_{r≤l} CB[l, r]·exp(cum_l − cum_r)·dt_r·x[r, p]
     * + exp(cum_l)·Σ_n C[l, n]·stateIn[p, n] + D·x[l, p])·silu(z[l, p]) per (batch, chunk, head).
     * Grid (8·⌈P/64⌉, 8·⌈Q/64⌉, batch·NC·H).
     */
    public static void chunkOutputBlocked8(KernelContext kc, FloatArray x, FloatArray z, FloatArray dt, FloatArray cum,
                                           FloatArray cb, FloatArray C, FloatArray stateIn, FloatArray D, IntArray dims, int H, int P, int G,
                                           int N, int Q, FloatArray y) {
        int L = dims.get(SsdDims.L), NC = dims.get(SsdDims.NC);
        int tx = kc.localIdx;
        int ty = kc.localIdy;
        int tid = ty * 8 + tx;
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
        int sbase = bch * P * N;
        int cbo = ((b * NC + c) * G + g) * Q * Q;
        float[] ws = kc.allocateFloatLocalArray(16 * STRIDE); // [k][l] stride 68: C, then the weighted C·Bᵀ
        float[] vs = kc.allocateFloatLocalArray(16 * STRIDE); // [k][p] stride 68: stateIn, then x
<@tile.sums rows cols/>

        // inter-chunk part first, C·stateInᵀ; both operands are contiguous along n: 16 consecutive work items read
        // 16 consecutive n of one row, this work item rows q + 4i (q = tid / 16), four rows of each operand loaded
        // before their local stores (as chunkStatesBlocked8)
        int kt = tid % 16;
        int cRow = (b * L + t0 + l0) * G + g;
        for (int nn = 0; nn < N; nn += 16) {
            int n = nn + kt;
            for (int i = 0; i < 16; i += 4) {
                int row = tid / 16 + 4 * i;
                float c0 = SsdKernels.read(C, (cRow + row * G) * N + n, l0 + row < len & n < N);
                float c1 = SsdKernels.read(C, (cRow + (row + 4) * G) * N + n, l0 + row + 4 < len & n < N);
                float c2 = SsdKernels.read(C, (cRow + (row + 8) * G) * N + n, l0 + row + 8 < len & n < N);
                float c3 = SsdKernels.read(C, (cRow + (row + 12) * G) * N + n, l0 + row + 12 < len & n < N);
                float s0 = SsdKernels.read(stateIn, sbase + (p0 + row) * N + n, p0 + row < P & n < N);
                float s1 = SsdKernels.read(stateIn, sbase + (p0 + row + 4) * N + n, p0 + row + 4 < P & n < N);
                float s2 = SsdKernels.read(stateIn, sbase + (p0 + row + 8) * N + n, p0 + row + 8 < P & n < N);
                float s3 = SsdKernels.read(stateIn, sbase + (p0 + row + 12) * N + n, p0 + row + 12 < P & n < N);
                ws[kt * STRIDE + row] = c0; ws[kt * STRIDE + row + 4] = c1; ws[kt * STRIDE + row + 8] = c2; ws[kt * STRIDE + row + 12] = c3;
                vs[kt * STRIDE + row] = s0; vs[kt * STRIDE + row + 4] = s1; vs[kt * STRIDE + row + 8] = s2; vs[kt * STRIDE + row + 12] = s3;
            }
            kc.localBarrier();
<@tile.kSteps ua="ws" va="vs" stride="STRIDE" u0="4 * ty" v0="4 * tx" rows=rows cols=cols/>
            kc.localBarrier();
        }
        // scale by exp(cum_l) per row before the intra part joins the same accumulators
        float e0 = SsdKernels.rowDecay(cum, cbase, l0 + 4 * ty, Q), e1 = SsdKernels.rowDecay(cum, cbase, l0 + 4 * ty + 1, Q);
        float e2 = SsdKernels.rowDecay(cum, cbase, l0 + 4 * ty + 2, Q), e3 = SsdKernels.rowDecay(cum, cbase, l0 + 4 * ty + 3, Q);
        float e4 = SsdKernels.rowDecay(cum, cbase, l0 + 4 * ty + 32, Q), e5 = SsdKernels.rowDecay(cum, cbase, l0 + 4 * ty + 33, Q);
        float e6 = SsdKernels.rowDecay(cum, cbase, l0 + 4 * ty + 34, Q), e7 = SsdKernels.rowDecay(cum, cbase, l0 + 4 * ty + 35, Q);
<@tile.scaleRows rows cols/>

        // intra-chunk part; causal: slices starting past the tile's last row are all zero, so stop there
        int rEnd = Math.min(l0 + 64, len);
        boolean px = p0 + tid < P;
        int xRow = (b * L + t0) * H + h;
        for (int r0 = 0; r0 < rEnd; r0 += 16) {
            int wr = r0 + kt;
            for (int i = 0; i < 16; i += 4) {
                // weights: C·Bᵀ rows are contiguous along r, so 16 consecutive work items read one row (rows q + 4i
                // here); exp of the difference, exact. x rows are contiguous along p: column tid of rows r0 + i ..
                // r0 + i + 3. Four of each computed or loaded before their local stores.
                int wrow = tid / 16 + 4 * i;
                float w0 = SsdKernels.causalWeight(cb, cum, dt, cbo, cbase, Q, l0 + wrow, wr, len);
                float w1 = SsdKernels.causalWeight(cb, cum, dt, cbo, cbase, Q, l0 + wrow + 4, wr, len);
                float w2 = SsdKernels.causalWeight(cb, cum, dt, cbo, cbase, Q, l0 + wrow + 8, wr, len);
                float w3 = SsdKernels.causalWeight(cb, cum, dt, cbo, cbase, Q, l0 + wrow + 12, wr, len);
                int xr = r0 + i;
                float x0 = SsdKernels.read(x, (xRow + xr * H) * P + p0 + tid, xr < len & px);
                float x1 = SsdKernels.read(x, (xRow + (xr + 1) * H) * P + p0 + tid, xr + 1 < len & px);
                float x2 = SsdKernels.read(x, (xRow + (xr + 2) * H) * P + p0 + tid, xr + 2 < len & px);
                float x3 = SsdKernels.read(x, (xRow + (xr + 3) * H) * P + p0 + tid, xr + 3 < len & px);
                ws[kt * STRIDE + wrow] = w0; ws[kt * STRIDE + wrow + 4] = w1; ws[kt * STRIDE + wrow + 8] = w2; ws[kt * STRIDE + wrow + 12] = w3;
                vs[i * STRIDE + tid] = x0; vs[(i + 1) * STRIDE + tid] = x1; vs[(i + 2) * STRIDE + tid] = x2; vs[(i + 3) * STRIDE + tid] = x3;
            }
            kc.localBarrier();
<@tile.kSteps ua="ws" va="vs" stride="STRIDE" u0="4 * ty" v0="4 * tx" rows=rows cols=cols/>
            kc.localBarrier();
        }
        float d = D.get(h);
        int hasZ = dims.get(SsdDims.HAS_Z);
<@tile.eachRow prefix="outputRow(x, z, y, xRow, H, P, l0 + 4 * ty" suffix=", len, p0 + 4 * tx, d, hasZ, " rows=rows cols=cols/>
    }

    /** Epilogue of one output row: + D·x, gate by silu(z), guarded store of columns p .. p+3 and p+32 .. p+35. */
    private static void outputRow(FloatArray x, FloatArray z, FloatArray y, int xb, int H, int P, int l, int len, int p, float d, int hasZ,
                                  float v0, float v1, float v2, float v3, float v4, float v5, float v6, float v7) {
        if (l < len) {
            int o = (xb + l * H) * P + p;
            if (p < P) y.set(o, SsdKernels.gate(x, z, o, v0, d, hasZ));
            if (p + 1 < P) y.set(o + 1, SsdKernels.gate(x, z, o + 1, v1, d, hasZ));
            if (p + 2 < P) y.set(o + 2, SsdKernels.gate(x, z, o + 2, v2, d, hasZ));
            if (p + 3 < P) y.set(o + 3, SsdKernels.gate(x, z, o + 3, v3, d, hasZ));
            if (p + 32 < P) y.set(o + 32, SsdKernels.gate(x, z, o + 32, v4, d, hasZ));
            if (p + 33 < P) y.set(o + 33, SsdKernels.gate(x, z, o + 33, v5, d, hasZ));
            if (p + 34 < P) y.set(o + 34, SsdKernels.gate(x, z, o + 34, v6, d, hasZ));
            if (p + 35 < P) y.set(o + 35, SsdKernels.gate(x, z, o + 35, v7, d, hasZ));
        }
    }
}
