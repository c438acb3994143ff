package org.mamba2j.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.mamba2j.io.SafeTensors;
import org.mamba2j.io.SafeTensors.DType;
import org.mamba2j.io.SafeTensorsWriter;
import org.mamba2j.ssd.TileKernels;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Matrix.matmul (packed panels through the register-tiled GEMM) and matvec (the per-format fused
 * kernels) against a float64 triple loop over the weights as stored (F16/BF16 widened, Q8_0 quants
 * times scales), for every weight type, on shapes that leave every tail: rows off the panel width,
 * cols off the vector length, off the half kernels' 2L run, off the Q8_0 block (and whole blocks in odd and even numbers:
 * the Q8_0 kernel takes two per step) and over one k panel, token counts off the register
 * tile and the token block, and enough tokens for a narrow matrix to split them across tasks.
 */
class MatrixTest {

    private static final int P = TileKernels.WIDE;
    private static final int[][] SHAPES = {   // rows, cols
            {1, 1}, {3, 7}, {P - 1, 17}, {P, TileKernels.VL}, {P + 1, 33}, {P + 5, 130}, {2 * P + 3, 300}, {5 * P, 64}, {P + 2, 96},
    };
    private static final int[] TOKENS = {1, 2, 3, 4, 5, 7, 13, 256, 261, 517};
    /** The products accumulate in float32 over weights converted exactly: float32 rounding is all that is left. */
    private static final double TOL = 1e-6;

    @TempDir
    Path tmp;

    @ParameterizedTest
    @EnumSource(WeightType.class)
    void matmulAndMatvecMatchFloat64Reference(WeightType type) throws IOException {
        Path dir = tmp.resolve(type.label);
        ModelInit.writeTensors(dir, type, Long.MAX_VALUE, sink -> {
            for (int[] s : SHAPES) {
                Random r = new Random(31L * s[0] + s[1]);
                sink.add(name(s), new long[] {s[0], s[1]}, (start, buf, n) -> {
                    for (int i = 0; i < n; i++) buf[i] = (float) r.nextGaussian();
                });
            }
        });
        try (SafeTensors st = SafeTensors.open(dir.resolve("model.safetensors"))) {
            Random r = new Random(7);
            for (int[] s : SHAPES) {
                SafeTensors.Tensor t = st.get(name(s));
                assertEquals(type.dtype, t.dtype());
                Matrix m = type == WeightType.Q8_0 ? new Matrix(t, st.get(name(s) + WeightType.SCALES), s[0], s[1]) : new Matrix(t, s[0], s[1]);
                double[] W = storedWeights(st, name(s), s[0], s[1]);
                for (int T : TOKENS) {
                    float[] X = new float[T * s[1]];
                    for (int i = 0; i < X.length; i++) X[i] = (float) r.nextGaussian();
                    float[] Y = new float[T * s[0]];
                    Arrays.fill(Y, Float.NaN);   // an output the product never writes fails the check
                    m.matmul(X, T, Y);
                    assertClose(reference(W, s[0], s[1], X, T), Y, type + " " + s[0] + "x" + s[1] + " T=" + T);
                }
                float[] row = new float[s[1] + 2];
                Arrays.fill(row, Float.NaN);
                m.row(s[0] - 1, row, 1);
                for (int k = 0; k < s[1]; k++) assertEquals(W[(s[0] - 1) * s[1] + k], row[1 + k], 0, type + " row element " + k);
                assertTrue(Float.isNaN(row[0]) && Float.isNaN(row[s[1] + 1]), type + " row wrote outside its range");
            }
        }
    }

    /**
     * The F16 kernel multiplies x by 2^112 in place of each weight: |x| at and past 2^15 scales it
     * by less (still a power of two), so huge and tiny inputs keep float32 accuracy too.
     */
    @Test
    void f16MatvecKeepsHugeAndTinyInputsExact() throws IOException {
        int rows = 9, cols = 2 * TileKernels.VL * 3 + 5;
        Path dir = tmp.resolve("f16x");
        Random r = new Random(5);
        ModelInit.writeTensors(dir, WeightType.F16, Long.MAX_VALUE, sink -> sink.add("w", new long[] {rows, cols}, (start, buf, n) -> {
            for (int i = 0; i < n; i++) buf[i] = (float) r.nextGaussian();
        }));
        try (SafeTensors st = SafeTensors.open(dir.resolve("model.safetensors"))) {
            Matrix m = new Matrix(st.get("w"), rows, cols);
            double[] W = storedWeights(st, "w", rows, cols);
            for (float magnitude : new float[] {1e-30f, 1, 0x1p15f, 1e20f, 1e30f}) {
                float[] x = new float[cols];
                for (int k = 0; k < cols; k++) x[k] = (float) r.nextGaussian() * magnitude;
                float[] y = new float[rows];
                m.matvec(x, y);
                assertClose(reference(W, rows, cols, x, 1), y, TOL, "f16 matvec, |x| ~ " + magnitude);
            }
        }
    }

