package org.mamba2j.tornado.mma;

import org.mamba2j.tornado.Packed16;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mamba2j.tornado.KernelContextEmulator;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.LongArray;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tensor-core GEMM through the emulator's m16n8k16 stand-in ({@link KernelContextEmulator}):
 * its staging into ldmatrix tiles, its MMAs and its stores, against a float64 product of the same
 * fp16-rounded operands (and, looser, of the unrounded ones), for float32, F16 and BF16 weights,
 * with ragged k, n a multiple of 8 but not of 64, and rows that end inside a 64-row block. The
 * output starts as NaN: an element the kernel should write and does not fails.
 */
class MmaGemmTest {

    @Test
    void bf16ToHalfMatchesTheJvmConversion() {
        for (int bits = 0; bits < 0x10000; bits++) {
            float v = Float.intBitsToFloat(bits << 16);
            if (Float.isNaN(v) || Float.isInfinite(v)) continue;
            float got = Float.float16ToFloat((short) MmaTiles.halfOfBf16(bits));
            float want = Math.abs(v) > 65504f ? Math.copySign(65504f, v) : Float.float16ToFloat(Float.floatToFloat16(v));
            // below fp16's normal range ours rounds half up where the JVM rounds half to even: one subnormal step apart at most
            assertTrue(got == want || Math.abs(got - want) <= 0x1p-24f * 1.0001f, () -> String.format("bf16 %04x: %g, want %g", 0, got, want));
        }
    }

    @ParameterizedTest(name = "format {0}: rows {1} of {2}, n {3}, k {4}")
    @CsvSource({"0, 64, 64, 64, 32", "0, 50, 128, 136, 70", "1, 128, 128, 72, 48", "2, 100, 128, 264, 40", "2, 64, 64, 8, 16", "1, 64, 64, 128, 96"})
    void matchesTheFloat64ProductOfTheRoundedOperands(int format, int rows, int capacity, int n, int k) {
        Random r = new Random(31L * format + rows + n + k);
        float[] a = new float[capacity * k];
        float[] w = new float[n * k];
        for (int i = 0; i < rows * k; i++) a[i] = (float) r.nextGaussian();
        for (int i = 0; i < w.length; i++) w[i] = (float) (r.nextGaussian() * 0.05);
        // 16-bit rows on a long (read as halves of longs, as every device matrix) and off one (pattern by pattern)
        int wOff = format == MmaGemm.BF16 || n == 128 ? 4 : 3;
        FloatArray w32 = new FloatArray(format == MmaGemm.F32 ? w.length + wOff : 1);
        LongArray w16 = Packed16.allocate(format == MmaGemm.F32 ? 1 : w.length + wOff);
        float[] wRounded = new float[w.length];
        for (int i = 0; i < w.length; i++) {
            short h = Float.floatToFloat16(w[i]);
            switch (format) {
                case MmaGemm.F32 -> { w32.set(wOff + i, w[i]); wRounded[i] = Float.float16ToFloat(h); }
                case MmaGemm.F16 -> { Packed16.set(w16, wOff + i, h); wRounded[i] = Float.float16ToFloat(h); }
                default -> {
                    short b = (short) (Float.floatToIntBits(w[i]) >>> 16);
                    Packed16.set(w16, wOff + i, b);
                    wRounded[i] = Float.float16ToFloat((short) MmaTiles.halfOfBf16(b & 0xFFFF));
                }
            }
        }
        FloatArray fa = FloatArray.fromArray(a);
        FloatArray out = new FloatArray(capacity * n);
        out.init(Float.NaN);
        IntArray control = IntArray.fromElements(rows);
        int groupsX = (n + MmaGemm.TILE_N - 1) / MmaGemm.TILE_N, groupsY = (rows + MmaGemm.TILE_M - 1) / MmaGemm.TILE_M;
        KernelContextEmulator.run(groupsX * MmaGemm.LOCAL, groupsY, 1, MmaGemm.LOCAL, 1, 1,
                kc -> MmaGemm.gemm(kc, control, fa, w32, w16, format, wOff, out, n, k));
        double err = 0, norm = 0, errExact = 0;
        for (int m = 0; m < rows; m++) {
            for (int j = 0; j < n; j++) {
                double ref = 0, exact = 0;
                for (int kk = 0; kk < k; kk++) {
                    ref += (double) Float.float16ToFloat(Float.floatToFloat16(a[m * k + kk])) * wRounded[j * k + kk];
                    exact += (double) a[m * k + kk] * w[j * k + kk];
                }
                double d = out.get(m * n + j) - ref;
                err += d * d;
                errExact += (out.get(m * n + j) - exact) * (out.get(m * n + j) - exact);
                norm += ref * ref;
            }
        }
        double rel = Math.sqrt(err / norm), relExact = Math.sqrt(errExact / norm);
        assertTrue(rel < 1e-6, "relative error vs rounded operands " + rel);
        assertTrue(relExact < (format == MmaGemm.BF16 ? 1e-2 : 2e-3), "relative error vs float32 operands " + relExact);
        // the rest of the last 64-row block holds what zero activations give
        for (int m = rows; m < Math.min(capacity, (rows + 63) / 64 * 64); m++) {
            for (int j = 0; j < n; j++) assertEquals(0f, out.get(m * n + j), "row " + m + " past the rows");
        }
    }
}
