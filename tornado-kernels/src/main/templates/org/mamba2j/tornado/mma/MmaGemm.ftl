<#-- The tensor-core GEMM (KernelSources renders it); fragments and k steps from BlockedTile.ftl. -->
<#import "/org/mamba2j/tornado/BlockedTile.ftl" as tile>
// Generated from src/main/templates/org/mamba2j/tornado/mma/MmaGemm.ftl by src/build/KernelSources.java:
// edit the template, not this file.
package org.mamba2j.tornado.mma;

import org.mamba2j.tornado.Grids;
import org.mamba2j.tornado.model.WeightFormat;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.enums.MMAShape;
import uk.ac.manchester.tornado.api.types.HalfFloat;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.LongArray;

/**
 * The prefill's projections on tensor cores ({@code gemm} variant "mma", precision fast): fp16
 * operands, fp32 accumulation, m16n8k16 MMA through TornadoVM's KernelContext (PTX and CUDA
 * backends). out[m, j] = Σ_k a[m, k]·W[j, k]: a the activations (rows × k, float32, made fp16 as they
 * are staged), W a projection in its (out, in) layout, as the device keeps it (float32, F16 or BF16).
 *
 * <p>A work group of {@link #LOCAL} work items (four warps, 2 × 2) computes a {@link #TILE_M} × {@link #TILE_N} output
 * tile, each warp 32 × 32 of it in eight m16n8 accumulators. The k dimension goes in steps of 32:
 * the group stages a 64 × 32 block of a and a 32 × 64 block of Wᵀ in local memory as the tile grids
 * {@link MmaTiles} describes (a zero past k, or past the rows), then each warp runs two k16 rounds of eight MMAs while
 * the next step's loads are in flight (software pipelined through registers).
 * The stores write whole 16 × 8 tiles: n must be a multiple of 8 (columns past n are skipped by
 * whole tiles) and the rows up to the 64-row block's end must be inside {@code out} (rows past
 * control[0] get what zero activations give).
 */
public final class MmaGemm {

    /**
     * Output tile of a work group, rows × columns. 64 × 128 tiles ran slower: sixteen accumulators a warp, double
     * buffered, on the H200 (9.5–19.6 against 15.4–23.1 TFLOP/s); eight 32 × 32 warps, and four 64 × 32 warps at 212 or,
     * capped, 128 registers, on an H100 (0.896 against 0.843 ms at 2.7b's in_proj at best; docs/tensor-cores.md).
     */
    public static final int TILE_M = 64, TILE_N = 64;
    /** Work items of a work group: four warps. */
    public static final int LOCAL = 4 * MmaTiles.WARP;
    /** Weight formats, the {@code format} argument: float32 in w32; F16 or BF16 patterns in w16. */
    public static final int F32 = 0, F16 = 1, BF16 = 2;
    /** The {@code activations} argument of A given as fp16 pairs, or as float32 (any c ≥ 0: float32 times a column scale at small[c]). */
    public static final int HALVES = -2, FLOATS = -1;

    private static final int K_STEP = 32;

    private MmaGemm() {
    }

    /** Ints of a {@code halves} array for up to {@code rows} rows of k: whole 64-row blocks of fp16 pairs, as {@link #gemm} reads them. */
    public static int halvesSize(int rows, int k) {
        return Math.multiplyExact(Grids.roundUp(rows, TILE_M), k / 2);
    }

    /** The {@code format} argument for weights the device keeps in {@code f}. */
    public static int format(WeightFormat f) {
        return switch (f) {
            case F32 -> F32;
            case F16 -> F16;
            case BF16 -> BF16;
        };
    }

