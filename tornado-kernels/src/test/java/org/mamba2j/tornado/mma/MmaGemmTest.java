package org.mamba2j.tornado.mma;

import org.mamba2j.tornado.DeviceConfig;
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

    /** The column scale's stand-in where there is none (activations FLOATS or HALVES). */
    static final FloatArray NO_SCALE = new FloatArray(1);
    /** The fp16 activations' stand-in where they are floats. */
    static final IntArray NO_HALVES = new IntArray(1);

    /** The prefill launches the tensor-core GEMM by its config entry's tile and local size: those of the kernels. */
    @Test
    void configVariantsHaveTheKernelsLaunchShapes() {
        assertEquals(MmaGemm.TILE_N, DeviceConfig.MMA_TILE);
        assertEquals(MmaGemm.LOCAL, DeviceConfig.MMA_LOCAL);
    }

    @Test
    void bf16ToHalfMatchesTheJvmConversion() {
        for (int bits = 0; bits < 0x10000; bits++) {
            float v = Float.intBitsToFloat(bits << 16);
            if (Float.isNaN(v) || Float.isInfinite(v)) continue;
            float got = Float.float16ToFloat((short) MmaTiles.halfOfBf16(bits));
            if (Math.abs(v) > 65504f) continue; // not expected of weights
            float want = Float.float16ToFloat(Float.floatToFloat16(v));
            int b = bits;
            // below fp16's normal range ours rounds half up where the JVM rounds half to even: one subnormal step apart at most
            assertTrue(got == want || Math.abs(got - want) <= 0x1p-24f * 1.0001f, () -> String.format("bf16 %04x: %g, want %g", b, got, want));
            if (Math.abs(v) >= 0x1p-14f) assertEquals(want, got, 0f, () -> String.format("bf16 %04x: exact in fp16's normal range", b));
            int pair = (bits ^ 0x8000) << 16 | bits;
            int both = MmaTiles.halvesOfBf16(pair);
            assertEquals(MmaTiles.halfOfBf16(bits), both & 0xFFFF, () -> String.format("low half of %08x", pair));
            assertEquals(MmaTiles.halfOfBf16(bits ^ 0x8000), both >>> 16, () -> String.format("high half of %08x", pair));
        }
    }

    @ParameterizedTest(name = "format {0}: rows {1} of {2}, n {3}, k {4}, fp16 activations {5}")
    @CsvSource({"0, 64, 64, 64, 32, false", "0, 50, 128, 136, 70, false", "1, 128, 128, 72, 48, false",
            "2, 100, 128, 264, 40, false", "2, 64, 64, 8, 16, false", "1, 64, 64, 128, 96, false",
            "0, 50, 128, 136, 70, true", "2, 100, 128, 264, 40, true", "1, 70, 128, 72, 36, true",
            "1, 128, 128, 200, 48, false", "1, 64, 64, 256, 96, true", "2, 100, 128, 392, 40, true"})
    void matchesTheFloat64ProductOfTheRoundedOperands(int format, int rows, int capacity, int n, int k, boolean halves) {
        Random r = new Random(31L * format + rows + n + k);
        float[] a = new float[capacity * k];
        float[] w = new float[n * k];
        for (int i = 0; i < rows * k; i++) a[i] = (float) r.nextGaussian();
        for (int i = 0; i < w.length; i++) w[i] = (float) (r.nextGaussian() * 0.05);
        // float32 weights at any offset; 16-bit ones start on a long (read a long at a time), as every device matrix
        int wOff = format == MmaGemm.F32 ? 3 : 4;
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
        // the activations as floats, or as the fp16 pairs a norm kernel leaves (the floats then a stand-in, poisoned)
        FloatArray fa = halves ? FloatArray.fromElements(Float.NaN) : FloatArray.fromArray(a);
        IntArray ha = halves ? MmaTiles.halvesOf(a, rows * k, MmaGemm.halvesSize(rows, k)) : NO_HALVES;
        FloatArray out = new FloatArray(capacity * n);
        out.init(Float.NaN);
        IntArray control = IntArray.fromElements(rows);
        int tileN = MmaGemm.TILE_N, local = MmaGemm.LOCAL;
        int groupsX = (n + tileN - 1) / tileN, groupsY = (rows + MmaGemm.TILE_M - 1) / MmaGemm.TILE_M;
        int activations = halves ? MmaGemm.HALVES : MmaGemm.FLOATS;
        KernelContextEmulator.run(groupsX * local, groupsY, 1, local, 1, 1,
                kc -> MmaGemm.gemm(kc, control, fa, ha, NO_SCALE, activations, w32, w16, format, wOff, out, n, k, k));
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

    /**
     * Split k with a column scale (the batched decode's products): each z of the grid sums its split
     * of k into rows z·span + m (span = rows rounded up to 64), a's column c times small[colScale + c]
     * before it is made fp16; against float64 over the same fp16 operands (the scaled activations
     * rounded as Float.floatToFloat16 rounds them), the rest of each split's 64-row block zero, and
     * nothing written past the splits (out poisoned beyond them too).
     */
    @ParameterizedTest(name = "format {0}: rows {1}, n {2}, k {3}, kLen {4}, scaled {5}")
    @CsvSource({"2, 5, 72, 100, 48, true", "0, 64, 64, 96, 32, true", "1, 70, 8, 52, 16, false", "2, 64, 136, 768, 160, true",
            "0, 3, 16, 40, 40, true"})
    void splitsOfKSumToTheProductOfTheScaledRoundedOperands(int format, int rows, int n, int k, int kLen, boolean scaled) {
        Random r = new Random(7L * format + rows + n + k + kLen);
        int splits = (k + kLen - 1) / kLen, span = (rows + MmaGemm.TILE_M - 1) / MmaGemm.TILE_M * MmaGemm.TILE_M, colOff = 5;
        float[] a = new float[rows * k], c = new float[colOff + k], w = new float[n * k];
        for (int i = 0; i < a.length; i++) a[i] = (float) r.nextGaussian();
        for (int i = 0; i < c.length; i++) c[i] = (float) (1 + 0.5 * r.nextGaussian());
        for (int i = 0; i < w.length; i++) w[i] = (float) (r.nextGaussian() * 0.05);
        FloatArray w32 = new FloatArray(format == MmaGemm.F32 ? w.length : 1);
        LongArray w16 = Packed16.allocate(format == MmaGemm.F32 ? 1 : w.length);
        float[] wRounded = new float[w.length];
        for (int i = 0; i < w.length; i++) {
            short h = Float.floatToFloat16(w[i]);
            switch (format) {
                case MmaGemm.F32 -> { w32.set(i, w[i]); wRounded[i] = Float.float16ToFloat(h); }
                case MmaGemm.F16 -> { Packed16.set(w16, i, h); wRounded[i] = Float.float16ToFloat(h); }
                default -> {
                    short b = (short) (Float.floatToIntBits(w[i]) >>> 16);
                    Packed16.set(w16, i, b);
                    wRounded[i] = Float.float16ToFloat((short) MmaTiles.halfOfBf16(b & 0xFFFF));
                }
            }
        }
        FloatArray fa = FloatArray.fromArray(a), small = FloatArray.fromArray(c);
        FloatArray out = new FloatArray(splits * span * n + 2 * n);
        out.init(Float.NaN);
        IntArray control = IntArray.fromElements(rows);
        int colScale = scaled ? colOff : MmaGemm.FLOATS;
        int groupsX = (n + MmaGemm.TILE_N - 1) / MmaGemm.TILE_N;
        KernelContextEmulator.run(groupsX * MmaGemm.LOCAL, span / MmaGemm.TILE_M, splits, MmaGemm.LOCAL, 1, 1,
                kc -> MmaGemm.gemm(kc, control, fa, NO_HALVES, small, colScale, w32, w16, format, 0, out, n, k, kLen));
        for (int s = 0; s < splits; s++) {
            double err = 0, norm = 0;
            for (int m = 0; m < span; m++) {
                for (int j = 0; j < n; j++) {
                    float got = out.get((s * span + m) * n + j);
                    if (m >= rows) {
                        assertEquals(0f, got, "split " + s + ", row " + m + " past the rows");
                        continue;
                    }
                    double ref = 0;
                    for (int kk = s * kLen; kk < Math.min(k, (s + 1) * kLen); kk++) {
                        float v = a[m * k + kk] * (scaled ? c[colOff + kk] : 1f);
                        ref += (double) Float.float16ToFloat(Float.floatToFloat16(v)) * wRounded[j * k + kk];
                    }
                    err += (got - ref) * (got - ref);
                    norm += ref * ref;
                }
            }
            assertTrue(Math.sqrt(err / norm) < 1e-6, "split " + s + ": relative error " + Math.sqrt(err / norm));
        }
        for (int i = splits * span * n; i < out.getSize(); i++) assertTrue(Float.isNaN(out.get(i)), "written past the splits at " + i);
    }
}
