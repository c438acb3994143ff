package org.mamba2j.tornado.ssd;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

import static org.mamba2j.tornado.ssd.SsdBlockedKernels.STRIDE;

/**
 * Register-blocked KernelContext twins of the chunk states and the chunk output (variant "blocked84"): the 64×64 output
 * tiles of {@link SsdBlockedKernels} with 8×4 outputs a work item, so a work group is 16 × 8 work items (four warps) and
 * a k step reads two 16-byte runs of row operands and two 8-byte runs of column operands for 32 FMAs (three runs for 16
 * in "blocked", four for 64 in "blocked8"). Work item (tx, ty) owns the rows {@code 4·ty + i} and {@code 32 + 4·ty + i}
 * (i in 0..3) and the columns {@code 2·tx + j} and {@code 32 + 2·tx + j} (j in 0..1); local arrays keep the strides of
 * {@link SsdBlockedKernels} (rows of {@link SsdBlockedKernels#STRIDE} where written transposed).
 *
 * <p>Staging: every global load of a slice is issued before its local stores (docs/tensor-cores.md). The chunk output's
 * transposed operands (C, then the weighted C·Bᵀ) are staged by a warp as four rows × eight k, so its stores fall on 32
 * distinct banks, and each work item reads the decays of its rows once for all slices. The H200 runs these at 122
 * registers a work item, four groups an SM (docs/results.md, twenty-seventh session).
 *
 * <p>Grid: x over the column tiles (16 work items per 64 columns), y over the row tiles (8 per 64 rows), z over (batch,
 * chunk, head); local (16, 8, 1). Ragged edges are handled by guards on loads (zero fill) and stores; every work item
 * reaches every barrier.
 */
public final class SsdBlocked84Kernels {

    /** Output tile edge; the config's "tile" of a blocked84 kernel must equal it. */
    public static final int TILE = 64;
    /** Work items along a tile's columns (TILE / 4 outputs each). */
    public static final int THREADS_X = 16;
    /** Work items along a tile's rows (TILE / 8 outputs each). */
    public static final int THREADS_Y = 8;

    private SsdBlocked84Kernels() {
    }

