package org.mamba2j.ssd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Register-blocked float GEMM micro-kernels for the chunked SSD and the model's projections, on
 * padded tiles: row counts are multiples of {@link #ROWS}, column counts multiples of {@link #VL},
 * so the kernels have no tails. A is read through strides (a(i,k) = a[aOff + i·ars + k·aks]) so it
 * can be a row-major or a transposed view without a copy; B and C are row-major with leading
 * dimensions ldb, ldc.
 */
public final class TileKernels {

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Floats per vector. */
    public static final int VL = S.length();
    /** Rows per micro-kernel call. */
    public static final int ROWS = 4;
    /** Columns per wide micro-kernel call: 4 vectors. */
    public static final int WIDE = 4 * VL;
    /** Floats of b per k panel: 32 KiB, within L1. */
    static final int L1_PANEL_FLOATS = 8192;

    private TileKernels() {
    }

    /** Rows of a k panel of b, n floats wide, that fit in L1 (a multiple of ROWS). */
    static int kPanel(int n) {
        return Math.max(ROWS, L1_PANEL_FLOATS / n / ROWS * ROWS);
    }

    public static int roundUp(int v, int m) {
        return (v + m - 1) / m * m;
    }

    /**
     * c[i][j] = (accumulate ? c[i][j] : 0) + Σ_{k0 ≤ k < k1} a(i,k)·b[k][j] for i &lt; m, j &lt; n;
     * m must be a multiple of ROWS, n of VL.
     */
    public static void gemm(int m, int n, int k0, int k1,
                     float[] a, int aOff, int ars, int aks,
                     float[] b, int bOff, int ldb,
                     float[] c, int cOff, int ldc, boolean accumulate) {
        // k in panels whose rows of b stay in L1 while every row block of c passes over them
        int kc = kPanel(n);
        for (int kb = k0; kb < k1; kb += kc) {
            int ke = Math.min(k1, kb + kc);
            boolean acc = accumulate || kb > k0;
            for (int i = 0; i < m; i += ROWS) {
                int ai = aOff + i * ars, ci = cOff + i * ldc;
                int j = 0;
                for (; j + WIDE <= n; j += WIDE) {
                    rows4x4(kb, ke, a, ai, ars, aks, b, bOff + j, ldb, c, ci + j, ldc, acc);
                }
                for (; j < n; j += VL) {
                    rows4x1(kb, ke, a, ai, ars, aks, b, bOff + j, ldb, c, ci + j, ldc, acc);
                }
            }
        }
    }

    /**
     * 4 rows × 4 vectors: 16 accumulators, per k 4 broadcasts and 4 loads for 16 fma. Kept free of
     * helper calls so that C2 inlines every vector operation (a kernel over its inlining budget
     * falls back to boxed vectors and runs ~10× slower).
     */
    private static void rows4x4(int k0, int k1, float[] a, int ai, int ars, int aks,
                                float[] b, int bj, int ldb, float[] c, int ci, int ldc, boolean accumulate) {
        int c0 = ci, c1 = ci + ldc, c2 = ci + 2 * ldc, c3 = ci + 3 * ldc;
        FloatVector c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33;
        if (accumulate) {
            c00 = FloatVector.fromArray(S, c, c0); c01 = FloatVector.fromArray(S, c, c0 + VL);
            c02 = FloatVector.fromArray(S, c, c0 + 2 * VL); c03 = FloatVector.fromArray(S, c, c0 + 3 * VL);
            c10 = FloatVector.fromArray(S, c, c1); c11 = FloatVector.fromArray(S, c, c1 + VL);
            c12 = FloatVector.fromArray(S, c, c1 + 2 * VL); c13 = FloatVector.fromArray(S, c, c1 + 3 * VL);
            c20 = FloatVector.fromArray(S, c, c2); c21 = FloatVector.fromArray(S, c, c2 + VL);
            c22 = FloatVector.fromArray(S, c, c2 + 2 * VL); c23 = FloatVector.fromArray(S, c, c2 + 3 * VL);
            c30 = FloatVector.fromArray(S, c, c3); c31 = FloatVector.fromArray(S, c, c3 + VL);
            c32 = FloatVector.fromArray(S, c, c3 + 2 * VL); c33 = FloatVector.fromArray(S, c, c3 + 3 * VL);
        } else {
            c00 = FloatVector.zero(S); c01 = c00; c02 = c00; c03 = c00; c10 = c00; c11 = c00; c12 = c00; c13 = c00;
            c20 = c00; c21 = c00; c22 = c00; c23 = c00; c30 = c00; c31 = c00; c32 = c00; c33 = c00;
        }
        for (int k = k0; k < k1; k++) {
            int ak = ai + k * aks, bk = bj + k * ldb;
            FloatVector b0 = FloatVector.fromArray(S, b, bk);
            FloatVector b1 = FloatVector.fromArray(S, b, bk + VL);
            FloatVector b2 = FloatVector.fromArray(S, b, bk + 2 * VL);
            FloatVector b3 = FloatVector.fromArray(S, b, bk + 3 * VL);
            FloatVector x = FloatVector.broadcast(S, a[ak]);
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01); c02 = x.fma(b2, c02); c03 = x.fma(b3, c03);
            x = FloatVector.broadcast(S, a[ak + ars]);
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11); c12 = x.fma(b2, c12); c13 = x.fma(b3, c13);
            x = FloatVector.broadcast(S, a[ak + 2 * ars]);
            c20 = x.fma(b0, c20); c21 = x.fma(b1, c21); c22 = x.fma(b2, c22); c23 = x.fma(b3, c23);
            x = FloatVector.broadcast(S, a[ak + 3 * ars]);
            c30 = x.fma(b0, c30); c31 = x.fma(b1, c31); c32 = x.fma(b2, c32); c33 = x.fma(b3, c33);
        }
        c00.intoArray(c, c0); c01.intoArray(c, c0 + VL); c02.intoArray(c, c0 + 2 * VL); c03.intoArray(c, c0 + 3 * VL);
        c10.intoArray(c, c1); c11.intoArray(c, c1 + VL); c12.intoArray(c, c1 + 2 * VL); c13.intoArray(c, c1 + 3 * VL);
        c20.intoArray(c, c2); c21.intoArray(c, c2 + VL); c22.intoArray(c, c2 + 2 * VL); c23.intoArray(c, c2 + 3 * VL);
        c30.intoArray(c, c3); c31.intoArray(c, c3 + VL); c32.intoArray(c, c3 + 2 * VL); c33.intoArray(c, c3 + 3 * VL);
    }

    /** 4 rows × 1 vector, for the columns left after the wide blocks. */
    private static void rows4x1(int k0, int k1, float[] a, int ai, int ars, int aks,
                                float[] b, int bj, int ldb, float[] c, int ci, int ldc, boolean accumulate) {
        int c0 = ci, c1 = ci + ldc, c2 = ci + 2 * ldc, c3 = ci + 3 * ldc;
        FloatVector v0, v1, v2, v3;
        if (accumulate) {
            v0 = FloatVector.fromArray(S, c, c0); v1 = FloatVector.fromArray(S, c, c1);
            v2 = FloatVector.fromArray(S, c, c2); v3 = FloatVector.fromArray(S, c, c3);
        } else {
            v0 = FloatVector.zero(S); v1 = v0; v2 = v0; v3 = v0;
        }
        for (int k = k0; k < k1; k++) {
            int ak = ai + k * aks;
            FloatVector b0 = FloatVector.fromArray(S, b, bj + k * ldb);
            v0 = FloatVector.broadcast(S, a[ak]).fma(b0, v0);
            v1 = FloatVector.broadcast(S, a[ak + ars]).fma(b0, v1);
            v2 = FloatVector.broadcast(S, a[ak + 2 * ars]).fma(b0, v2);
            v3 = FloatVector.broadcast(S, a[ak + 3 * ars]).fma(b0, v3);
        }
        v0.intoArray(c, c0); v1.intoArray(c, c1); v2.intoArray(c, c2); v3.intoArray(c, c3);
    }
}
