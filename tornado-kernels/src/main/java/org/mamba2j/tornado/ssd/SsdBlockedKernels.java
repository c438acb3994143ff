package org.mamba2j.tornado.ssd;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * Register-blocked KernelContext twins of the three matrix-product kernels of {@link SsdKernels}
 * (variant "blocked"): a work group of 16×16 work items computes a 64×64 output tile, each work
 * item a 4×4 block held in sixteen scalar accumulators (private arrays may spill to global memory).
 * Operands pass through local memory in k-slices of 16: 64×16 + 16×64 floats per slice, loaded by
 * all 256 work items with consecutive work items on consecutive global addresses (runs of 16 or 64; the chunk
 * output's transposed operands runs of 8, four rows a warp, so that its local stores fall on 32 distinct banks).
 *
 * <p>Work item (tx, ty) owns the four consecutive rows {@code 4·ty + i} (i in 0..3) and the columns {@code 2·tx + j}
 * and {@code 32 + 2·tx + j} (j in 0..1), and local rows have a stride that is a multiple of four ({@link #STRIDE} for
 * arrays written transposed, 64 for the others): a k step's four row operands are one aligned 16-byte run of local
 * memory and its column operands two aligned 8-byte runs, which the CUDA compiler reads with one vector load each
 * (three shared-memory wavefronts a warp for its sixteen FMAs, where four scalar loads a side took eight), while a
 * compiler that keeps the loads scalar (NVIDIA's OpenCL) still finds a warp's column reads on distinct banks (runs of
 * four columns would put tx and tx + 8 on one bank: 15% slower there).
 *
 * <p>Every global load of a slice is issued before its local stores (a local store between two global loads keeps the
 * second waiting for the first, docs/tensor-cores.md). Loads for slice s + 1 issued before slice s's products (software
 * pipelining) made chunkOutput slower on the H200 (docs/results.md, twenty-sixth session).
 *
 * <p>Grid: x over the column tiles, y over the row tiles (16 work items per 64 outputs each way),
 * z over (batch, chunk, head); local (16, 16, 1). Ragged edges are handled by guards on loads
 * (zero fill) and stores; every work item reaches every barrier.
 */
public final class SsdBlockedKernels {

    /** Output tile edge; the config's "tile" of a blocked kernel must equal it. */
    public static final int TILE = 64;
    /** Work items per tile edge (TILE / 4 outputs each). */
    public static final int THREADS = 16;
    /** k-slice depth staged through local memory. */
    static final int KS = 16;
    /** Row stride of local arrays written transposed ([k][row], 64 + 4): a multiple of four, two-way bank conflicts at most on the stores. */
    public static final int STRIDE = 68;

    private SsdBlockedKernels() {
    }

    /**
     * {@link SsdKernels#chunkCB}: cb[l, r] = Σ_n C[l, n]·B[r, n] for r ≤ l < len, else 0, per (batch, chunk, group).
     * Grid (16·⌈Q/64⌉, 16·⌈Q/64⌉, batch·NC·G): x over r tiles, y over l tiles.
     */
    public static void chunkCBBlocked(KernelContext kc, FloatArray C, FloatArray B, IntArray dims, FloatArray cb) {
        int L = dims.get(SsdDims.L), G = dims.get(SsdDims.G), N = dims.get(SsdDims.N), Q = dims.get(SsdDims.Q), NC = dims.get(SsdDims.NC);
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
        float a00 = 0f, a01 = 0f, a02 = 0f, a03 = 0f, a10 = 0f, a11 = 0f, a12 = 0f, a13 = 0f;
        float a20 = 0f, a21 = 0f, a22 = 0f, a23 = 0f, a30 = 0f, a31 = 0f, a32 = 0f, a33 = 0f;
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
            float c0 = SsdKernels.read(C, (cRow + lr * G) * N + n, l0 + lr < len & n < N);
            float c1 = SsdKernels.read(C, (cRow + (lr + 16) * G) * N + n, l0 + lr + 16 < len & n < N);
            float c2 = SsdKernels.read(C, (cRow + (lr + 32) * G) * N + n, l0 + lr + 32 < len & n < N);
            float c3 = SsdKernels.read(C, (cRow + (lr + 48) * G) * N + n, l0 + lr + 48 < len & n < N);
            float b0 = SsdKernels.read(B, (bRow + lr * G) * N + n, r0 + lr < len & n < N);
            float b1 = SsdKernels.read(B, (bRow + (lr + 16) * G) * N + n, r0 + lr + 16 < len & n < N);
            float b2 = SsdKernels.read(B, (bRow + (lr + 32) * G) * N + n, r0 + lr + 32 < len & n < N);
            float b3 = SsdKernels.read(B, (bRow + (lr + 48) * G) * N + n, r0 + lr + 48 < len & n < N);
            int at = kx * STRIDE + lr;
            cs[at] = c0; cs[at + 16] = c1; cs[at + 32] = c2; cs[at + 48] = c3;
            bs[at] = b0; bs[at + 16] = b1; bs[at + 32] = b2; bs[at + 48] = b3;
            kc.localBarrier();
            for (int k = 0; k < 16; k++) {
                int u = k * STRIDE + lu, v = k * STRIDE + rv;
                float u0 = cs[u], u1 = cs[u + 1], u2 = cs[u + 2], u3 = cs[u + 3];
                float v0 = bs[v], v1 = bs[v + 1], v2 = bs[v + 32], v3 = bs[v + 33];
                a00 += u0 * v0; a01 += u0 * v1; a02 += u0 * v2; a03 += u0 * v3;
                a10 += u1 * v0; a11 += u1 * v1; a12 += u1 * v2; a13 += u1 * v3;
                a20 += u2 * v0; a21 += u2 * v1; a22 += u2 * v2; a23 += u2 * v3;
                a30 += u3 * v0; a31 += u3 * v1; a32 += u3 * v2; a33 += u3 * v3;
            }
            kc.localBarrier();
        }
        int base = bcg * Q * Q;
        cbRun(cb, base, l0 + lu, r0 + rv, Q, len, a00, a01, a02, a03);
        cbRun(cb, base, l0 + lu + 1, r0 + rv, Q, len, a10, a11, a12, a13);
        cbRun(cb, base, l0 + lu + 2, r0 + rv, Q, len, a20, a21, a22, a23);
        cbRun(cb, base, l0 + lu + 3, r0 + rv, Q, len, a30, a31, a32, a33);
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
     * {@link SsdKernels#chunkStates}: states[p, n] = Σ_r (x[r, p]·wState[r])·B[r, n] per (batch, chunk, head),
     * wState = exp(cum_last − cum_r)·dt_r (from the cumsum kernel). Grid (16·⌈N/64⌉, 16·⌈P/64⌉, batch·NC·H).
     */
    public static void chunkStatesBlocked(KernelContext kc, FloatArray x, FloatArray B, FloatArray wState, IntArray dims, FloatArray states) {
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
        float a00 = 0f, a01 = 0f, a02 = 0f, a03 = 0f, a10 = 0f, a11 = 0f, a12 = 0f, a13 = 0f;
        float a20 = 0f, a21 = 0f, a22 = 0f, a23 = 0f, a30 = 0f, a31 = 0f, a32 = 0f, a33 = 0f;
        int pu = 4 * ty;
        int nv = 2 * tx;
        // both operands are contiguous along p / n: this work item stages rows sr + 4i (i < 4) of each slice at column sc
        int sr = tid / 64;
        int sc = tid % 64;
        int xRow = (b * L + t0) * H + h;
        int bRow = (b * L + t0) * G + g;
        boolean px = p0 + sc < P;
        boolean nx = n0 + sc < N;
        for (int r0 = 0; r0 < len; r0 += 16) {
            int r = r0 + sr;
            float w0 = SsdKernels.read(wState, cbase + r, r < len), w1 = SsdKernels.read(wState, cbase + r + 4, r + 4 < len);
            float w2 = SsdKernels.read(wState, cbase + r + 8, r + 8 < len), w3 = SsdKernels.read(wState, cbase + r + 12, r + 12 < len);
            float x0 = SsdKernels.read(x, (xRow + r * H) * P + p0 + sc, r < len & px);
            float x1 = SsdKernels.read(x, (xRow + (r + 4) * H) * P + p0 + sc, r + 4 < len & px);
            float x2 = SsdKernels.read(x, (xRow + (r + 8) * H) * P + p0 + sc, r + 8 < len & px);
            float x3 = SsdKernels.read(x, (xRow + (r + 12) * H) * P + p0 + sc, r + 12 < len & px);
            float b0 = SsdKernels.read(B, (bRow + r * G) * N + n0 + sc, r < len & nx);
            float b1 = SsdKernels.read(B, (bRow + (r + 4) * G) * N + n0 + sc, r + 4 < len & nx);
            float b2 = SsdKernels.read(B, (bRow + (r + 8) * G) * N + n0 + sc, r + 8 < len & nx);
            float b3 = SsdKernels.read(B, (bRow + (r + 12) * G) * N + n0 + sc, r + 12 < len & nx);
            xs[tid] = w0 * x0; xs[tid + 256] = w1 * x1; xs[tid + 512] = w2 * x2; xs[tid + 768] = w3 * x3;
            bs[tid] = b0; bs[tid + 256] = b1; bs[tid + 512] = b2; bs[tid + 768] = b3;
            kc.localBarrier();
            for (int k = 0; k < 16; k++) {
                int u = k * 64 + pu, v = k * 64 + nv;
                float u0 = xs[u], u1 = xs[u + 1], u2 = xs[u + 2], u3 = xs[u + 3];
                float v0 = bs[v], v1 = bs[v + 1], v2 = bs[v + 32], v3 = bs[v + 33];
                a00 += u0 * v0; a01 += u0 * v1; a02 += u0 * v2; a03 += u0 * v3;
                a10 += u1 * v0; a11 += u1 * v1; a12 += u1 * v2; a13 += u1 * v3;
                a20 += u2 * v0; a21 += u2 * v1; a22 += u2 * v2; a23 += u2 * v3;
                a30 += u3 * v0; a31 += u3 * v1; a32 += u3 * v2; a33 += u3 * v3;
            }
            kc.localBarrier();
        }
        int base = bch * P * N;
        storeRun(states, base, p0 + pu, P, n0 + nv, N, 0, a00, a01, a02, a03);
        storeRun(states, base, p0 + pu + 1, P, n0 + nv, N, 0, a10, a11, a12, a13);
        storeRun(states, base, p0 + pu + 2, P, n0 + nv, N, 0, a20, a21, a22, a23);
        storeRun(states, base, p0 + pu + 3, P, n0 + nv, N, 0, a30, a31, a32, a33);
    }

    /**
     * Row {@code row} of a rows × cols matrix at out[base]: a work item's four outputs of a blocked tile, at the columns
     * col, col + 1, col + 32 and col + 33 of the layout above, guarded; added on when {@code accumulate} ≠ 0. Also the
     * epilogue of the model's GEMMs of the same tiling (PrefillKernels.gemmBlocked, BatchKernels.splitGemm).
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

    /**
     * {@link SsdKernels#chunkOutput}: y[l, p] = (Σ_{r≤l} CB[l, r]·exp(cum_l − cum_r)·dt_r·x[r, p]
     * + exp(cum_l)·Σ_n C[l, n]·stateIn[p, n] + D·x[l, p])·silu(z[l, p]) per (batch, chunk, head).
     * Grid (16·⌈P/64⌉, 16·⌈Q/64⌉, batch·NC·H).
     */
    public static void chunkOutputBlocked(KernelContext kc, FloatArray x, FloatArray z, FloatArray dt, FloatArray cum,
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
        float a00 = 0f, a01 = 0f, a02 = 0f, a03 = 0f, a10 = 0f, a11 = 0f, a12 = 0f, a13 = 0f;
        float a20 = 0f, a21 = 0f, a22 = 0f, a23 = 0f, a30 = 0f, a31 = 0f, a32 = 0f, a33 = 0f;
        int lu = 4 * ty;
        int pv = 2 * tx;

        // this work item stages rows sr and sr + 32 of each slice at k columns sk and sk + 8: a warp's transposed stores
        // (four rows, eight k) land on 32 distinct banks
        int sr = tid / 8;
        int sk = tid % 8;
        int at = sk * STRIDE + sr;
        int cRow = (b * L + t0 + l0) * G + g;
        int sRow = bch * P + p0;
        // inter-chunk part first, C·stateInᵀ; both operands are contiguous along n
        for (int nn = 0; nn < N; nn += 16) {
            int n = nn + sk, n8 = n + 8;
            int ci = (cRow + sr * G) * N, ci32 = (cRow + (sr + 32) * G) * N;
            float c0 = SsdKernels.read(C, ci + n, l0 + sr < len & n < N), c1 = SsdKernels.read(C, ci + n8, l0 + sr < len & n8 < N);
            float c2 = SsdKernels.read(C, ci32 + n, l0 + sr + 32 < len & n < N), c3 = SsdKernels.read(C, ci32 + n8, l0 + sr + 32 < len & n8 < N);
            int si = (sRow + sr) * N, si32 = (sRow + sr + 32) * N;
            float s0 = SsdKernels.read(stateIn, si + n, p0 + sr < P & n < N), s1 = SsdKernels.read(stateIn, si + n8, p0 + sr < P & n8 < N);
            float s2 = SsdKernels.read(stateIn, si32 + n, p0 + sr + 32 < P & n < N), s3 = SsdKernels.read(stateIn, si32 + n8, p0 + sr + 32 < P & n8 < N);
            ws[at] = c0; ws[at + 8 * STRIDE] = c1; ws[at + 32] = c2; ws[at + 8 * STRIDE + 32] = c3;
            vs[at] = s0; vs[at + 8 * STRIDE] = s1; vs[at + 32] = s2; vs[at + 8 * STRIDE + 32] = s3;
            kc.localBarrier();
            for (int k = 0; k < 16; k++) {
                int u = k * STRIDE + lu, v = k * STRIDE + pv;
                float u0 = ws[u], u1 = ws[u + 1], u2 = ws[u + 2], u3 = ws[u + 3];
                float v0 = vs[v], v1 = vs[v + 1], v2 = vs[v + 32], v3 = vs[v + 33];
                a00 += u0 * v0; a01 += u0 * v1; a02 += u0 * v2; a03 += u0 * v3;
                a10 += u1 * v0; a11 += u1 * v1; a12 += u1 * v2; a13 += u1 * v3;
                a20 += u2 * v0; a21 += u2 * v1; a22 += u2 * v2; a23 += u2 * v3;
                a30 += u3 * v0; a31 += u3 * v1; a32 += u3 * v2; a33 += u3 * v3;
            }
            kc.localBarrier();
        }
        // scale by exp(cum_l) per row before the intra part joins the same accumulators
        float e0 = SsdKernels.rowDecay(cum, cbase, l0 + lu, Q), e1 = SsdKernels.rowDecay(cum, cbase, l0 + lu + 1, Q);
        float e2 = SsdKernels.rowDecay(cum, cbase, l0 + lu + 2, Q), e3 = SsdKernels.rowDecay(cum, cbase, l0 + lu + 3, Q);
        a00 *= e0; a01 *= e0; a02 *= e0; a03 *= e0;
        a10 *= e1; a11 *= e1; a12 *= e1; a13 *= e1;
        a20 *= e2; a21 *= e2; a22 *= e2; a23 *= e2;
        a30 *= e3; a31 *= e3; a32 *= e3; a33 *= e3;

        // intra-chunk part; causal: slices starting past the tile's last row are all zero, so stop there
        int rEnd = Math.min(l0 + 64, len);
        // x rows are contiguous along p: this work item stages row xr + 4i of each slice at column xp
        int xr = tid / 64;
        int xp = tid % 64;
        int xRow = (b * L + t0) * H + h;
        // the decays of this work item's two staged rows are the same for every slice
        float q0 = cum.get(SsdKernels.inChunk(cbase, l0 + sr, Q)), q1 = cum.get(SsdKernels.inChunk(cbase, l0 + sr + 32, Q));
        for (int r0 = 0; r0 < rEnd; r0 += 16) {
            // weights of C·Bᵀ (rows contiguous along r) at (l0 + sr, l0 + sr + 32) × (r, r + 8); exp of the difference, exact
            int r = r0 + sk, r8 = r + 8;
            int ri = SsdKernels.inChunk(cbase, r, Q), ri8 = SsdKernels.inChunk(cbase, r8, Q);
            float cr = cum.get(ri), cr8 = cum.get(ri8), dr = dt.get(ri), dr8 = dt.get(ri8);
            float w0 = SsdKernels.causalWeight(cb, cbo, Q, l0 + sr, r, len, q0, cr, dr);
            float w1 = SsdKernels.causalWeight(cb, cbo, Q, l0 + sr, r8, len, q0, cr8, dr8);
            float w2 = SsdKernels.causalWeight(cb, cbo, Q, l0 + sr + 32, r, len, q1, cr, dr);
            float w3 = SsdKernels.causalWeight(cb, cbo, Q, l0 + sr + 32, r8, len, q1, cr8, dr8);
            float x0 = SsdKernels.read(x, (xRow + (r0 + xr) * H) * P + p0 + xp, r0 + xr < len & p0 + xp < P);
            float x1 = SsdKernels.read(x, (xRow + (r0 + xr + 4) * H) * P + p0 + xp, r0 + xr + 4 < len & p0 + xp < P);
            float x2 = SsdKernels.read(x, (xRow + (r0 + xr + 8) * H) * P + p0 + xp, r0 + xr + 8 < len & p0 + xp < P);
            float x3 = SsdKernels.read(x, (xRow + (r0 + xr + 12) * H) * P + p0 + xp, r0 + xr + 12 < len & p0 + xp < P);
            ws[at] = w0; ws[at + 8 * STRIDE] = w1; ws[at + 32] = w2; ws[at + 8 * STRIDE + 32] = w3;
            int xat = xr * STRIDE + xp;
            vs[xat] = x0; vs[xat + 4 * STRIDE] = x1; vs[xat + 8 * STRIDE] = x2; vs[xat + 12 * STRIDE] = x3;
            kc.localBarrier();
            for (int k = 0; k < 16; k++) {
                int u = k * STRIDE + lu, v = k * STRIDE + pv;
                float u0 = ws[u], u1 = ws[u + 1], u2 = ws[u + 2], u3 = ws[u + 3];
                float v0 = vs[v], v1 = vs[v + 1], v2 = vs[v + 32], v3 = vs[v + 33];
                a00 += u0 * v0; a01 += u0 * v1; a02 += u0 * v2; a03 += u0 * v3;
                a10 += u1 * v0; a11 += u1 * v1; a12 += u1 * v2; a13 += u1 * v3;
                a20 += u2 * v0; a21 += u2 * v1; a22 += u2 * v2; a23 += u2 * v3;
                a30 += u3 * v0; a31 += u3 * v1; a32 += u3 * v2; a33 += u3 * v3;
            }
            kc.localBarrier();
        }
        float d = D.get(h);
        int hasZ = dims.get(SsdDims.HAS_Z);
        int xb = (b * L + t0) * H + h;
        outputRun(x, z, y, xb, H, P, l0 + lu, len, p0 + pv, d, hasZ, a00, a01, a02, a03);
        outputRun(x, z, y, xb, H, P, l0 + lu + 1, len, p0 + pv, d, hasZ, a10, a11, a12, a13);
        outputRun(x, z, y, xb, H, P, l0 + lu + 2, len, p0 + pv, d, hasZ, a20, a21, a22, a23);
        outputRun(x, z, y, xb, H, P, l0 + lu + 3, len, p0 + pv, d, hasZ, a30, a31, a32, a33);
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
}