    /**
     * {@link SsdKernels#chunkStates}: states[p, n] = Σ_r (x[r, p]·wState[r])·B[r, n] per (batch, chunk, head), rows p and
     * columns n. A work item's 24 global loads of a slice (8 rows of x, of wState and of B) are issued before its local
     * stores. Grid (16·⌈N/64⌉, 8·⌈P/64⌉, batch·NC·H).
     */
    public static void chunkStatesBlocked84(KernelContext kc, FloatArray x, FloatArray B, FloatArray wState, IntArray dims, FloatArray states) {
        int L = dims.get(SsdDims.L), H = dims.get(SsdDims.H), P = dims.get(SsdDims.P), G = dims.get(SsdDims.G);
        int N = dims.get(SsdDims.N), Q = dims.get(SsdDims.Q), NC = dims.get(SsdDims.NC);
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
        float[] xs = kc.allocateFloatLocalArray(1024); // [r][p]: x·w, 16 × 64
        float[] bs = kc.allocateFloatLocalArray(1024); // [r][n]: B, 16 × 64
        float a00 = 0f, a01 = 0f, a02 = 0f, a03 = 0f;
        float a10 = 0f, a11 = 0f, a12 = 0f, a13 = 0f;
        float a20 = 0f, a21 = 0f, a22 = 0f, a23 = 0f;
        float a30 = 0f, a31 = 0f, a32 = 0f, a33 = 0f;
        float a40 = 0f, a41 = 0f, a42 = 0f, a43 = 0f;
        float a50 = 0f, a51 = 0f, a52 = 0f, a53 = 0f;
        float a60 = 0f, a61 = 0f, a62 = 0f, a63 = 0f;
        float a70 = 0f, a71 = 0f, a72 = 0f, a73 = 0f;
        int pu = 4 * ty;
        int nv = 2 * tx;
        // both operands are contiguous along p / n: this work item stages rows sr + 2i (i < 8) of each slice at column sc
        int sr = tid / 64;
        int sc = tid % 64;
        boolean px = p0 + sc < P;
        boolean nx = n0 + sc < N;
        int xStep = 2 * H * P, bStep = 2 * G * N;
        for (int r0 = 0; r0 < len; r0 += 16) {
            int r = r0 + sr;
            int xi = ((b * L + t0 + r) * H + h) * P + p0 + sc;
            int bi = ((b * L + t0 + r) * G + g) * N + n0 + sc;
            float w0 = SsdKernels.read(wState, cbase + r, r < len);
            float w1 = SsdKernels.read(wState, cbase + r + 2, r + 2 < len);
            float w2 = SsdKernels.read(wState, cbase + r + 4, r + 4 < len);
            float w3 = SsdKernels.read(wState, cbase + r + 6, r + 6 < len);
            float w4 = SsdKernels.read(wState, cbase + r + 8, r + 8 < len);
            float w5 = SsdKernels.read(wState, cbase + r + 10, r + 10 < len);
            float w6 = SsdKernels.read(wState, cbase + r + 12, r + 12 < len);
            float w7 = SsdKernels.read(wState, cbase + r + 14, r + 14 < len);
            float x0 = SsdKernels.read(x, xi, r < len & px);
            float x1 = SsdKernels.read(x, xi + 1 * xStep, r + 2 < len & px);
            float x2 = SsdKernels.read(x, xi + 2 * xStep, r + 4 < len & px);
            float x3 = SsdKernels.read(x, xi + 3 * xStep, r + 6 < len & px);
            float x4 = SsdKernels.read(x, xi + 4 * xStep, r + 8 < len & px);
            float x5 = SsdKernels.read(x, xi + 5 * xStep, r + 10 < len & px);
            float x6 = SsdKernels.read(x, xi + 6 * xStep, r + 12 < len & px);
            float x7 = SsdKernels.read(x, xi + 7 * xStep, r + 14 < len & px);
            float b0 = SsdKernels.read(B, bi, r < len & nx);
            float b1 = SsdKernels.read(B, bi + 1 * bStep, r + 2 < len & nx);
            float b2 = SsdKernels.read(B, bi + 2 * bStep, r + 4 < len & nx);
            float b3 = SsdKernels.read(B, bi + 3 * bStep, r + 6 < len & nx);
            float b4 = SsdKernels.read(B, bi + 4 * bStep, r + 8 < len & nx);
            float b5 = SsdKernels.read(B, bi + 5 * bStep, r + 10 < len & nx);
            float b6 = SsdKernels.read(B, bi + 6 * bStep, r + 12 < len & nx);
            float b7 = SsdKernels.read(B, bi + 7 * bStep, r + 14 < len & nx);
            xs[tid] = w0 * x0; xs[tid + 128] = w1 * x1; xs[tid + 256] = w2 * x2; xs[tid + 384] = w3 * x3;
            xs[tid + 512] = w4 * x4; xs[tid + 640] = w5 * x5; xs[tid + 768] = w6 * x6; xs[tid + 896] = w7 * x7;
            bs[tid] = b0; bs[tid + 128] = b1; bs[tid + 256] = b2; bs[tid + 384] = b3;
            bs[tid + 512] = b4; bs[tid + 640] = b5; bs[tid + 768] = b6; bs[tid + 896] = b7;
            kc.localBarrier();
            for (int k = 0; k < 16; k++) {
                int u = k * 64 + pu, v = k * 64 + nv;
                float u0 = xs[u], u1 = xs[u + 1], u2 = xs[u + 2], u3 = xs[u + 3];
                float u4 = xs[u + 32], u5 = xs[u + 33], u6 = xs[u + 34], u7 = xs[u + 35];
                float v0 = bs[v], v1 = bs[v + 1], v2 = bs[v + 32], v3 = bs[v + 33];
                a00 += u0 * v0; a01 += u0 * v1; a02 += u0 * v2; a03 += u0 * v3;
                a10 += u1 * v0; a11 += u1 * v1; a12 += u1 * v2; a13 += u1 * v3;
                a20 += u2 * v0; a21 += u2 * v1; a22 += u2 * v2; a23 += u2 * v3;
                a30 += u3 * v0; a31 += u3 * v1; a32 += u3 * v2; a33 += u3 * v3;
                a40 += u4 * v0; a41 += u4 * v1; a42 += u4 * v2; a43 += u4 * v3;
                a50 += u5 * v0; a51 += u5 * v1; a52 += u5 * v2; a53 += u5 * v3;
                a60 += u6 * v0; a61 += u6 * v1; a62 += u6 * v2; a63 += u6 * v3;
                a70 += u7 * v0; a71 += u7 * v1; a72 += u7 * v2; a73 += u7 * v3;
            }
            kc.localBarrier();
        }
        int base = bch * P * N;
        SsdBlockedKernels.storeRun(states, base, p0 + pu, P, n0 + nv, N, 0, a00, a01, a02, a03);
        SsdBlockedKernels.storeRun(states, base, p0 + pu + 1, P, n0 + nv, N, 0, a10, a11, a12, a13);
        SsdBlockedKernels.storeRun(states, base, p0 + pu + 2, P, n0 + nv, N, 0, a20, a21, a22, a23);
        SsdBlockedKernels.storeRun(states, base, p0 + pu + 3, P, n0 + nv, N, 0, a30, a31, a32, a33);
        SsdBlockedKernels.storeRun(states, base, p0 + pu + 32, P, n0 + nv, N, 0, a40, a41, a42, a43);
        SsdBlockedKernels.storeRun(states, base, p0 + pu + 33, P, n0 + nv, N, 0, a50, a51, a52, a53);
        SsdBlockedKernels.storeRun(states, base, p0 + pu + 34, P, n0 + nv, N, 0, a60, a61, a62, a63);
        SsdBlockedKernels.storeRun(states, base, p0 + pu + 35, P, n0 + nv, N, 0, a70, a71, a72, a73);
    }

