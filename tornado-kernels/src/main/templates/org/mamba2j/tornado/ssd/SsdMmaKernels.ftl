<#-- The SSD's tensor-core kernels (KernelSources renders it); fragments, k steps and stores from BlockedTile.ftl. -->
<#import "/org/mamba2j/tornado/BlockedTile.ftl" as tile>
// Generated from src/main/templates/org/mamba2j/tornado/ssd/SsdMmaKernels.ftl by src/build/KernelSources.java:
// edit the template, not this file.
package org.mamba2j.tornado.ssd;

import org.mamba2j.tornado.mma.MmaTiles;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.enums.MMAShape;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.HalfFloat;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * The SSD's chunk states and chunk output on tensor cores (variant "mma", precision fast; PTX and
 * CUDA): fp16 operands, fp32 accumulation, m16n8k16 MMA as {@link org.mamba2j.tornado.mma.MmaGemm}
 * runs it. A work group of {@link #LOCAL} work items (four warps, 2 × 2, each 32 × 32 outputs in
 * eight m16n8 accumulators) computes a {@link #TILE}² output tile; k goes in steps of 32, each
 * staged into local memory as the ldmatrix tile grids of {@link MmaTiles} (4 × 2 A tiles, 2 × 8 B
 * tiles), zero past the ends.
 *
 * <p>Operands that are plain reads become fp16 as they are read. Operands that are products
 * (decay-weighted) are computed in fp32 and made fp16 by float arithmetic ({@link MmaTiles#halfOf});
 * every factor of such a product is bounded (the decays exp(cum_l − cum_s) and exp(cum_l) are at
 * most 1), so they stay in fp16's range.
 *
 * <p>The model's dimensions H, P, G, N, Q are scalar arguments (compiled in as constants, as {@link SsdBlockedKernels}'
 * are); {@code dims} keeps the lengths L and NC and the flags.
 *
 * <p>Each work group owns {@link #SCRATCH} floats of {@code scratch} (where its tile crosses the
 * matrix's edge, its 64 × 64 outputs): a tile inside the matrix is stored from the
 * accumulators straight to the output; an edge tile goes to the scratch and is copied out, guarded,
 * after a barrier. Grid (LOCAL·⌈cols/64⌉, ⌈rows/64⌉, batch·NC·H), local (LOCAL, 1, 1).
 */
public final class SsdMmaKernels {

    /** Output tile edge of a work group; the config's "tile" of an mma kernel. */
    public static final int TILE = 64;
    /** Work items of a work group: four warps; the config's "local" of an mma kernel. */
    public static final int LOCAL = 4 * MmaTiles.WARP;
    /** Floats of scratch per work group: a 64 × 64 output tile. */
    public static final int SCRATCH = TILE * TILE;

    private static final int K_STEP = 32;
    /** Element pairs of a 64 × 32 operand block, and per work item. */
    private static final int PAIRS = TILE * K_STEP / 2;
    private static final int PER_ITEM = PAIRS / LOCAL;

    private SsdMmaKernels() {
    }

    /** Floats of scratch both kernels need at a shape: SCRATCH per work group of the larger grid. */
    public static int scratchSize(int batchChunkHeads, int P, int N, int Q) {
        return Math.multiplyExact(Math.multiplyExact(batchChunkHeads, tiles(P) * Math.max(tiles(N), tiles(Q))), SCRATCH);
    }

    /** Started 64-wide tiles over n. */
    static int tiles(int n) {
        return (n + TILE - 1) / TILE;
    }

    /**
     * {@link SsdKernels#chunkStates} on tensor cores: states[p, n] = Σ_l x[l, p]·(wState[l]·B[l, n]) per
     * (batch, chunk, head), A = xᵀ (p × l, read as is), B = the weighted B (l × n, staged through scratch).
     * Grid (LOCAL·⌈N/64⌉, ⌈P/64⌉, batch·NC·H).
     */
    public static void chunkStatesMma(KernelContext kc, FloatArray x, FloatArray B, FloatArray wState, IntArray dims, int H, int P, int G, int N, int Q,
                                      FloatArray scratch, FloatArray states) {
        int L = dims.get(SsdDims.L), NC = dims.get(SsdDims.NC);
        int tid = kc.localIdx;
        int n0 = kc.groupIdx * TILE;
        int p0 = kc.groupIdy * TILE;
        int bch = kc.groupIdz;
        int h = bch % H;
        int c = (bch / H) % NC;
        int b = bch / (H * NC);
        int g = h / (H / G);
        int t0 = c * Q;
        int len = Math.min(Q, L - t0);
        int sb = ((bch * tiles(P) + kc.groupIdy) * tiles(N) + kc.groupIdx) * SCRATCH;
        int wm = MmaTiles.warpM(tid);
        int wn = MmaTiles.warpN(tid);
        int aLane = MmaTiles.aLane(tid), bLane = MmaTiles.bLane(tid);
        int[] as = kc.allocateIntLocalArray(MmaTiles.aInts(4, 2)); // 4 × 2 A tiles: x transposed, (p, l)
        int[] bs = kc.allocateIntLocalArray(MmaTiles.bInts(2, 8)); // 2 × 8 B tiles: wState·B, (l, n)
<@tile.fragments/>
        for (int k0 = 0; k0 < len; k0 += K_STEP) {
            // local arrays are written here, not in a helper: TornadoVM addresses a local array passed to a method as a global one
            for (int j = 0; j < PER_ITEM; j++) {
                int i = tid + j * LOCAL;
                // x rows (l) are contiguous along p: pair i is p0 + i % 64 at rows k0 + 2·(i / 64) and +1
                as[MmaTiles.aSlot(i % 64, i / 64 * 2, 2)] = MmaTiles.pairAcross(x, ((b * L + t0) * H + h) * P, H * P, k0 + i / 64 * 2, p0 + i % 64, len, P);
                // the weighted B, in fp32 then fp16: pair i is k-row i / 32, columns 2·(i % 32) and +1
                int l = k0 + i / 32;
                int n = n0 + i % 32 * 2;
                int at = ((b * L + t0 + l) * G + g) * N + n;
                float w = SsdKernels.read(wState, bch * Q + l, l < len);
                bs[MmaTiles.bSlot(i / 32, i % 32 * 2, 8)] = MmaTiles.halfPair(w * SsdKernels.read(B, at, l < len && n < N),
                        w * SsdKernels.read(B, at + 1, l < len && n + 1 < N));
            }
            kc.localBarrier();
<@tile.mmaSteps/>
            kc.localBarrier();
        }
        boolean edge = p0 + TILE > P || n0 + TILE > N;
        int r = 32 * wm;
        int col = 32 * wn;
        if (edge) {
            int row = sb / TILE + r;
<@tile.mmaStores target="scratch" row="row" col="col" ld="TILE"/>
        } else {
            int row = bch * P + p0 + r;
<@tile.mmaStores target="states" row="row" col="n0 + col" ld="N"/>
        }
        kc.localBarrier();
        if (edge) {
            for (int i = tid; i < SCRATCH; i += LOCAL) {
                int p = p0 + i / TILE;
                int n = n0 + i % TILE;
                if (p < P && n < N) states.set((bch * P + p) * N + n, scratch.get(sb + i));
            }
        }
    }

    /**
     * {@link SsdKernels#chunkOutput} on tensor cores, per (batch, chunk, head): y[l, p] = Σ_n (C[l, n]·exp(cum_l))·stateIn[p, n]
     * + Σ_{s ≤ l} (CB[l, s]·exp(cum_l − cum_s)·dt_s + D·[s = l])·x[s, p], then ·silu(z). One k loop: first over n (the
     * inter-chunk part, A = the decayed C, B = stateInᵀ), then over s up to the tile's last row (the causal intra-chunk
     * part, A = the decay-weighted C·Bᵀ with D on its diagonal, B = x), into the same accumulators; both A operands pass
     * through scratch. Grid (LOCAL·⌈P/64⌉, ⌈Q/64⌉, batch·NC·H).
     */
    public static void chunkOutputMma(KernelContext kc, FloatArray x, FloatArray z, FloatArray dt, FloatArray cum, FloatArray cb,
                                      FloatArray C, FloatArray stateIn, FloatArray D, IntArray dims, int H, int P, int G, int N, int Q,
                                      FloatArray scratch, FloatArray y) {
        int L = dims.get(SsdDims.L), NC = dims.get(SsdDims.NC);
        int tid = kc.localIdx;
        int p0 = kc.groupIdx * TILE;
        int l0 = kc.groupIdy * TILE;
        int bch = kc.groupIdz;
        int h = bch % H;
        int c = (bch / H) % NC;
        int b = bch / (H * NC);
        int g = h / (H / G);
        int t0 = c * Q;
        int len = Math.min(Q, L - t0);
        int cbase = bch * Q;
        int sb = ((bch * tiles(Q) + kc.groupIdy) * tiles(P) + kc.groupIdx) * SCRATCH;
        int wm = MmaTiles.warpM(tid);
        int wn = MmaTiles.warpN(tid);
        int aLane = MmaTiles.aLane(tid), bLane = MmaTiles.bLane(tid);
        float d = D.get(h);
        // k runs over n (padded to the step), then over s < min(l0 + 64, len): nothing right of the tile's last row
        int nSpan = (N + K_STEP - 1) / K_STEP * K_STEP;
        int kEnd = l0 < len ? nSpan + Math.min(l0 + TILE, len) : 0;
        int cbo = ((b * NC + c) * G + g) * Q * Q;
        // every pair this work item stages has its columns kk and kk + 1 of the step (its eight rows: l0 + tid / 16 + 8j)
        int kk = tid % 16 * 2;
        int[] as = kc.allocateIntLocalArray(MmaTiles.aInts(4, 2)); // 4 × 2 A tiles: (l, n), then (l, s)
        int[] bs = kc.allocateIntLocalArray(MmaTiles.bInts(2, 8)); // 2 × 8 B tiles: (n, p), then (s, p)
<@tile.fragments/>
        for (int k0 = 0; k0 < kEnd; k0 += K_STEP) {
            boolean inter = k0 < nSpan;
            int s0 = k0 - nSpan;
            // the intra-chunk part's two columns: their decays and dt read once a step, not once a row
            int s = s0 + kk;
            float cumS0 = SsdKernels.read(cum, cbase + s, !inter && s < len), cumS1 = SsdKernels.read(cum, cbase + s + 1, !inter && s + 1 < len);
            float dtS0 = SsdKernels.read(dt, cbase + s, !inter && s < len), dtS1 = SsdKernels.read(dt, cbase + s + 1, !inter && s + 1 < len);
            for (int j = 0; j < PER_ITEM; j++) {
                int i = tid + j * LOCAL;
                // A in fp32 then fp16: pair i is row l0 + i / 16, columns kk and kk + 1 of the step
                int l = l0 + i / 16;
                float cumL = SsdKernels.read(cum, cbase + l, l < len);
                float v0;
                float v1;
                if (inter) {
                    int n = k0 + kk;
                    int at = ((b * L + t0 + l) * G + g) * N + n;
                    float e = TornadoMath.exp(cumL);
                    v0 = e * SsdKernels.read(C, at, l < len && n < N);
                    v1 = e * SsdKernels.read(C, at + 1, l < len && n + 1 < N);
                } else {
                    v0 = weight(cb, cbo, Q, l, s, len, cumL, cumS0, dtS0, d);
                    v1 = weight(cb, cbo, Q, l, s + 1, len, cumL, cumS1, dtS1, d);
                }
                as[MmaTiles.aSlot(i / 16, i % 16 * 2, 2)] = MmaTiles.halfPair(v0, v1);
                if (inter) {
                    // stateIn rows (p) are contiguous along n: k-row i % 32, columns 2·(i / 32) and +1
                    bs[MmaTiles.bSlot(i % 32, i / 32 * 2, 8)] = MmaTiles.pairAcross(stateIn, bch * P * N, N, p0 + i / 32 * 2, k0 + i % 32, P, N);
                } else {
                    // x rows (s) are contiguous along p: k-row i / 32, columns 2·(i % 32) and +1
                    bs[MmaTiles.bSlot(i / 32, i % 32 * 2, 8)] = MmaTiles.pairAlong(x, ((b * L + t0) * H + h) * P, H * P, s0 + i / 32, p0 + i % 32 * 2, len, P);
                }
            }
            kc.localBarrier();
<@tile.mmaSteps/>
            kc.localBarrier();
        }
        boolean edge = l0 + TILE > len || p0 + TILE > P;
        int r = 32 * wm;
        int col = 32 * wn;
        if (edge) {
            int row = sb / TILE + r;
<@tile.mmaStores target="scratch" row="row" col="col" ld="TILE"/>
        } else {
            // y is (batch·L) rows of H·P: head h's columns of the chunk's rows
            int row = b * L + t0 + l0 + r;
            int hc = h * P + p0 + col;
<@tile.mmaStores target="y" row="row" col="hc" ld="H * P"/>
        }
        kc.localBarrier();
        int hasZ = dims.get(SsdDims.HAS_Z);
        if (edge || hasZ != 0) {
            // edge tiles copied out; the gate applied to the tile (the barrier orders the other warps' stores before these reads)
            for (int i = tid; i < SCRATCH; i += LOCAL) {
                int l = l0 + i / TILE;
                int p = p0 + i % TILE;
                if (l < len && p < P) {
                    int o = ((b * L + t0 + l) * H + h) * P + p;
                    float v = edge ? scratch.get(sb + i) : y.get(o);
                    if (hasZ != 0) v = v * SsdKernels.silu(SsdKernels.read(z, o, true));
                    y.set(o, v);
                }
            }
        }
    }

    /**
     * The intra-chunk weight of (l, s), its decays and dt read (cumL = cum_l, cumS = cum_s, dtS = dt_s):
     * CB[l, s]·exp(cum_l − cum_s)·dt_s for s ≤ l &lt; len (+ D on the diagonal), else 0 (no exp outside, where it could overflow).
     */
    private static float weight(FloatArray cb, int cbo, int Q, int l, int s, int len, float cumL, float cumS, float dtS, float d) {
        float w = SsdKernels.causalWeight(cb, cbo, Q, l, s, len, cumL, cumS, dtS);
        return s == l && l < len ? w + d : w;
    }
}