    /**
     * out (rows × n) = A (rows × k) · W(n × k)ᵀ, W from w32 or w16 at wOff as {@code format} says (the
     * other array a stand-in); rows = control[0]. How A arrives, {@code activations}: {@link #HALVES},
     * as fp16 pairs in {@code halves} (row m's pair j at m·k/2 + j, as a norm kernel leaves them: staged
     * as they are); {@link #FLOATS}, float32 in {@code a}, made fp16 as staged; c ≥ 0, a times diag(small[c ..])
     * (a norm's weight, multiplied in as a is staged). 16-bit weights are read a long (four patterns)
     * at a time: wOff, k and kLen multiples of 4; halves need k and kLen even and hold whole 64-row blocks
     * ({@link #halvesSize}: rows past control[0] are read, then zeroed).
     * Split k (the batched decode's skinny products, rows ≤ 64): work-group z of the grid sums k
     * from z·kLen to (z + 1)·kLen and stores its partial product at rows z·span + m of out, span =
     * rows rounded up to whole 64-row blocks (the consumers sum the splits, as
     * {@link org.mamba2j.tornado.model.GemmKernels#splitGemm}'s); kLen = k: one product, out itself.
     * Grid (LOCAL·⌈n/64⌉, ⌈rows/64⌉, ⌈k/kLen⌉), local (LOCAL, 1, 1).
     */
    public static void gemm(KernelContext kc, IntArray control, FloatArray a, IntArray halves, FloatArray small, int activations, FloatArray w32,
                            LongArray w16, int format, int wOff, FloatArray out, int n, int k, int kLen) {
        int rows = control.get(0);
        int m0 = kc.groupIdy * TILE_M;
        int n0 = kc.groupIdx * TILE_N;
        int kBegin = kc.groupIdz * kLen;
        int kEnd = Math.min(k, kBegin + kLen);
        int tid = kc.localIdx;
        int wm = MmaTiles.warpM(tid);
        int wn = MmaTiles.warpN(tid);
        int aLane = MmaTiles.aLane(tid), bLane = MmaTiles.bLane(tid);
        int[] as = kc.allocateIntLocalArray(MmaTiles.aInts(TILE_M / 16, K_STEP / 16)); // 4 × 2 A tiles
        int[] bs = kc.allocateIntLocalArray(MmaTiles.bInts(K_STEP / 16, TILE_N / 8)); // 2 × 8 B tiles
<@tile.fragments/>
<#-- the rows a work item stages: of A ar + offset (the i-th: its pair ai), of W br + offset (the i-th: its pairs b(2i), b(2i + 1)) -->
<#assign aRows = [0, 8, 16, 24, 32, 40, 48, 56], bRows = [0, 1, 32, 33]>
<#function plus o><#return (o == 0)?then("", " + " + o)></#function>
        // what this work item stages each k step, as fp16 pairs (two consecutive k of a row): the pair at column 2·aq of the
        // step of the a rows ar + 8i (a warp reads two rows' 64-byte runs an instruction, and its stores of a row's pairs
        // in both k tiles meet 32 banks, the tiles being MmaTiles.A_TILE_INTS apart), and the pairs at columns kq and
        // kq + 2 of the W rows br, br + 1, br + 32, br + 33 (a warp reads 64-byte runs of four rows)
        // (the helpers are called from here one by one: TornadoVM inlines a helper of at most 600 nodes, its own callees included)
        int aq = tid % 16;
        int ar = m0 + tid / 16;
        int kq = tid % 8 * 4;
        int br = n0 + tid / 8 * 2;
        int r = ar - m0, c = br - n0;
        // Bounds, once: A rows past `rows` are zeroed (hoisted conditions), as fp16 pairs read where they are (see aHalf), as
        // floats at the last row (pairAlong); W rows past n read the last row unguarded (their columns are never stored);
        // past kEnd A is zeroed and both read at the last pair or quad of the range, so a W value there meets a zero and
        // every index stays in bounds without a clamp a load
        boolean <#list aRows as o>ok${o?index} = ar${plus(o)} < rows<#sep>, </#list>;
        // A's fp16 pairs: row ar's first of the step at aHalf + ia; rows past `rows` are read (halves holds whole 64-row blocks)
        // and zeroed, so that the eight rows are one address and constant offsets (k is compiled in)
        int aHalf = (ar * k) >> 1;
<#list bRows as o>
        int bRow${o?index} = wOff + Math.min(br${plus(o)}, n - 1) * k;
</#list>
        // software pipelined: round s stores step s − 1 (loaded in round s − 1; zeros in round 0), then issues the loads of
        // step s and runs step s − 1's MMAs while they are in flight; round `steps` loads nothing (past kEnd: zeros)
        int a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
        // b0, b1: the pairs at col and col + 2 of W row br; b2, b3 of br + 1; b4, b5 of br + 32; b6, b7 of br + 33 (float32 weights);
        // q0 .. q3: four 16-bit patterns of the rows br, br + 1, br + 32, br + 33 (F16, BF16)
        int b0 = 0, b1 = 0, b2 = 0, b3 = 0, b4 = 0, b5 = 0, b6 = 0, b7 = 0;
        long q0 = 0L, q1 = 0L, q2 = 0L, q3 = 0L;
        int steps = (kEnd - kBegin + K_STEP - 1) / K_STEP;
        for (int s = 0; s <= steps; s++) {
            if (format != F32) {
<#list 0..3 as i>
                b${2 * i} = (int) q${i};
                b${2 * i + 1} = (int) (q${i} >> 32);
</#list>
            }
            if (format == BF16) {
<#list 0..7 as i>
                b${i} = MmaTiles.halvesOfBf16(b${i});
</#list>
            }
            // local arrays are written here, not in a helper: TornadoVM addresses a local array passed to a method as a global one.
            // Each store instruction meets 32 banks: A's, a row's pair of both k tiles (tiles MmaTiles.A_TILE_INTS apart), B's,
            // k-rows kq + i of both k tiles (MmaTiles.bSlot's row order and tile offsets), with no rotation and no selects
<#list aRows as o>
            as[MmaTiles.aSlot(r${plus(o)}, 2 * aq, 2)] = a${o?index};
</#list>
            // B tiles (Wᵀ) hold pairs across n: the same element of two adjacent W rows
            bs[MmaTiles.bSlot(kq, c, 8)] = MmaTiles.lows(b0, b2);
            bs[MmaTiles.bSlot(kq + 1, c, 8)] = MmaTiles.highs(b0, b2);
            bs[MmaTiles.bSlot(kq + 2, c, 8)] = MmaTiles.lows(b1, b3);
            bs[MmaTiles.bSlot(kq + 3, c, 8)] = MmaTiles.highs(b1, b3);
            bs[MmaTiles.bSlot(kq, c + 32, 8)] = MmaTiles.lows(b4, b6);
            bs[MmaTiles.bSlot(kq + 1, c + 32, 8)] = MmaTiles.highs(b4, b6);
            bs[MmaTiles.bSlot(kq + 2, c + 32, 8)] = MmaTiles.lows(b5, b7);
            bs[MmaTiles.bSlot(kq + 3, c + 32, 8)] = MmaTiles.highs(b5, b7);
            kc.localBarrier();
            // the loads of step s, every one before the MMAs (and no local store between two of them: the compiler cannot
            // tell the two memories apart, and a store between two loads keeps the second waiting for the first)
            int col = kBegin + s * K_STEP + kq;
            int acol = kBegin + s * K_STEP + 2 * aq;   // A's pair
            if (activations == HALVES) {
                // pairs: the last one of the range at most (k and kLen even); zero past kEnd or past the rows
                boolean inK = acol < kEnd;
                int ia = Math.min(acol, kEnd - 2) >> 1;
                // every pair loaded (whole 64-row blocks are there), then zeroed past the rows or past kEnd
<#list aRows as o>
                a${o?index} = halves.get(aHalf<#if o != 0> + ${o / 2} * k</#if> + ia);
</#list>
<#list aRows as o>
                a${o?index} = ok${o?index} & inK ? a${o?index} : 0;
</#list>
            } else {
<#list aRows as o>
                a${o?index} = MmaTiles.pairAlong(a, k, ar${plus(o)}, acol, rows, kEnd, small, activations);
</#list>
            }
            if (format == F32) {
                // float pairs at col and col + 2; one past the range is read at kEnd − 1 instead (A is zero there, and
                // pairAt keeps a pair's second float, which may be the next row's, inside the array)
                int wl = Math.min(col, kEnd - 1), wh = Math.min(col + 2, kEnd - 1);
<#list 0..3 as i>
                b${2 * i} = MmaTiles.pairAt(w32, bRow${i} + wl);
                b${2 * i + 1} = MmaTiles.pairAt(w32, bRow${i} + wh);
</#list>
            } else {
                // 16-bit weights four at a time: one long a row (each device row starts on one), the last quad of the range at most
                int wq = Math.min(col, kEnd - 4);
<#list 0..3 as i>
                q${i} = w16.get((bRow${i} + wq) >> 2);
</#list>
            }
            // step s − 1's MMAs (round 0: on zeros)
<@tile.mmaSteps sfx="f"/>
            kc.localBarrier();
        }
        if (m0 < rows) {
            int row = kc.groupIdz * ((rows + TILE_M - 1) / TILE_M * TILE_M) + m0 + 32 * wm;
            int col = n0 + 32 * wn;
            if (col < n) {
                kc.mmaStore(c00, out, row, col, n);
                kc.mmaStore(c10, out, row + 16, col, n);
            }
            if (col + 8 < n) {
                kc.mmaStore(c01, out, row, col + 8, n);
                kc.mmaStore(c11, out, row + 16, col + 8, n);
            }
            if (col + 16 < n) {
                kc.mmaStore(c02, out, row, col + 16, n);
                kc.mmaStore(c12, out, row + 16, col + 16, n);
            }
            if (col + 24 < n) {
                kc.mmaStore(c03, out, row, col + 24, n);
                kc.mmaStore(c13, out, row + 16, col + 24, n);
            }
        }
    }
}
