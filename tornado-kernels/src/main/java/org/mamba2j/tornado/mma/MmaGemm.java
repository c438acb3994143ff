package org.mamba2j.tornado.mma;

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
 * {@link MmaTiles} describes (zeros past k), then each warp runs two k16 rounds of eight MMAs.
 * The stores write whole 16 × 8 tiles: n must be a multiple of 8 (columns past n are skipped by
 * whole tiles) and the rows up to the 64-row block's end must be inside {@code out} (rows past
 * control[0] get what zero activations give).
 */
public final class MmaGemm {

    /**
     * Output tile of a work group, rows × columns. A 64 × 128 tile with sixteen accumulators a warp,
     * double buffered, ran slower on the H200 (9.5–19.6 against 15.4–23.1 TFLOP/s, docs/tensor-cores.md).
     */
    public static final int TILE_M = 64, TILE_N = 64;
    /** Work items of a work group: four warps. */
    public static final int LOCAL = 4 * MmaTiles.WARP;
    /** Weight formats, the {@code format} argument: float32 in w32; F16 or BF16 patterns in w16. */
    public static final int F32 = 0, F16 = 1, BF16 = 2;

    private static final int K_STEP = 32;

    private MmaGemm() {
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
     * out (rows × n) = a (rows × k) · W(n × k)ᵀ, W from w32 or w16 at wOff as {@code format} says
     * (the other array is a placeholder); rows = control[0].
     * Grid (LOCAL·⌈n/64⌉, ⌈rows/64⌉), local (LOCAL, 1).
     */
    public static void gemm(KernelContext kc, IntArray control, FloatArray a, FloatArray w32, LongArray w16, int format, int wOff,
                            FloatArray out, int n, int k) {
        int rows = control.get(0);
        int m0 = kc.groupIdy * TILE_M;
        int n0 = kc.groupIdx * TILE_N;
        int tid = kc.localIdx;
        int wm = MmaTiles.warpM(tid);
        int wn = MmaTiles.warpN(tid);
        int[] as = kc.allocateIntLocalArray(TILE_M * K_STEP / 2); // 4 × 2 A tiles
        int[] bs = kc.allocateIntLocalArray(TILE_N * K_STEP / 2); // 2 × 8 B tiles
        float[] c00 = kc.mmaFragment(0f);
        float[] c01 = kc.mmaFragment(0f);
        float[] c02 = kc.mmaFragment(0f);
        float[] c03 = kc.mmaFragment(0f);
        float[] c10 = kc.mmaFragment(0f);
        float[] c11 = kc.mmaFragment(0f);
        float[] c12 = kc.mmaFragment(0f);
        float[] c13 = kc.mmaFragment(0f);
        for (int k0 = 0; k0 < k; k0 += K_STEP) {
            // local arrays are written here, not in a helper: TornadoVM addresses a local array passed to a method as a global one
            for (int i = tid; i < TILE_M * K_STEP / 2; i += LOCAL) {
                // pair i of the 64 × 32 block of a: row i / 16, columns 2·(i % 16) and +1 (16 work items read a row's 32 floats)
                as[MmaTiles.aSlot(i / 16, i % 16 * 2, 2)] = MmaTiles.pairAlong(a, 0, k, m0 + i / 16, k0 + i % 16 * 2, rows, k);
                bs[MmaTiles.bSlot(i % 32, i / 32 * 2, 8)] = pairOfW(w32, w16, format, wOff, i, n0, k0, n, k);
            }
            kc.localBarrier();
            for (int kt = 0; kt < K_STEP / 16; kt++) {
                HalfFloat[] a0 = kc.mmaLoadA(as, 16, MmaTiles.aByte(2 * wm, kt, 2));
                HalfFloat[] a1 = kc.mmaLoadA(as, 16, MmaTiles.aByte(2 * wm + 1, kt, 2));
                HalfFloat[] b0 = kc.mmaLoadB(bs, 16, MmaTiles.bByte(kt, 4 * wn, 8));
                HalfFloat[] b1 = kc.mmaLoadB(bs, 16, MmaTiles.bByte(kt, 4 * wn + 1, 8));
                HalfFloat[] b2 = kc.mmaLoadB(bs, 16, MmaTiles.bByte(kt, 4 * wn + 2, 8));
                HalfFloat[] b3 = kc.mmaLoadB(bs, 16, MmaTiles.bByte(kt, 4 * wn + 3, 8));
                c00 = kc.mma(a0, b0, c00, MMAShape.M16N8K16);
                c01 = kc.mma(a0, b1, c01, MMAShape.M16N8K16);
                c02 = kc.mma(a0, b2, c02, MMAShape.M16N8K16);
                c03 = kc.mma(a0, b3, c03, MMAShape.M16N8K16);
                c10 = kc.mma(a1, b0, c10, MMAShape.M16N8K16);
                c11 = kc.mma(a1, b1, c11, MMAShape.M16N8K16);
                c12 = kc.mma(a1, b2, c12, MMAShape.M16N8K16);
                c13 = kc.mma(a1, b3, c13, MMAShape.M16N8K16);
            }
            kc.localBarrier();
        }
        if (m0 < rows) {
            int r = m0 + 32 * wm;
            int c = n0 + 32 * wn;
            if (c < n) {
                kc.mmaStore(c00, out, r, c, n);
                kc.mmaStore(c10, out, r + 16, c, n);
            }
            if (c + 8 < n) {
                kc.mmaStore(c01, out, r, c + 8, n);
                kc.mmaStore(c11, out, r + 16, c + 8, n);
            }
            if (c + 16 < n) {
                kc.mmaStore(c02, out, r, c + 16, n);
                kc.mmaStore(c12, out, r + 16, c + 16, n);
            }
            if (c + 24 < n) {
                kc.mmaStore(c03, out, r, c + 24, n);
                kc.mmaStore(c13, out, r + 16, c + 24, n);
            }
        }
    }

    /**
     * Pair i of the 32 × 64 block of Wᵀ at (k0, n0): k-row i % 32, columns 2·(i / 32) and +1, that is
     * W rows n0 + 2·(i / 32) and the next one at column k0 + i % 32 (32 work items read 32 floats of a row).
     */
    private static int pairOfW(FloatArray w32, LongArray w16, int format, int wOff, int i, int n0, int k0, int n, int k) {
        int kk = i % 32;
        int col = i / 32 * 2;
        int j = n0 + col;
        int at = wOff + j * k + k0 + kk;
        boolean inK = k0 + kk < k;
        int lo = inK && j < n ? weight(w32, w16, format, at) : 0;
        int hi = inK && j + 1 < n ? weight(w32, w16, format, at + k) : 0;
        return MmaTiles.pack(lo, hi);
    }

    /** fp16 pattern of weight element i in the given format. */
    private static int weight(FloatArray w32, LongArray w16, int format, int i) {
        return format == F32 ? MmaTiles.half(w32, i) : MmaTiles.half(w16, i, format == BF16 ? 1 : 0);
    }
}