    /**
     * {@link SsdKernels#chunkOutput}: y[l, p] = (Σ_{r≤l} CB[l, r]·exp(cum_l − cum_r)·dt_r·x[r, p]
     * + exp(cum_l)·Σ_n C[l, n]·stateIn[p, n] + D·x[l, p])·silu(z[l, p]) per (batch, chunk, head), rows l and columns p.
     * Grid (16·⌈P/64⌉, 8·⌈Q/64⌉, batch·NC·H).
     */
    public static void chunkOutputBlocked84(KernelContext kc, FloatArray x, FloatArray z, FloatArray dt, FloatArray cum,
                                            FloatArray cb, FloatArray C, FloatArray stateIn, FloatArray D, IntArray dims, FloatArray y) {
        int L = dims.get(SsdDims.L), H = dims.get(SsdDims.H), P = dims.get(SsdDims.P), G = dims.get(SsdDims.G);
        int N = dims.get(SsdDims.N), Q = dims.get(SsdDims.Q), NC = dims.get(SsdDims.NC);
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
        float a00 = 0f, a01 = 0f, a02 = 0f, a03 = 0f;
        float a10 = 0f, a11 = 0f, a12 = 0f, a13 = 0f;
        float a20 = 0f, a21 = 0f, a22 = 0f, a23 = 0f;
        float a30 = 0f, a31 = 0f, a32 = 0f, a33 = 0f;
        float a40 = 0f, a41 = 0f, a42 = 0f, a43 = 0f;
        float a50 = 0f, a51 = 0f, a52 = 0f, a53 = 0f;
        float a60 = 0f, a61 = 0f, a62 = 0f, a63 = 0f;
        float a70 = 0f, a71 = 0f, a72 = 0f, a73 = 0f;
        int lu = 4 * ty;
        int pv = 2 * tx;

        // this work item stages rows sr + 16i (i < 4) of each slice at k columns sk and sk + 8 (a warp: four rows, eight k,
        // 32 distinct banks for the transposed stores)
        int sr = tid / 8;
        int sk = tid % 8;
        int at = sk * STRIDE + sr;
        int cRow = (b * L + t0 + l0) * G + g;
        int sRow = bch * P + p0;
        // inter-chunk part first, C·stateInᵀ; both operands are contiguous along n
        for (int nn = 0; nn < N; nn += 16) {
            int n = nn + sk, n8 = n + 8;
            int c0i = (cRow + sr * G) * N, c1i = (cRow + (sr + 16) * G) * N, c2i = (cRow + (sr + 32) * G) * N, c3i = (cRow + (sr + 48) * G) * N;
            float c0 = SsdKernels.read(C, c0i + n, l0 + sr < len & n < N), c1 = SsdKernels.read(C, c0i + n8, l0 + sr < len & n8 < N);
            float c2 = SsdKernels.read(C, c1i + n, l0 + sr + 16 < len & n < N), c3 = SsdKernels.read(C, c1i + n8, l0 + sr + 16 < len & n8 < N);
            float c4 = SsdKernels.read(C, c2i + n, l0 + sr + 32 < len & n < N), c5 = SsdKernels.read(C, c2i + n8, l0 + sr + 32 < len & n8 < N);
            float c6 = SsdKernels.read(C, c3i + n, l0 + sr + 48 < len & n < N), c7 = SsdKernels.read(C, c3i + n8, l0 + sr + 48 < len & n8 < N);
            int s0i = (sRow + sr) * N, s1i = (sRow + sr + 16) * N, s2i = (sRow + sr + 32) * N, s3i = (sRow + sr + 48) * N;
            float s0 = SsdKernels.read(stateIn, s0i + n, p0 + sr < P & n < N), s1 = SsdKernels.read(stateIn, s0i + n8, p0 + sr < P & n8 < N);
            float s2 = SsdKernels.read(stateIn, s1i + n, p0 + sr + 16 < P & n < N), s3 = SsdKernels.read(stateIn, s1i + n8, p0 + sr + 16 < P & n8 < N);
            float s4 = SsdKernels.read(stateIn, s2i + n, p0 + sr + 32 < P & n < N), s5 = SsdKernels.read(stateIn, s2i + n8, p0 + sr + 32 < P & n8 < N);
            float s6 = SsdKernels.read(stateIn, s3i + n, p0 + sr + 48 < P & n < N), s7 = SsdKernels.read(stateIn, s3i + n8, p0 + sr + 48 < P & n8 < N);
            ws[at] = c0; ws[at + 8 * STRIDE] = c1; ws[at + 16] = c2; ws[at + 8 * STRIDE + 16] = c3;
            ws[at + 32] = c4; ws[at + 8 * STRIDE + 32] = c5; ws[at + 48] = c6; ws[at + 8 * STRIDE + 48] = c7;
            vs[at] = s0; vs[at + 8 * STRIDE] = s1; vs[at + 16] = s2; vs[at + 8 * STRIDE + 16] = s3;
            vs[at + 32] = s4; vs[at + 8 * STRIDE + 32] = s5; vs[at + 48] = s6; vs[at + 8 * STRIDE + 48] = s7;
            kc.localBarrier();
            for (int k = 0; k < 16; k++) {
                int u = k * STRIDE + lu, v = k * STRIDE + pv;
                float u0 = ws[u], u1 = ws[u + 1], u2 = ws[u + 2], u3 = ws[u + 3];
                float u4 = ws[u + 32], u5 = ws[u + 33], u6 = ws[u + 34], u7 = ws[u + 35];
                float v0 = vs[v], v1 = vs[v + 1], v2 = vs[v + 32], v3 = vs[v + 33];
                a00 += u0 * v0; a01 += u0 * v1; a02 += u0 * v2; a03 += u0 * v3;
                a10 += u1 * v0; a11 += u1 * v1; a12 += u1 * v2; a13 += u1 * v3;
                a20 += u2 * v0; a21 += u2 * v1; a22 += u2 * v2; a23 += u2 * v3;
                a30 += u3 * v0; a31 += u3 * v1; a32 += u3 * v2; a33 += u3 * v3;
                a40 += u4 * v0; a41 += u4 * v1; a42 += u4 * v2; a43 += u4 * v3;
                a50 += u5 * v0; a51 += u5 * v1; a52 += u5 * v2; a53 += u5 * v3;
                a60 += u6 * v0; a61 += u6 * v1; a62 += u6 * v2; a63 += u6 * v3;
                a70 += u7 * v0; a71 += u7 * v1; a72 += u7 * v2; a73 += u7 * v3;
            }
            kc.localBarrier();
        }
        // scale by exp(cum_l) per row before the intra part joins the same accumulators
        float e0 = SsdKernels.rowDecay(cum, cbase, l0 + lu, Q);
        float e1 = SsdKernels.rowDecay(cum, cbase, l0 + lu + 1, Q);
        float e2 = SsdKernels.rowDecay(cum, cbase, l0 + lu + 2, Q);
        float e3 = SsdKernels.rowDecay(cum, cbase, l0 + lu + 3, Q);
        float e4 = SsdKernels.rowDecay(cum, cbase, l0 + lu + 32, Q);
        float e5 = SsdKernels.rowDecay(cum, cbase, l0 + lu + 33, Q);
        float e6 = SsdKernels.rowDecay(cum, cbase, l0 + lu + 34, Q);
        float e7 = SsdKernels.rowDecay(cum, cbase, l0 + lu + 35, Q);
        a00 *= e0; a01 *= e0; a02 *= e0; a03 *= e0;
        a10 *= e1; a11 *= e1; a12 *= e1; a13 *= e1;
        a20 *= e2; a21 *= e2; a22 *= e2; a23 *= e2;
        a30 *= e3; a31 *= e3; a32 *= e3; a33 *= e3;
        a40 *= e4; a41 *= e4; a42 *= e4; a43 *= e4;
        a50 *= e5; a51 *= e5; a52 *= e5; a53 *= e5;
        a60 *= e6; a61 *= e6; a62 *= e6; a63 *= e6;
        a70 *= e7; a71 *= e7; a72 *= e7; a73 *= e7;

        // intra-chunk part; causal: slices starting past the tile's last row are all zero, so stop there
        int rEnd = Math.min(l0 + 64, len);
        // x rows are contiguous along p: this work item stages rows xr + 2i (i < 8) of each slice at column xp
        int xr = tid / 64;
        int xp = tid % 64;
        int xRow = (b * L + t0) * H + h;
        int xat = xr * STRIDE + xp;
        boolean px = p0 + xp < P;
        // the decays of this work item's four staged rows are the same for every slice
        float q0 = cum.get(SsdKernels.inChunk(cbase, l0 + sr, Q)), q1 = cum.get(SsdKernels.inChunk(cbase, l0 + sr + 16, Q));
        float q2 = cum.get(SsdKernels.inChunk(cbase, l0 + sr + 32, Q)), q3 = cum.get(SsdKernels.inChunk(cbase, l0 + sr + 48, Q));
        for (int r0 = 0; r0 < rEnd; r0 += 16) {
            // weights of C·Bᵀ (rows contiguous along r) at rows sr + 16i × (r, r + 8); exp of the difference, exact
            int r = r0 + sk, r8 = r + 8;
            int ri = SsdKernels.inChunk(cbase, r, Q), ri8 = SsdKernels.inChunk(cbase, r8, Q);
            float cr = cum.get(ri), cr8 = cum.get(ri8), dr = dt.get(ri), dr8 = dt.get(ri8);
            float w0 = SsdKernels.causalWeight(cb, cbo, Q, l0 + sr, r, len, q0, cr, dr);
            float w1 = SsdKernels.causalWeight(cb, cbo, Q, l0 + sr, r8, len, q0, cr8, dr8);
            float w2 = SsdKernels.causalWeight(cb, cbo, Q, l0 + sr + 16, r, len, q1, cr, dr);
            float w3 = SsdKernels.causalWeight(cb, cbo, Q, l0 + sr + 16, r8, len, q1, cr8, dr8);
            float w4 = SsdKernels.causalWeight(cb, cbo, Q, l0 + sr + 32, r, len, q2, cr, dr);
            float w5 = SsdKernels.causalWeight(cb, cbo, Q, l0 + sr + 32, r8, len, q2, cr8, dr8);
            float w6 = SsdKernels.causalWeight(cb, cbo, Q, l0 + sr + 48, r, len, q3, cr, dr);
            float w7 = SsdKernels.causalWeight(cb, cbo, Q, l0 + sr + 48, r8, len, q3, cr8, dr8);
            int xi = (xRow + (r0 + xr) * H) * P + p0 + xp, xStep = 2 * H * P;
            float x0 = SsdKernels.read(x, xi, r0 + xr < len & px), x1 = SsdKernels.read(x, xi + xStep, r0 + xr + 2 < len & px);
            float x2 = SsdKernels.read(x, xi + 2 * xStep, r0 + xr + 4 < len & px), x3 = SsdKernels.read(x, xi + 3 * xStep, r0 + xr + 6 < len & px);
            float x4 = SsdKernels.read(x, xi + 4 * xStep, r0 + xr + 8 < len & px), x5 = SsdKernels.read(x, xi + 5 * xStep, r0 + xr + 10 < len & px);
            float x6 = SsdKernels.read(x, xi + 6 * xStep, r0 + xr + 12 < len & px), x7 = SsdKernels.read(x, xi + 7 * xStep, r0 + xr + 14 < len & px);
            ws[at] = w0; ws[at + 8 * STRIDE] = w1; ws[at + 16] = w2; ws[at + 8 * STRIDE + 16] = w3;
            ws[at + 32] = w4; ws[at + 8 * STRIDE + 32] = w5; ws[at + 48] = w6; ws[at + 8 * STRIDE + 48] = w7;
            vs[xat] = x0; vs[xat + 2 * STRIDE] = x1; vs[xat + 4 * STRIDE] = x2; vs[xat + 6 * STRIDE] = x3;
            vs[xat + 8 * STRIDE] = x4; vs[xat + 10 * STRIDE] = x5; vs[xat + 12 * STRIDE] = x6; vs[xat + 14 * STRIDE] = x7;
            kc.localBarrier();
            for (int k = 0; k < 16; k++) {
                int u = k * STRIDE + lu, v = k * STRIDE + pv;
                float u0 = ws[u], u1 = ws[u + 1], u2 = ws[u + 2], u3 = ws[u + 3];
                float u4 = ws[u + 32], u5 = ws[u + 33], u6 = ws[u + 34], u7 = ws[u + 35];
                float v0 = vs[v], v1 = vs[v + 1], v2 = vs[v + 32], v3 = vs[v + 33];
                a00 += u0 * v0; a01 += u0 * v1; a02 += u0 * v2; a03 += u0 * v3;
                a10 += u1 * v0; a11 += u1 * v1; a12 += u1 * v2; a13 += u1 * v3;
                a20 += u2 * v0; a21 += u2 * v1; a22 += u2 * v2; a23 += u2 * v3;
                a30 += u3 * v0; a31 += u3 * v1; a32 += u3 * v2; a33 += u3 * v3;
                a40 += u4 * v0; a41 += u4 * v1; a42 += u4 * v2; a43 += u4 * v3;
                a50 += u5 * v0; a51 += u5 * v1; a52 += u5 * v2; a53 += u5 * v3;
                a60 += u6 * v0; a61 += u6 * v1; a62 += u6 * v2; a63 += u6 * v3;
                a70 += u7 * v0; a71 += u7 * v1; a72 += u7 * v2; a73 += u7 * v3;
            }
            kc.localBarrier();
        }
        float d = D.get(h);
        int hasZ = dims.get(SsdDims.HAS_Z);
        int xb = (b * L + t0) * H + h;
        SsdBlockedKernels.outputRun(x, z, y, xb, H, P, l0 + lu, len, p0 + pv, d, hasZ, a00, a01, a02, a03);
        SsdBlockedKernels.outputRun(x, z, y, xb, H, P, l0 + lu + 1, len, p0 + pv, d, hasZ, a10, a11, a12, a13);
        SsdBlockedKernels.outputRun(x, z, y, xb, H, P, l0 + lu + 2, len, p0 + pv, d, hasZ, a20, a21, a22, a23);
        SsdBlockedKernels.outputRun(x, z, y, xb, H, P, l0 + lu + 3, len, p0 + pv, d, hasZ, a30, a31, a32, a33);
        SsdBlockedKernels.outputRun(x, z, y, xb, H, P, l0 + lu + 32, len, p0 + pv, d, hasZ, a40, a41, a42, a43);
        SsdBlockedKernels.outputRun(x, z, y, xb, H, P, l0 + lu + 33, len, p0 + pv, d, hasZ, a50, a51, a52, a53);
        SsdBlockedKernels.outputRun(x, z, y, xb, H, P, l0 + lu + 34, len, p0 + pv, d, hasZ, a60, a61, a62, a63);
        SsdBlockedKernels.outputRun(x, z, y, xb, H, P, l0 + lu + 35, len, p0 + pv, d, hasZ, a70, a71, a72, a73);
    }
}
