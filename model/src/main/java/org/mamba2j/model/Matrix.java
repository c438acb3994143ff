package org.mamba2j.model;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.mamba2j.io.SafeTensors;
import org.mamba2j.io.SafeTensors.DType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.stream.IntStream;

/**
 * A row-major weight matrix (rows = output features) left where the checkpoint mapped it. F32 rows
 * are read straight from the mapping with the Vector API; F16/BF16 rows are widened into a
 * per-thread scratch row as they are used, so a model never needs its float32 size in heap.
 * The two products are the model's whole dense compute, kept small so a GPU backend can mirror them.
 */
final class Matrix {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE);
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);
    /** Below this many multiply-adds a product runs on the calling thread: forking costs more. */
    private static final long PARALLEL_WORK = 1L << 16;
    /** Tokens per tile in matmul: a tile of activations stays in L2 while weight rows stream past. */
    private static final int TOKEN_TILE = 32;

    final String name;
    final int rows, cols;
    final DType dtype;
    private final MemorySegment data;
    private final ThreadLocal<float[]> scratch;

    Matrix(SafeTensors.Tensor t, int rows, int cols) {
        this.name = t.name();
        this.rows = rows;
        this.cols = cols;
        this.dtype = t.dtype();
        this.data = t.data();
        this.scratch = ThreadLocal.withInitial(() -> new float[cols]);
        if (dtype != DType.F32 && dtype != DType.F16 && dtype != DType.BF16) {
            throw new IllegalArgumentException(name + " has dtype " + dtype + "; weights must be F32, F16 or BF16");
        }
    }

    /** Copies row r as float32 into dst[off, off + cols) (the embedding lookup). */
    void row(int r, float[] dst, int off) {
        long base = (long) r * cols;
        switch (dtype) {
            case F32 -> MemorySegment.copy(data, LE_FLOAT, base * 4, dst, off, cols);
            case F16 -> { for (int k = 0; k < cols; k++) dst[off + k] = Float.float16ToFloat(data.getAtIndex(LE_SHORT, base + k)); }
            default -> { for (int k = 0; k < cols; k++) dst[off + k] = Float.intBitsToFloat(data.getAtIndex(LE_SHORT, base + k) << 16); }
        }
    }

    /** The whole matrix as float32 (for a device that keeps its own copy). */
    float[] toFloats() {
        long n = (long) rows * cols;
        if (n > Integer.MAX_VALUE - 8) throw new IllegalArgumentException(name + " is too large for one float32 array (" + n + " elements)");
        float[] out = new float[(int) n];
        IntStream.range(0, rows).parallel().forEach(r -> row(r, out, r * cols));
        return out;
    }

    /** y[r] = W[r] · x for every row r. */
    void matvec(float[] x, float[] y) {
        matvecRange(x, y, 0, rows);
    }

    /** y[r] = W[r] · x for rows [from, to) — the lm_head of a last token uses the full range. */
    void matvecRange(float[] x, float[] y, int from, int to) {
        if ((long) (to - from) * cols < PARALLEL_WORK) {
            matvecRows(x, y, from, to);
            return;
        }
        int blocks = Math.min(to - from, 8 * Runtime.getRuntime().availableProcessors());
        IntStream.range(0, blocks).parallel().forEach(b -> matvecRows(x, y,
                from + (int) ((long) (to - from) * b / blocks), from + (int) ((long) (to - from) * (b + 1) / blocks)));
    }

    private void matvecRows(float[] x, float[] y, int from, int to) {
        if (dtype == DType.F32) {
            for (int r = from; r < to; r++) y[r] = dotMapped(r, x, 0);
        } else {
            float[] w = scratch.get();
            for (int r = from; r < to; r++) {
                widen(r, w);
                y[r] = dotArray(w, x, 0);
            }
        }
    }

    /** Y[t][r] = W[r] · X[t] for T tokens; X is (T, cols), Y is (T, rows), both row-major. */
    void matmul(float[] X, int T, float[] Y) {
        if (T == 1) {
            matvec(X, Y);
            return;
        }
        if ((long) rows * cols * T < PARALLEL_WORK) {
            matmulRows(X, T, Y, 0, rows);
            return;
        }
        int blocks = Math.min(rows, 4 * Runtime.getRuntime().availableProcessors());
        IntStream.range(0, blocks).parallel().forEach(b -> matmulRows(X, T, Y,
                (int) ((long) rows * b / blocks), (int) ((long) rows * (b + 1) / blocks)));
    }

    private void matmulRows(float[] X, int T, float[] Y, int from, int to) {
        float[] w = dtype == DType.F32 ? null : scratch.get();
        for (int t0 = 0; t0 < T; t0 += TOKEN_TILE) {
            int t1 = Math.min(T, t0 + TOKEN_TILE);
            for (int r = from; r < to; r++) {
                if (w != null) widen(r, w);
                int t = t0;
                for (; t + 4 <= t1; t += 4) dot4(r, w, X, t, Y);
                for (; t < t1; t++) Y[t * rows + r] = w == null ? dotMapped(r, X, t * cols) : dotArray(w, X, t * cols);
            }
        }
    }

    /** Four tokens against one weight row: each weight vector is loaded once for four FMAs. */
    private void dot4(int r, float[] w, float[] X, int t, float[] Y) {
        int L = F.length(), o0 = t * cols, o1 = o0 + cols, o2 = o1 + cols, o3 = o2 + cols;
        long base = (long) r * cols * 4;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int k = 0;
        for (; k <= cols - L; k += L) {
            FloatVector wv = w == null ? FloatVector.fromMemorySegment(F, data, base + 4L * k, LE) : FloatVector.fromArray(F, w, k);
            a0 = wv.fma(FloatVector.fromArray(F, X, o0 + k), a0);
            a1 = wv.fma(FloatVector.fromArray(F, X, o1 + k), a1);
            a2 = wv.fma(FloatVector.fromArray(F, X, o2 + k), a2);
            a3 = wv.fma(FloatVector.fromArray(F, X, o3 + k), a3);
        }
        float s0 = a0.reduceLanes(VectorOperators.ADD), s1 = a1.reduceLanes(VectorOperators.ADD);
        float s2 = a2.reduceLanes(VectorOperators.ADD), s3 = a3.reduceLanes(VectorOperators.ADD);
        for (; k < cols; k++) {
            float wk = w == null ? data.get(LE_FLOAT, base + 4L * k) : w[k];
            s0 += wk * X[o0 + k];
            s1 += wk * X[o1 + k];
            s2 += wk * X[o2 + k];
            s3 += wk * X[o3 + k];
        }
        Y[t * rows + r] = s0;
        Y[(t + 1) * rows + r] = s1;
        Y[(t + 2) * rows + r] = s2;
        Y[(t + 3) * rows + r] = s3;
    }

    private float dotMapped(int r, float[] x, int xOff) {
        int L = F.length();
        long base = (long) r * cols * 4;
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        int k = 0;
        for (; k <= cols - 2 * L; k += 2 * L) {
            a0 = FloatVector.fromMemorySegment(F, data, base + 4L * k, LE).fma(FloatVector.fromArray(F, x, xOff + k), a0);
            a1 = FloatVector.fromMemorySegment(F, data, base + 4L * (k + L), LE).fma(FloatVector.fromArray(F, x, xOff + k + L), a1);
        }
        for (; k <= cols - L; k += L) {
            a0 = FloatVector.fromMemorySegment(F, data, base + 4L * k, LE).fma(FloatVector.fromArray(F, x, xOff + k), a0);
        }
        float s = a0.add(a1).reduceLanes(VectorOperators.ADD);
        for (; k < cols; k++) s += data.get(LE_FLOAT, base + 4L * k) * x[xOff + k];
        return s;
    }

    private float dotArray(float[] w, float[] x, int xOff) {
        int L = F.length();
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        int k = 0;
        for (; k <= cols - 2 * L; k += 2 * L) {
            a0 = FloatVector.fromArray(F, w, k).fma(FloatVector.fromArray(F, x, xOff + k), a0);
            a1 = FloatVector.fromArray(F, w, k + L).fma(FloatVector.fromArray(F, x, xOff + k + L), a1);
        }
        for (; k <= cols - L; k += L) a0 = FloatVector.fromArray(F, w, k).fma(FloatVector.fromArray(F, x, xOff + k), a0);
        float s = a0.add(a1).reduceLanes(VectorOperators.ADD);
        for (; k < cols; k++) s += w[k] * x[xOff + k];
        return s;
    }

    private void widen(int r, float[] w) {
        row(r, w, 0);
    }

    /** The first non-finite element's index, or -1: a checkpoint with NaN or Inf weights is refused. */
    static long firstNonFinite(SafeTensors.Tensor t) {
        MemorySegment d = t.data();
        long n = t.numel();
        switch (t.dtype()) {
            case F32 -> {
                int L = F.length();
                long i = 0;
                for (; i + L <= n; i += L) {
                    FloatVector v = FloatVector.fromMemorySegment(F, d, 4 * i, LE);
                    // x - x is 0 for finite x and NaN for NaN and +-Inf.
                    if (v.sub(v).compare(VectorOperators.NE, 0f).anyTrue()) break;
                }
                for (; i < n; i++) if (!Float.isFinite(d.getAtIndex(LE_FLOAT, i))) return i;
                return -1;
            }
            case F16, BF16 -> {
                short mask = (short) (t.dtype() == DType.F16 ? 0x7c00 : 0x7f80);
                var S = ShortVector.SPECIES_PREFERRED;
                long i = 0;
                for (; i + S.length() <= n; i += S.length()) {
                    ShortVector v = ShortVector.fromMemorySegment(S, d, 2 * i, LE);
                    if (v.and(mask).compare(VectorOperators.EQ, mask).anyTrue()) break;
                }
                for (; i < n; i++) if ((d.getAtIndex(LE_SHORT, i) & mask) == mask) return i;
                return -1;
            }
            default -> {
                for (long i = 0; i < n; i++) if (!Float.isFinite(t.getFloat(i))) return i;
                return -1;
            }
        }
    }
}
