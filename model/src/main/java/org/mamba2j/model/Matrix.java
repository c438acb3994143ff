package org.mamba2j.model;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.mamba2j.io.SafeTensors;
import org.mamba2j.io.SafeTensors.DType;
import org.mamba2j.ssd.Team;
import org.mamba2j.ssd.TileKernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.stream.IntStream;

import static org.mamba2j.ssd.TileKernels.ROWS;
import static org.mamba2j.ssd.TileKernels.VL;

/**
 * A row-major weight matrix (rows = output features) left where the checkpoint mapped it, in any
 * {@link WeightType}. The matrix-vector product reads each row in its stored format through
 * {@link MatrixRows}, the conversion to float32 fused into the vector loop; the matrix-matrix product
 * widens a panel of rows at a time into per-thread scratch. Either way a model never needs its
 * float32 size in memory. The two products are the model's whole dense compute, kept small so a GPU
 * backend can mirror them.
 */
final class Matrix {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE);
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);
    /** Below this many multiply-adds a product runs on the calling thread: forking costs more. */
    private static final long PARALLEL_WORK = 1L << 16;
    /** Weight rows per packed panel in matmul: one wide register tile, so a full panel has no tail. */
    private static final int PANEL = TileKernels.WIDE;
    /** Tokens per block in matmul: the block's rows of X and its (tokens × PANEL) tile stay in L2. */
    private static final int TOKEN_BLOCK = 256;
    private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);

    final String name;
    final int rows, cols;
    final WeightType type;
    /** The elements as the checkpoint stores them (for Q8_0: the quants). */
    private final MemorySegment data;
    private final MatrixRows<?> weights;

    /** A matrix stored as F32, F16 or BF16. */
    Matrix(SafeTensors.Tensor t, int rows, int cols) {
        this(t.name(), floatType(t), t.data(), null, rows, cols);
    }

    /** A Q8_0 matrix: int8 quants and their F16 block scales (see {@link WeightType}). */
    Matrix(SafeTensors.Tensor quants, SafeTensors.Tensor scales, int rows, int cols) {
        this(quants.name(), WeightType.Q8_0, quants.data(), scales.data(), rows, cols);
    }

    private Matrix(String name, WeightType type, MemorySegment data, MemorySegment scales, int rows, int cols) {
        this.name = name;
        this.rows = rows;
        this.cols = cols;
        this.type = type;
        this.data = data;
        this.weights = MatrixRows.of(type, data, scales, rows, cols);
    }

    private static WeightType floatType(SafeTensors.Tensor t) {
        return switch (t.dtype()) {
            case F32 -> WeightType.F32;
            case F16 -> WeightType.F16;
            case BF16 -> WeightType.BF16;
            default -> throw new IllegalArgumentException(t.name() + " has dtype " + t.dtype() + "; weights must be F32, F16 or BF16");
        };
    }

    /** Copies row r as float32 into dst[off, off + cols) (the embedding lookup). */
    void row(int r, float[] dst, int off) {
        weights.row(r, dst, off);
    }

    /** The elements as the checkpoint stores them (little-endian, row-major), for a device that keeps them in this dtype. */
    MemorySegment stored() {
        return data;
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
        matvecRange(weights, x, y, from, to);
    }

    /** x is prepared once for the format's kernel, then the rows are split over the cores. */
    private <X> void matvecRange(MatrixRows<X> w, float[] x, float[] y, int from, int to) {
        X p = w.prepare(x);
        if ((long) (to - from) * cols < PARALLEL_WORK) {
            w.dots(p, y, from, to);
            return;
        }
        int blocks = Math.min(to - from, 8 * Team.SHARED.size());
        Team.SHARED.forEach(blocks, b -> w.dots(p, y,
                from + (int) ((long) (to - from) * b / blocks), from + (int) ((long) (to - from) * (b + 1) / blocks)));
    }

    /**
     * Y[t][r] = W[r] · X[t] for T tokens; X is (T, cols), Y is (T, rows), both row-major.
     *
     * <p>A GEMM in the BLIS shape: a panel of {@link #PANEL} weight rows is widened and packed
     * k-major once, then {@link TileKernels#gemm} streams blocks of tokens past it, 4 tokens × 4
     * vectors of rows per register tile. Packing costs one pass over W, paid back over the tokens;
     * it also turns F16/BF16/Q8_0 widening from per token to per panel. Tasks are (panel, token range):
     * a matrix with few panels for the cores splits its tokens too, each split repacking its panel.
     */
    void matmul(float[] X, int T, float[] Y) {
        if (T == 1) {
            matvec(X, Y);
            return;
        }
        int panels = (rows + PANEL - 1) / PANEL;
        // About 4 tasks per core so that work stealing evens them out, but never under a token
        // block per split: below that, repacking the panel stops being paid back.
        int cores = Runtime.getRuntime().availableProcessors();
        int splits = Math.clamp((4L * cores + panels - 1) / panels, 1, Math.max(1, T / TOKEN_BLOCK));
        IntStream tasks = IntStream.range(0, panels * splits);
        if ((long) rows * cols * T >= PARALLEL_WORK) tasks = tasks.parallel();
        tasks.forEach(task -> {
            // Split bounds on whole register tiles, so that only the last split has a token tail.
            int s = task % splits;
            int t0 = (int) ((long) T * s / splits) / ROWS * ROWS;
            int t1 = s == splits - 1 ? T : (int) ((long) T * (s + 1) / splits) / ROWS * ROWS;
            matmulPanel(X, Y, task / splits, t0, t1);
        });
    }

    /** Tokens [t0, t1) against the weight rows of one panel. */
    private void matmulPanel(float[] X, float[] Y, int panel, int t0, int t1) {
        Workspace ws = WORKSPACE.get();
        int r0 = panel * PANEL, nr = Math.min(PANEL, rows - r0), n = TileKernels.roundUp(nr, VL);
        float[] wp = ws.panel(cols * n), c = ws.tile(TOKEN_BLOCK * n);
        pack(r0, nr, n, wp, ws.row(cols));
        for (int tb = t0; tb < t1; tb += TOKEN_BLOCK) {
            int m = Math.min(TOKEN_BLOCK, t1 - tb), whole = m / ROWS * ROWS;
            TileKernels.gemm(whole, n, 0, cols, X, tb * cols, cols, 1, wp, 0, n, c, 0, n, false);
            if (whole < m) {
                // The last 1..3 tokens: the kernel reads 4 rows of X, so they go through a padded copy.
                float[] xt = ws.tail(ROWS * cols);
                System.arraycopy(X, (tb + whole) * cols, xt, 0, (m - whole) * cols);
                Arrays.fill(xt, (m - whole) * cols, ROWS * cols, 0f);
                TileKernels.gemm(ROWS, n, 0, cols, xt, 0, cols, 1, wp, 0, n, c, whole * n, n, false);
            }
            for (int i = 0; i < m; i++) System.arraycopy(c, i * n, Y, (tb + i) * rows + r0, nr);
        }
    }

    /**
     * wp[k·n + j] = W[r0 + j][k] for j &lt; nr, and 0 for nr ≤ j &lt; n: the panel transposed, so that
     * each k step of the micro-kernel loads its weights as whole vectors.
     */
    private void pack(int r0, int nr, int n, float[] wp, float[] rowBuf) {
        for (int j = 0; j < nr; j++) {
            row(r0 + j, rowBuf, 0);
            for (int k = 0, o = j; k < cols; k++, o += n) wp[o] = rowBuf[k];
        }
        if (nr < n) for (int k = 0; k < cols; k++) Arrays.fill(wp, k * n + nr, k * n + n, 0f);
    }

    /**
     * One thread's buffers for {@link #matmul}, shared by every matrix and grown to the largest
     * asked for, so that a model's 2·n_layer projections don't each hold a packed panel per thread.
     */
    private static final class Workspace {
        private float[] panel = new float[0], tile = new float[0], tail = new float[0], row = new float[0];

        float[] panel(int n) { return panel.length >= n ? panel : (panel = new float[n]); }
        float[] tile(int n) { return tile.length >= n ? tile : (tile = new float[n]); }
        float[] tail(int n) { return tail.length >= n ? tail : (tail = new float[n]); }
        float[] row(int n) { return row.length >= n ? row : (row = new float[n]); }
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
