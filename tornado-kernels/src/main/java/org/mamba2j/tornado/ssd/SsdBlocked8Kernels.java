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
 * <p>Grid: x over the column tiles, y over the row tiles (8 work items per 64 outputs each way),
 * z over (batch, chunk, head); local (8, 8, 1). Ragged edges are handled by guards on loads
 * (zero fill) and stores; every work item reaches every barrier.
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
    public static void chunkCBBlocked8(KernelContext kc, FloatArray C, FloatArray B, IntArray dims, FloatArray cb) {
        int L = dims.get(SsdDims.L), G = dims.get(SsdDims.G), N = dims.get(SsdDims.N), Q = dims.get(SsdDims.Q), NC = dims.get(SsdDims.NC);
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
        float a00 = 0f, a01 = 0f, a02 = 0f, a03 = 0f, a04 = 0f, a05 = 0f, a06 = 0f, a07 = 0f;
        float a10 = 0f, a11 = 0f, a12 = 0f, a13 = 0f, a14 = 0f, a15 = 0f, a16 = 0f, a17 = 0f;
        float a20 = 0f, a21 = 0f, a22 = 0f, a23 = 0f, a24 = 0f, a25 = 0f, a26 = 0f, a27 = 0f;
        float a30 = 0f, a31 = 0f, a32 = 0f, a33 = 0f, a34 = 0f, a35 = 0f, a36 = 0f, a37 = 0f;
        float a40 = 0f, a41 = 0f, a42 = 0f, a43 = 0f, a44 = 0f, a45 = 0f, a46 = 0f, a47 = 0f;
        float a50 = 0f, a51 = 0f, a52 = 0f, a53 = 0f, a54 = 0f, a55 = 0f, a56 = 0f, a57 = 0f;
        float a60 = 0f, a61 = 0f, a62 = 0f, a63 = 0f, a64 = 0f, a65 = 0f, a66 = 0f, a67 = 0f;
        float a70 = 0f, a71 = 0f, a72 = 0f, a73 = 0f, a74 = 0f, a75 = 0f, a76 = 0f, a77 = 0f;
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
            for (int k = 0; k < 16; k++) {
                int ku = k * STRIDE + 4 * ty;
                int kv = k * STRIDE + 4 * tx;
                float u0 = cs[ku], u1 = cs[ku + 1], u2 = cs[ku + 2], u3 = cs[ku + 3];
                float u4 = cs[ku + 32], u5 = cs[ku + 33], u6 = cs[ku + 34], u7 = cs[ku + 35];
                float v0 = bs[kv], v1 = bs[kv + 1], v2 = bs[kv + 2], v3 = bs[kv + 3];
                float v4 = bs[kv + 32], v5 = bs[kv + 33], v6 = bs[kv + 34], v7 = bs[kv + 35];
                a00 += u0 * v0; a01 += u0 * v1; a02 += u0 * v2; a03 += u0 * v3; a04 += u0 * v4; a05 += u0 * v5; a06 += u0 * v6; a07 += u0 * v7;
                a10 += u1 * v0; a11 += u1 * v1; a12 += u1 * v2; a13 += u1 * v3; a14 += u1 * v4; a15 += u1 * v5; a16 += u1 * v6; a17 += u1 * v7;
                a20 += u2 * v0; a21 += u2 * v1; a22 += u2 * v2; a23 += u2 * v3; a24 += u2 * v4; a25 += u2 * v5; a26 += u2 * v6; a27 += u2 * v7;
                a30 += u3 * v0; a31 += u3 * v1; a32 += u3 * v2; a33 += u3 * v3; a34 += u3 * v4; a35 += u3 * v5; a36 += u3 * v6; a37 += u3 * v7;
                a40 += u4 * v0; a41 += u4 * v1; a42 += u4 * v2; a43 += u4 * v3; a44 += u4 * v4; a45 += u4 * v5; a46 += u4 * v6; a47 += u4 * v7;
                a50 += u5 * v0; a51 += u5 * v1; a52 += u5 * v2; a53 += u5 * v3; a54 += u5 * v4; a55 += u5 * v5; a56 += u5 * v6; a57 += u5 * v7;
                a60 += u6 * v0; a61 += u6 * v1; a62 += u6 * v2; a63 += u6 * v3; a64 += u6 * v4; a65 += u6 * v5; a66 += u6 * v6; a67 += u6 * v7;
                a70 += u7 * v0; a71 += u7 * v1; a72 += u7 * v2; a73 += u7 * v3; a74 += u7 * v4; a75 += u7 * v5; a76 += u7 * v6; a77 += u7 * v7;
            }
            kc.localBarrier();
        }
        int base = bcg * Q * Q;
        cbRow(cb, base, l0 + 4 * ty, r0 + 4 * tx, Q, len, a00, a01, a02, a03, a04, a05, a06, a07);
        cbRow(cb, base, l0 + 4 * ty + 1, r0 + 4 * tx, Q, len, a10, a11, a12, a13, a14, a15, a16, a17);
        cbRow(cb, base, l0 + 4 * ty + 2, r0 + 4 * tx, Q, len, a20, a21, a22, a23, a24, a25, a26, a27);
        cbRow(cb, base, l0 + 4 * ty + 3, r0 + 4 * tx, Q, len, a30, a31, a32, a33, a34, a35, a36, a37);
        cbRow(cb, base, l0 + 4 * ty + 32, r0 + 4 * tx, Q, len, a40, a41, a42, a43, a44, a45, a46, a47);
        cbRow(cb, base, l0 + 4 * ty + 33, r0 + 4 * tx, Q, len, a50, a51, a52, a53, a54, a55, a56, a57);
        cbRow(cb, base, l0 + 4 * ty + 34, r0 + 4 * tx, Q, len, a60, a61, a62, a63, a64, a65, a66, a67);
        cbRow(cb, base, l0 + 4 * ty + 35, r0 + 4 * tx, Q, len, a70, a71, a72, a73, a74, a75, a76, a77);
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
    public static void chunkStatesBlocked8(KernelContext kc, FloatArray x, FloatArray B, FloatArray wState, IntArray dims, FloatArray states) {
        int L = dims.get(SsdDims.L), H = dims.get(SsdDims.H), P = dims.get(SsdDims.P), G = dims.get(SsdDims.G);
        int N = dims.get(SsdDims.N), Q = dims.get(SsdDims.Q), NC = dims.get(SsdDims.NC);
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
        float a00 = 0f, a01 = 0f, a02 = 0f, a03 = 0f, a04 = 0f, a05 = 0f, a06 = 0f, a07 = 0f;
        float a10 = 0f, a11 = 0f, a12 = 0f, a13 = 0f, a14 = 0f, a15 = 0f, a16 = 0f, a17 = 0f;
        float a20 = 0f, a21 = 0f, a22 = 0f, a23 = 0f, a24 = 0f, a25 = 0f, a26 = 0f, a27 = 0f;
        float a30 = 0f, a31 = 0f, a32 = 0f, a33 = 0f, a34 = 0f, a35 = 0f, a36 = 0f, a37 = 0f;
        float a40 = 0f, a41 = 0f, a42 = 0f, a43 = 0f, a44 = 0f, a45 = 0f, a46 = 0f, a47 = 0f;
        float a50 = 0f, a51 = 0f, a52 = 0f, a53 = 0f, a54 = 0f, a55 = 0f, a56 = 0f, a57 = 0f;
        float a60 = 0f, a61 = 0f, a62 = 0f, a63 = 0f, a64 = 0f, a65 = 0f, a66 = 0f, a67 = 0f;
        float a70 = 0f, a71 = 0f, a72 = 0f, a73 = 0f, a74 = 0f, a75 = 0f, a76 = 0f, a77 = 0f;
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
            for (int k = 0; k < 16; k++) {
                int ku = k * 64 + 4 * ty;
                int kv = k * 64 + 4 * tx;
                float u0 = xs[ku], u1 = xs[ku + 1], u2 = xs[ku + 2], u3 = xs[ku + 3];
                float u4 = xs[ku + 32], u5 = xs[ku + 33], u6 = xs[ku + 34], u7 = xs[ku + 35];
                float v0 = bs[kv], v1 = bs[kv + 1], v2 = bs[kv + 2], v3 = bs[kv + 3];
                float v4 = bs[kv + 32], v5 = bs[kv + 33], v6 = bs[kv + 34], v7 = bs[kv + 35];
                a00 += u0 * v0; a01 += u0 * v1; a02 += u0 * v2; a03 += u0 * v3; a04 += u0 * v4; a05 += u0 * v5; a06 += u0 * v6; a07 += u0 * v7;
                a10 += u1 * v0; a11 += u1 * v1; a12 += u1 * v2; a13 += u1 * v3; a14 += u1 * v4; a15 += u1 * v5; a16 += u1 * v6; a17 += u1 * v7;
                a20 += u2 * v0; a21 += u2 * v1; a22 += u2 * v2; a23 += u2 * v3; a24 += u2 * v4; a25 += u2 * v5; a26 += u2 * v6; a27 += u2 * v7;
                a30 += u3 * v0; a31 += u3 * v1; a32 += u3 * v2; a33 += u3 * v3; a34 += u3 * v4; a35 += u3 * v5; a36 += u3 * v6; a37 += u3 * v7;
                a40 += u4 * v0; a41 += u4 * v1; a42 += u4 * v2; a43 += u4 * v3; a44 += u4 * v4; a45 += u4 * v5; a46 += u4 * v6; a47 += u4 * v7;
                a50 += u5 * v0; a51 += u5 * v1; a52 += u5 * v2; a53 += u5 * v3; a54 += u5 * v4; a55 += u5 * v5; a56 += u5 * v6; a57 += u5 * v7;
                a60 += u6 * v0; a61 += u6 * v1; a62 += u6 * v2; a63 += u6 * v3; a64 += u6 * v4; a65 += u6 * v5; a66 += u6 * v6; a67 += u6 * v7;
                a70 += u7 * v0; a71 += u7 * v1; a72 += u7 * v2; a73 += u7 * v3; a74 += u7 * v4; a75 += u7 * v5; a76 += u7 * v6; a77 += u7 * v7;
            }
            kc.localBarrier();
        }
        int base = bch * P * N;
        storeRow(states, base, p0 + 4 * ty, P, n0 + 4 * tx, N, a00, a01, a02, a03, a04, a05, a06, a07);
        storeRow(states, base, p0 + 4 * ty + 1, P, n0 + 4 * tx, N, a10, a11, a12, a13, a14, a15, a16, a17);
        storeRow(states, base, p0 + 4 * ty + 2, P, n0 + 4 * tx, N, a20, a21, a22, a23, a24, a25, a26, a27);
        storeRow(states, base, p0 + 4 * ty + 3, P, n0 + 4 * tx, N, a30, a31, a32, a33, a34, a35, a36, a37);
        storeRow(states, base, p0 + 4 * ty + 32, P, n0 + 4 * tx, N, a40, a41, a42, a43, a44, a45, a46, a47);
        storeRow(states, base, p0 + 4 * ty + 33, P, n0 + 4 * tx, N, a50, a51, a52, a53, a54, a55, a56, a57);
        storeRow(states, base, p0 + 4 * ty + 34, P, n0 + 4 * tx, N, a60, a61, a62, a63, a64, a65, a66, a67);
        storeRow(states, base, p0 + 4 * ty + 35, P, n0 + 4 * tx, N, a70, a71, a72, a73, a74, a75, a76, a77);
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
                                           FloatArray cb, FloatArray C, FloatArray stateIn, FloatArray D, IntArray dims, FloatArray y) {
        int L = dims.get(SsdDims.L), H = dims.get(SsdDims.H), P = dims.get(SsdDims.P), G = dims.get(SsdDims.G);
        int N = dims.get(SsdDims.N), Q = dims.get(SsdDims.Q), NC = dims.get(SsdDims.NC);
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
        float a00 = 0f, a01 = 0f, a02 = 0f, a03 = 0f, a04 = 0f, a05 = 0f, a06 = 0f, a07 = 0f;
        float a10 = 0f, a11 = 0f, a12 = 0f, a13 = 0f, a14 = 0f, a15 = 0f, a16 = 0f, a17 = 0f;
        float a20 = 0f, a21 = 0f, a22 = 0f, a23 = 0f, a24 = 0f, a25 = 0f, a26 = 0f, a27 = 0f;
        float a30 = 0f, a31 = 0f, a32 = 0f, a33 = 0f, a34 = 0f, a35 = 0f, a36 = 0f, a37 = 0f;
        float a40 = 0f, a41 = 0f, a42 = 0f, a43 = 0f, a44 = 0f, a45 = 0f, a46 = 0f, a47 = 0f;
        float a50 = 0f, a51 = 0f, a52 = 0f, a53 = 0f, a54 = 0f, a55 = 0f, a56 = 0f, a57 = 0f;
        float a60 = 0f, a61 = 0f, a62 = 0f, a63 = 0f, a64 = 0f, a65 = 0f, a66 = 0f, a67 = 0f;
        float a70 = 0f, a71 = 0f, a72 = 0f, a73 = 0f, a74 = 0f, a75 = 0f, a76 = 0f, a77 = 0f;

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
            for (int k = 0; k < 16; k++) {
                int ku = k * STRIDE + 4 * ty;
                int kv = k * STRIDE + 4 * tx;
                float u0 = ws[ku], u1 = ws[ku + 1], u2 = ws[ku + 2], u3 = ws[ku + 3];
                float u4 = ws[ku + 32], u5 = ws[ku + 33], u6 = ws[ku + 34], u7 = ws[ku + 35];
                float v0 = vs[kv], v1 = vs[kv + 1], v2 = vs[kv + 2], v3 = vs[kv + 3];
                float v4 = vs[kv + 32], v5 = vs[kv + 33], v6 = vs[kv + 34], v7 = vs[kv + 35];
                a00 += u0 * v0; a01 += u0 * v1; a02 += u0 * v2; a03 += u0 * v3; a04 += u0 * v4; a05 += u0 * v5; a06 += u0 * v6; a07 += u0 * v7;
                a10 += u1 * v0; a11 += u1 * v1; a12 += u1 * v2; a13 += u1 * v3; a14 += u1 * v4; a15 += u1 * v5; a16 += u1 * v6; a17 += u1 * v7;
                a20 += u2 * v0; a21 += u2 * v1; a22 += u2 * v2; a23 += u2 * v3; a24 += u2 * v4; a25 += u2 * v5; a26 += u2 * v6; a27 += u2 * v7;
                a30 += u3 * v0; a31 += u3 * v1; a32 += u3 * v2; a33 += u3 * v3; a34 += u3 * v4; a35 += u3 * v5; a36 += u3 * v6; a37 += u3 * v7;
                a40 += u4 * v0; a41 += u4 * v1; a42 += u4 * v2; a43 += u4 * v3; a44 += u4 * v4; a45 += u4 * v5; a46 += u4 * v6; a47 += u4 * v7;
                a50 += u5 * v0; a51 += u5 * v1; a52 += u5 * v2; a53 += u5 * v3; a54 += u5 * v4; a55 += u5 * v5; a56 += u5 * v6; a57 += u5 * v7;
                a60 += u6 * v0; a61 += u6 * v1; a62 += u6 * v2; a63 += u6 * v3; a64 += u6 * v4; a65 += u6 * v5; a66 += u6 * v6; a67 += u6 * v7;
                a70 += u7 * v0; a71 += u7 * v1; a72 += u7 * v2; a73 += u7 * v3; a74 += u7 * v4; a75 += u7 * v5; a76 += u7 * v6; a77 += u7 * v7;
            }
            kc.localBarrier();
        }
        // scale by exp(cum_l) per row before the intra part joins the same accumulators
        float e0 = SsdKernels.rowDecay(cum, cbase, l0 + 4 * ty, Q), e1 = SsdKernels.rowDecay(cum, cbase, l0 + 4 * ty + 1, Q);
        float e2 = SsdKernels.rowDecay(cum, cbase, l0 + 4 * ty + 2, Q), e3 = SsdKernels.rowDecay(cum, cbase, l0 + 4 * ty + 3, Q);
        float e4 = SsdKernels.rowDecay(cum, cbase, l0 + 4 * ty + 32, Q), e5 = SsdKernels.rowDecay(cum, cbase, l0 + 4 * ty + 33, Q);
        float e6 = SsdKernels.rowDecay(cum, cbase, l0 + 4 * ty + 34, Q), e7 = SsdKernels.rowDecay(cum, cbase, l0 + 4 * ty + 35, Q);
        a00 *= e0; a01 *= e0; a02 *= e0; a03 *= e0; a04 *= e0; a05 *= e0; a06 *= e0; a07 *= e0;
        a10 *= e1; a11 *= e1; a12 *= e1; a13 *= e1; a14 *= e1; a15 *= e1; a16 *= e1; a17 *= e1;
        a20 *= e2; a21 *= e2; a22 *= e2; a23 *= e2; a24 *= e2; a25 *= e2; a26 *= e2; a27 *= e2;
        a30 *= e3; a31 *= e3; a32 *= e3; a33 *= e3; a34 *= e3; a35 *= e3; a36 *= e3; a37 *= e3;
        a40 *= e4; a41 *= e4; a42 *= e4; a43 *= e4; a44 *= e4; a45 *= e4; a46 *= e4; a47 *= e4;
        a50 *= e5; a51 *= e5; a52 *= e5; a53 *= e5; a54 *= e5; a55 *= e5; a56 *= e5; a57 *= e5;
        a60 *= e6; a61 *= e6; a62 *= e6; a63 *= e6; a64 *= e6; a65 *= e6; a66 *= e6; a67 *= e6;
        a70 *= e7; a71 *= e7; a72 *= e7; a73 *= e7; a74 *= e7; a75 *= e7; a76 *= e7; a77 *= e7;

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
            for (int k = 0; k < 16; k++) {
                int ku = k * STRIDE + 4 * ty;
                int kv = k * STRIDE + 4 * tx;
                float u0 = ws[ku], u1 = ws[ku + 1], u2 = ws[ku + 2], u3 = ws[ku + 3];
                float u4 = ws[ku + 32], u5 = ws[ku + 33], u6 = ws[ku + 34], u7 = ws[ku + 35];
                float v0 = vs[kv], v1 = vs[kv + 1], v2 = vs[kv + 2], v3 = vs[kv + 3];
                float v4 = vs[kv + 32], v5 = vs[kv + 33], v6 = vs[kv + 34], v7 = vs[kv + 35];
                a00 += u0 * v0; a01 += u0 * v1; a02 += u0 * v2; a03 += u0 * v3; a04 += u0 * v4; a05 += u0 * v5; a06 += u0 * v6; a07 += u0 * v7;
                a10 += u1 * v0; a11 += u1 * v1; a12 += u1 * v2; a13 += u1 * v3; a14 += u1 * v4; a15 += u1 * v5; a16 += u1 * v6; a17 += u1 * v7;
                a20 += u2 * v0; a21 += u2 * v1; a22 += u2 * v2; a23 += u2 * v3; a24 += u2 * v4; a25 += u2 * v5; a26 += u2 * v6; a27 += u2 * v7;
                a30 += u3 * v0; a31 += u3 * v1; a32 += u3 * v2; a33 += u3 * v3; a34 += u3 * v4; a35 += u3 * v5; a36 += u3 * v6; a37 += u3 * v7;
                a40 += u4 * v0; a41 += u4 * v1; a42 += u4 * v2; a43 += u4 * v3; a44 += u4 * v4; a45 += u4 * v5; a46 += u4 * v6; a47 += u4 * v7;
                a50 += u5 * v0; a51 += u5 * v1; a52 += u5 * v2; a53 += u5 * v3; a54 += u5 * v4; a55 += u5 * v5; a56 += u5 * v6; a57 += u5 * v7;
                a60 += u6 * v0; a61 += u6 * v1; a62 += u6 * v2; a63 += u6 * v3; a64 += u6 * v4; a65 += u6 * v5; a66 += u6 * v6; a67 += u6 * v7;
                a70 += u7 * v0; a71 += u7 * v1; a72 += u7 * v2; a73 += u7 * v3; a74 += u7 * v4; a75 += u7 * v5; a76 += u7 * v6; a77 += u7 * v7;
            }
            kc.localBarrier();
        }
        float d = D.get(h);
        int hasZ = dims.get(SsdDims.HAS_Z);
        outputRow(x, z, y, xRow, H, P, l0 + 4 * ty, len, p0 + 4 * tx, d, hasZ, a00, a01, a02, a03, a04, a05, a06, a07);
        outputRow(x, z, y, xRow, H, P, l0 + 4 * ty + 1, len, p0 + 4 * tx, d, hasZ, a10, a11, a12, a13, a14, a15, a16, a17);
        outputRow(x, z, y, xRow, H, P, l0 + 4 * ty + 2, len, p0 + 4 * tx, d, hasZ, a20, a21, a22, a23, a24, a25, a26, a27);
        outputRow(x, z, y, xRow, H, P, l0 + 4 * ty + 3, len, p0 + 4 * tx, d, hasZ, a30, a31, a32, a33, a34, a35, a36, a37);
        outputRow(x, z, y, xRow, H, P, l0 + 4 * ty + 32, len, p0 + 4 * tx, d, hasZ, a40, a41, a42, a43, a44, a45, a46, a47);
        outputRow(x, z, y, xRow, H, P, l0 + 4 * ty + 33, len, p0 + 4 * tx, d, hasZ, a50, a51, a52, a53, a54, a55, a56, a57);
        outputRow(x, z, y, xRow, H, P, l0 + 4 * ty + 34, len, p0 + 4 * tx, d, hasZ, a60, a61, a62, a63, a64, a65, a66, a67);
        outputRow(x, z, y, xRow, H, P, l0 + 4 * ty + 35, len, p0 + 4 * tx, d, hasZ, a70, a71, a72, a73, a74, a75, a76, a77);
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
