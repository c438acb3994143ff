package org.mamba2j.tornado.model;

import org.mamba2j.io.SafeTensors;
import org.mamba2j.model.Decoder;
import org.mamba2j.model.JvmDecoder;
import org.mamba2j.model.Mamba2Model;
import org.mamba2j.model.MixerDims;
import org.mamba2j.model.MixerWeights;
import org.mamba2j.model.Golden;
import org.mamba2j.tornado.check.RoundedCopy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.ShortArray;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Weights on the device in the checkpoint's format: the 16-bit decode is exact for every finite
 * pattern, a 16-bit checkpoint stays 16-bit (and a widened one float32), and the device prefill's
 * kernels over 16-bit weights (as plain Java, {@link PrefillPipeline}) give the JVM decoder's logits
 * on the same rounded weights within {@link #TOL}: both compute in float32, so they differ by
 * summation order only, as with float32 weights.
 */
class DeviceWeightsTest {

    static final double TOL = 1e-4;

    @ParameterizedTest
    @EnumSource(value = WeightFormat.class, names = {"F16", "BF16"})
    void decodeIsExactForEveryFinitePattern(WeightFormat f) {
        FloatArray table = FloatArray.fromArray(f.table());
        ShortArray all = new ShortArray(1 << 16);
        for (int i = 0; i < 1 << 16; i++) all.set(i, (short) i);
        for (int i = 0; i < 1 << 16; i++) {
            float want = f.toFloat((short) i);
            if (!Float.isFinite(want)) continue;
            assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(MixerKernels.w16(all, table, i)), f + " pattern " + Integer.toHexString(i));
        }
    }

    @ParameterizedTest
    @EnumSource(value = SafeTensors.DType.class, names = {"F16", "BF16"})
    void sixteenBitCheckpointStaysSixteenBit(SafeTensors.DType dtype) throws IOException {
        Path dir = RoundedCopy.of(Golden.tinyA().resolve("hf"), dtype);
        try (Mamba2Model m = Mamba2Model.load(dir)) {
            DeviceWeights w = DeviceWeights.of(m, false);
            assertInstanceOf(ShortArray.class, w.slab(0));
            assertInstanceOf(ShortArray.class, w.embedding());
            assertSame(w.embedding(), w.lmHead(), "tied weights: one array");
            String name = dtype.name().toLowerCase();
            assertTrue(w.describe().startsWith("weights " + name + " (projections " + name + ", embedding " + name), w.describe());
            DeviceWeights wide = DeviceWeights.of(m, true);
            assertInstanceOf(FloatArray.class, wide.slab(0));
            assertEquals(2 * (w.bytes() - w.small().getNumBytesOfSegment()), wide.bytes() - wide.small().getNumBytesOfSegment());
        } finally {
            delete(dir);
        }
    }

    @ParameterizedTest(name = "{0}, {1} tokens, {2} gemm")
    @CsvSource({"F16,1,loop", "F16,17,blocked", "F16,29,loop", "BF16,1,blocked", "BF16,9,loop", "BF16,29,blocked"})
    void prefillOnSixteenBitWeightsMatchesTheJvm(SafeTensors.DType dtype, int n, String gemm) throws IOException {
        Path dir = RoundedCopy.of(Golden.tinyA().resolve("hf"), dtype);
        try (Mamba2Model m = Mamba2Model.load(dir); Decoder jvm = new JvmDecoder(m)) {
            MixerDims dims = MixerWeights.dims(m.config());
            int[] prompt = Arrays.copyOf(PROMPT, n);
            float[] want = jvm.prefill(prompt).clone();
            for (boolean widen : new boolean[]{false, true}) {
                PrefillPipeline device = new PrefillPipeline(dims, 8, 16, gemm, "loop", i -> MixerWeights.layerVectors(m, i), DeviceWeights.of(m, widen));
                float[] got = device.run(prompt).toHeapArray();
                double max = 0;
                for (int v = 0; v < want.length; v++) max = Math.max(max, Math.abs((double) got[v] - want[v]));
                assertTrue(max <= TOL, dtype + (widen ? " widened" : "") + ": max |Δlogit| vs the JVM " + max);
            }
        } finally {
            delete(dir);
        }
    }

    static final int[] PROMPT = {3, 17, 5, 40, 11, 2, 29, 8, 33, 14, 7, 21, 9, 1, 26, 12, 4, 38, 6, 19, 10, 31, 15, 27, 13, 35, 16, 22, 18};

    @Test
    void projectionsOfDifferentBlocksShareASlab() throws IOException {
        try (Mamba2Model m = Mamba2Model.load(Golden.tinyA().resolve("hf"))) {
            DeviceWeights w = DeviceWeights.of(m, false);
            assertSame(w.slab(0), w.slab(1));
            assertEquals(w.layout().bigSize(), w.bigAt(1) - w.bigAt(0));
            assertEquals(WeightFormat.TABLE_SIZE, w.smallAt(0));
            assertEquals(w.smallAt(0) + w.layout().smallSize(), w.smallAt(1));
        }
    }

    private static void delete(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }
}
