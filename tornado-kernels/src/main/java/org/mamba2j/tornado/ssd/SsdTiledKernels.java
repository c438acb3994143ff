package org.mamba2j.tornado.ssd;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * KernelContext twins of the two matrix-product kernels of {@link SsdKernels}, tiled through local
 * memory: work groups of tile × tile work items (tile = {@code T}, a scalar that TornadoVM
 * specializes into a constant, so the local arrays have a fixed size). Same math, same layouts and
 * same outputs as the loop-parallel versions, which the CPU tests exercise.
 *
 * <p>Grid: x over the tile columns, y over the tile rows, z over (batch, chunk, head); the global
 * sizes are rounded up to multiples of T and the surplus work items only help load tiles.
 */
public final class SsdTiledKernels {

    private SsdTiledKernels() {
    }

    /**
     * {@link SsdKernels#chunkStates}: per (batch, chunk, head) the P×N product
     * (x·w)ᵀ·B over the chunk's positions, w = wState = exp(cum_last − cum_r)·dt_r.
     * Grid (roundUp(N, T), roundUp(P, T), batch·NC·H), local (T, T, 1).
     */
    public static void chunkStates(KernelContext kc, FloatArray x, FloatArray B, FloatArray wState, IntArray dims,
                                   FloatArray states, int T) {
        int L = dims.get(SsdDims.L), H = dims.get(SsdDims.H), P = dims.get(SsdDims.P), G = dims.get(SsdDims.G);
        int N = dims.get(SsdDims.N), Q = dims.get(SsdDims.Q), NC = dims.get(SsdDims.NC);
        int ln = kc.localIdx;
        int lp = kc.localIdy;
        int n = kc.groupIdx * T + ln;
        int p = kc.groupIdy * T + lp;
        int bch = kc.groupIdz;
        int h = bch % H;
        int c = (bch / H) % NC;
        int b = bch / (H * NC);
        int g = h / (H / G);
        int t0 = c * Q;
        int len = Math.min(Q, L - t0);
        int cbase = bch * Q;
        float[] xs = kc.allocateFloatLocalArray(T * T); // [r][p]
        float[] bs = kc.allocateFloatLocalArray(T * T); // [r][n]
        float acc = 0f;
        for (int r0 = 0; r0 < len; r0 += T) {
            // work item (ln, lp) loads x·w at (r0 + ln, p0 + lp) and B at (r0 + lp, n0 + ln)
            int rx = r0 + ln;
            int px = kc.groupIdy * T + lp;
            float xv = 0f;
            if (rx < len && px < P) {
                xv = wState.get(cbase + rx) * x.get(((b * L + t0 + rx) * H + h) * P + px);
            }
            xs[ln * T + lp] = xv;
            int rb = r0 + lp;
            float bv = 0f;
            if (rb < len && n < N) {
                bv = B.get(((b * L + t0 + rb) * G + g) * N + n);
            }
            bs[lp * T + ln] = bv;
            kc.localBarrier();
            for (int k = 0; k < T; k++) {
                acc += xs[k * T + lp] * bs[k * T + ln];
            }
            kc.localBarrier();
        }
        if (p < P && n < N) {
            states.set((bch * P + p) * N + n, acc);
        }
    }

    /**
     * {@link SsdKernels#chunkOutput}: per (batch, chunk, head) the Q×P output
     * (CB ∘ decay ∘ dt)·X + exp(cum)·C·stateInᵀ + D·x, gated by silu(z).
     * Grid (roundUp(P, T), roundUp(Q, T), batch·NC·H), local (T, T, 1).
     */
    public static void chunkOutput(KernelContext kc, FloatArray x, FloatArray z, FloatArray dt, FloatArray cum, FloatArray cb, FloatArray C,
                                   FloatArray stateIn, FloatArray D, IntArray dims, FloatArray y, int T) {
        int L = dims.get(SsdDims.L), H = dims.get(SsdDims.H), P = dims.get(SsdDims.P), G = dims.get(SsdDims.G);
        int N = dims.get(SsdDims.N), Q = dims.get(SsdDims.Q), NC = dims.get(SsdDims.NC);
        int lp = kc.localIdx;
        int ll = kc.localIdy;
        int p0 = kc.groupIdx * T;
        int l0 = kc.groupIdy * T;
        int p = p0 + lp;
        int l = l0 + ll;
        int bch = kc.groupIdz;
        int h = bch % H;
        int c = (bch / H) % NC;
        int b = bch / (H * NC);
        int g = h / (H / G);
        int t0 = c * Q;
        int len = Math.min(Q, L - t0);
        int cbase = bch * Q;
        float cuml = cum.get(SsdKernels.inChunk(cbase, l, Q));
        float[] ws = kc.allocateFloatLocalArray(T * T); // [l][r] weights, then [l][n] C
        float[] vs = kc.allocateFloatLocalArray(T * T); // [r][p] x, then [n][p] stateIn
        float acc = 0f;
        int cbo = ((b * NC + c) * G + g) * Q * Q;
        int rEnd = Math.min(l0 + T, len);
        for (int r0 = 0; r0 < rEnd; r0 += T) {
            int rw = r0 + lp;
            float wv = 0f;
            if (rw <= l && l < len) {
                wv = cb.get(cbo + l * Q + rw) * TornadoMath.exp(cuml - cum.get(cbase + rw)) * dt.get(cbase + rw);
            }
            ws[ll * T + lp] = wv;
            int rx = r0 + ll;
            float xv = 0f;
            if (rx < len && p < P) {
                xv = x.get(((b * L + t0 + rx) * H + h) * P + p);
            }
            vs[ll * T + lp] = xv;
            kc.localBarrier();
            for (int k = 0; k < T; k++) {
                acc += ws[ll * T + k] * vs[k * T + lp];
            }
            kc.localBarrier();
        }
        float s = 0f;
        int sbase = bch * P * N;
        for (int n0 = 0; n0 < N; n0 += T) {
            int nc = n0 + lp;
            float cv = 0f;
            if (l < len && nc < N) {
                cv = C.get(((b * L + t0 + l) * G + g) * N + nc);
            }
            ws[ll * T + lp] = cv;
            int ns = n0 + ll;
            float sv = 0f;
            if (ns < N && p < P) {
                sv = stateIn.get(sbase + p * N + ns);
            }
            vs[ll * T + lp] = sv;
            kc.localBarrier();
            for (int k = 0; k < T; k++) {
                s += ws[ll * T + k] * vs[k * T + lp];
            }
            kc.localBarrier();
        }
        if (l < len && p < P) {
            int i = ((b * L + t0 + l) * H + h) * P + p;
            y.set(i, SsdKernels.gate(x, z, i, acc + TornadoMath.exp(cuml) * s, D.get(h), dims.get(SsdDims.HAS_Z)));
        }
    }
}
