package org.mamba2j.model;

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

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Matrix.matmul (packed panels through the register-tiled GEMM) and matvec against a float64 triple
 * loop over the weights as stored, for every weight dtype, on shapes that leave every tail: rows off
 * the panel width, cols off the vector length and over one k panel, token counts off the register
 * tile and the token block, and enough tokens for a narrow matrix to split them across tasks.
 */
class MatrixTest {

    private static final int P = TileKernels.WIDE;
    private static final int[][] SHAPES = {   // rows, cols
            {1, 1}, {3, 7}, {P - 1, 17}, {P, TileKernels.VL}, {P + 5, 130}, {2 * P + 3, 300}, {5 * P, 64},
    };
    private static final int[] TOKENS = {1, 2, 3, 4, 5, 7, 13, 256, 261, 517};
    private static final double TOL = 1e-6;

    @TempDir
    Path tmp;

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F16", "BF16"})
    void matmulMatchesFloat64Reference(DType dtype) throws IOException {
        SafeTensorsWriter w = new SafeTensorsWriter(dtype);
        for (int[] s : SHAPES) {
            Random r = new Random(31L * s[0] + s[1]);
            w.add(name(s), new long[] {s[0], s[1]}, (start, buf, n) -> {
                for (int i = 0; i < n; i++) buf[i] = (float) r.nextGaussian();
            });
        }
        Path file = tmp.resolve(dtype + ".safetensors");
        w.write(file, Map.of());
        try (SafeTensors st = SafeTensors.open(file)) {
            Random r = new Random(7);
            for (int[] s : SHAPES) {
                SafeTensors.Tensor t = st.get(name(s));
                Matrix m = new Matrix(t, s[0], s[1]);
                for (int T : TOKENS) {
                    float[] X = new float[T * s[1]];
                    for (int i = 0; i < X.length; i++) X[i] = (float) r.nextGaussian();
                    float[] Y = new float[T * s[0]];
                    Arrays.fill(Y, Float.NaN);   // an output the product never writes fails the check
                    m.matmul(X, T, Y);
                    String what = dtype + " " + s[0] + "x" + s[1] + " T=" + T;
                    assertClose(reference(t, s[0], s[1], X, T), Y, what);
                }
            }
        }
    }

    private static String name(int[] shape) {
        return "w" + shape[0] + "x" + shape[1];
    }

    /** Y[t][r] = Σ_k W[r][k]·X[t][k] in float64, W widened from its stored dtype by the tensor reader. */
    private static double[] reference(SafeTensors.Tensor w, int rows, int cols, float[] X, int T) {
        double[] W = w.toDoubles(), Y = new double[T * rows];
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
        double diff = 0, norm = 0;
        for (int i = 0; i < ref.length; i++) {
            double d = got[i] - ref[i];
            diff += d * d;
            norm += ref[i] * ref[i];
        }
        double rel = Math.sqrt(diff / norm);
        assertTrue(rel <= TOL, what + ": ‖out − ref‖/‖ref‖ = " + rel + " > " + TOL);   // NaN fails too
    }
}