    /** The weights as the file stores them, in float64: what every kernel must multiply by. */
    private static double[] storedWeights(SafeTensors st, String name, int rows, int cols) throws IOException {
        double[] w = st.get(name).toDoubles();
        if (st.get(name).dtype() != DType.I8) return w;
        double[] scales = st.get(name + WeightType.SCALES).toDoubles();
        int blocks = WeightType.q8Blocks(cols);
        for (int r = 0; r < rows; r++) {
            for (int k = 0; k < cols; k++) w[r * cols + k] *= scales[r * blocks + k / WeightType.Q8_BLOCK];
        }
        return w;
    }

    /** Every finite F16 and BF16 bit pattern widens to the float Java's own conversion gives (vector lanes and tails). */
    @Test
    void halfPrecisionRowsWidenEveryFiniteValueExactly() throws IOException {
        for (DType dtype : new DType[] {DType.F16, DType.BF16}) {
            short[] bits = new short[65536];
            int n = 0;
            short expMask = (short) (dtype == DType.F16 ? 0x7c00 : 0x7f80);
            for (int h = 0; h < 65536; h++) if ((h & expMask) != expMask) bits[n++] = (short) h;
            int cols = n - 3;   // not a multiple of any vector length: the last elements go through the scalar tail
            short[] values = bits;
            Path file = tmp.resolve(dtype + "-all.safetensors");
            new SafeTensorsWriter(dtype).add("w", new long[] {1, cols}, (start, buf, k) -> {
                for (int i = 0; i < k; i++) buf[i] = widen(dtype, values[(int) start + i]);
            }).write(file, Map.of());
            try (SafeTensors st = SafeTensors.open(file)) {
                Matrix m = new Matrix(st.get("w"), 1, cols);
                float[] got = new float[cols];
                m.row(0, got, 0);
                for (int i = 0; i < cols; i++) {
                    assertEquals(Float.floatToRawIntBits(widen(dtype, values[i])), Float.floatToRawIntBits(got[i]),
                            dtype + " bits 0x" + Integer.toHexString(values[i] & 0xffff));
                }
            }
        }
    }

    private static float widen(DType dtype, short h) {
        return dtype == DType.F16 ? Float.float16ToFloat(h) : Float.intBitsToFloat(h << 16);
    }

    /** Q8_0 rounding: every value within half a step of the original, the block's largest one exact up to the scale's rounding. */
    @Test
    void q8QuantizationErrorIsAtMostHalfAStep() {
        Random r = new Random(3);
        int cols = 100;   // three whole blocks and a short one
        float[] row = new float[cols];
        for (int i = 0; i < cols; i++) row[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(5) - 3));
        row[40] = 0;
        Arrays.fill(row, 64, 96, 0f);   // an all-zero block
        byte[] q = new byte[cols];
        short[] scales = new short[WeightType.q8Blocks(cols)];
        Q8Quantizer.quantizeRow(row, cols, q, 0, scales, 0);
        for (int k = 0; k < cols; k++) {
            float d = Float.float16ToFloat(scales[k / WeightType.Q8_BLOCK]);
            double err = Math.abs(q[k] * d - row[k]);
            assertTrue(err <= d * (0.5 + 1e-3) || (d == 0 && row[k] == 0), "element " + k + ": error " + err + " step " + d);
            assertTrue(q[k] >= -127, "quant -128 is never used");
        }
        assertEquals(0, Float.float16ToFloat(scales[2]), "all-zero block");
    }

    private static String name(int[] shape) {
        return "w" + shape[0] + "x" + shape[1];
    }

    /** Y[t][r] = Σ_k W[r][k]·X[t][k] in float64. */
    private static double[] reference(double[] W, int rows, int cols, float[] X, int T) {
        double[] Y = new double[T * rows];
        for (int r = 0; r < rows; r++) {
            for (int t = 0; t < T; t++) {
                double s = 0;
                for (int k = 0; k < cols; k++) s += W[r * cols + k] * X[t * cols + k];
                Y[t * rows + r] = s;
            }
        }
        return Y;
    }

    private static void assertClose(double[] ref, float[] got, String what) {
        assertClose(ref, got, TOL, what);
    }

    private static void assertClose(double[] ref, float[] got, double tol, String what) {
        double rel = relativeError(ref, got);
        assertTrue(rel <= tol, what + ": ‖out − ref‖/‖ref‖ = " + rel + " > " + tol);   // NaN fails too
    }

    private static double relativeError(double[] ref, float[] got) {
        double diff = 0, norm = 0;
        for (int i = 0; i < ref.length; i++) {
            double d = got[i] - ref[i];
            diff += d * d;
            norm += ref[i] * ref[i];
        }
        return Math.sqrt(diff / norm);
    }
}
