package org.mamba2j.tornado.model;

import org.mamba2j.tornado.Packed16;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mamba2j.device.DeviceSpec;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.LongArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mamba2j.tornado.model.MixerKernelsTest.poisoned;

/**
 * The 16-bit decodes ({@link Decode}) as the kernels run them, here as plain Java (BFloat16.bf16ToFloat
 * is TornadoVM's Java there): every finite pattern of a format decodes bit for bit as the host reads
 * it ({@link WeightFormat#toFloat}) through every decode that reads the format, and through the
 * embedding kernel; a decode of the other format gets almost every pattern wrong, so a wrong choice
 * fails these and every kernel test; the choice per backend.
 */
class DecodeTest {

    /** Every 16-bit pattern, in order. */
    static LongArray allPatterns() {
        LongArray all = Packed16.allocate(1 << 16);
        for (int i = 0; i < 1 << 16; i++) Packed16.set(all, i, (short) i);
        return all;
    }

    /** w rounded to patterns of f (F16 to nearest, BF16 truncated): returns the patterns, and leaves in w the values they hold. */
    static LongArray patterns(float[] w, WeightFormat f) {
        LongArray s = Packed16.allocate(w.length);
        for (int i = 0; i < w.length; i++) {
            short h = f == WeightFormat.F16 ? Float.floatToFloat16(w[i]) : (short) (Float.floatToRawIntBits(w[i]) >>> 16);
            Packed16.set(s, i, h);
            w[i] = f.toFloat(h);
        }
        return s;
    }

    /** Patterns of f whose value is finite, among all 65536, that {@code got} (the decoded value of each) gets wrong bit for bit. */
    static int wrong(WeightFormat f, FloatArray got) {
        int wrong = 0;
        for (int i = 0; i < 1 << 16; i++) {
            float want = f.toFloat((short) i);
            if (Float.isFinite(want) && Float.floatToRawIntBits(want) != Float.floatToRawIntBits(got.get(i))) wrong++;
        }
        return wrong;
    }

    @ParameterizedTest(name = "{0} patterns, {1}")
    @CsvSource({"F16,TABLE", "F16,F16", "F16,F16_SCALED", "BF16,TABLE", "BF16,BF16"})
    void everyFinitePatternDecodesAsTheHostReadsIt(WeightFormat f, Decode d) {
        assertTrue(d.reads(f));
        FloatArray table = FloatArray.fromArray(f.table());
        LongArray all = allPatterns();
        FloatArray viaW16 = poisoned(1 << 16);
        for (int i = 0; i < 1 << 16; i++) viaW16.set(i, MixerKernels.w16(all, table, i, d.arg()));
        assertEquals(0, wrong(f, viaW16), f + " through " + d);
        // the same through a kernel: the embedding row of token 0 with dim 65536 is every pattern
        FloatArray viaEmbed = poisoned(1 << 16);
        MixerKernels.embed16(IntArray.fromElements(0, 0), all, table, viaEmbed, 1 << 16, d.arg());
        assertEquals(0, wrong(f, viaEmbed), f + " through embed16 and " + d);
    }

    @ParameterizedTest(name = "{0} patterns, {1}")
    @CsvSource({"BF16,F16", "BF16,F16_SCALED", "F16,BF16"})
    void theOtherFormatsDecodeGetsAlmostEveryPatternWrong(WeightFormat f, Decode other) {
        assertFalse(other.reads(f));
        LongArray all = allPatterns();
        FloatArray got = poisoned(1 << 16);
        for (int i = 0; i < 1 << 16; i++) got.set(i, MixerKernels.w16(all, FloatArray.fromArray(f.table()), i, other.arg()));
        assertTrue(wrong(f, got) > 60000, f + " patterns through " + other + ": only " + wrong(f, got) + " wrong");
        // and the table of the other format
        WeightFormat g = f == WeightFormat.F16 ? WeightFormat.BF16 : WeightFormat.F16;
        FloatArray otherTable = FloatArray.fromArray(g.table());
        for (int i = 0; i < 1 << 16; i++) got.set(i, MixerKernels.w16(all, otherTable, i, Decode.TABLE_ARG));
        assertTrue(wrong(f, got) > 60000, f + " patterns through the " + g + " table");
    }

    @Test
    void f16ArithmeticIsExactOnEveryFinitePattern() {
        for (int i = 0; i < 1 << 16; i++) {
            float want = Float.float16ToFloat((short) i);
            if (Float.isFinite(want)) {
                assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(MixerKernels.f16(i)), Integer.toHexString(i));
                assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(MixerKernels.f16Scaled(i)), Integer.toHexString(i));
            }
        }
    }

    @Test
    void eachBackendGetsItsDecode() {
        for (DeviceSpec.Backend b : DeviceSpec.Backend.values()) {
            assertEquals(b == DeviceSpec.Backend.CUDA ? Decode.BF16 : Decode.TABLE, Decode.of(WeightFormat.BF16, b), "bf16 on " + b);
            Decode f16 = switch (b) {
                case CUDA -> Decode.F16_SCALED;
                case OPENCL -> Decode.F16;
                default -> Decode.TABLE;
            };
            assertEquals(f16, Decode.of(WeightFormat.F16, b), "f16 on " + b);
            assertTrue(Decode.of(WeightFormat.BF16, b).reads(WeightFormat.BF16) && Decode.of(WeightFormat.F16, b).reads(WeightFormat.F16));
        }
        assertEquals(0, Decode.TABLE.arg());
        String was = System.getProperty(Decode.PROPERTY);
        System.setProperty(Decode.PROPERTY, "table");
        try {
            for (DeviceSpec.Backend b : DeviceSpec.Backend.values()) {
                assertEquals(Decode.TABLE, Decode.of(WeightFormat.BF16, b));
                assertEquals(Decode.TABLE, Decode.of(WeightFormat.F16, b));
            }
        } finally {
            if (was == null) System.clearProperty(Decode.PROPERTY);
            else System.setProperty(Decode.PROPERTY, was);
        }
    }
}
