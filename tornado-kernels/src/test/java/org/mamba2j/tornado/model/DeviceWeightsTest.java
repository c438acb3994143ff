package org.mamba2j.tornado.model;

import org.mamba2j.device.DeviceSpec;
import org.mamba2j.device.Precision;
import org.mamba2j.io.SafeTensors;
import org.mamba2j.model.Decoder;
import org.mamba2j.model.JvmDecoder;
import org.mamba2j.model.Mamba2Model;
import org.mamba2j.model.MixerDims;
import org.mamba2j.model.MixerWeights;
import org.mamba2j.model.Golden;
import org.mamba2j.tornado.DeviceConfig;
import org.mamba2j.tornado.Packed16;
import org.mamba2j.tornado.check.RoundedCopy;
import org.mamba2j.tornado.mma.MmaTiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.LongArray;
import uk.ac.manchester.tornado.api.types.arrays.TornadoNativeArray;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Weights on the device in the checkpoint's format (the 16-bit decodes themselves: {@link DecodeTest}):
 * a 16-bit checkpoint stays 16-bit, with the decode its backend gets (and a widened one float32), and the device prefill's
 * kernels over 16-bit weights (as plain Java, {@link PrefillPipeline}), through each decode, give the JVM decoder's logits
 * on the same rounded weights within {@link #TOL}: both compute in float32, so they differ by
 * summation order only, as with float32 weights.
 */
class DeviceWeightsTest {

    static final double TOL = 1e-4;

    @ParameterizedTest
    @EnumSource(value = SafeTensors.DType.class, names = {"F16", "BF16"})
    void sixteenBitCheckpointStaysSixteenBit(SafeTensors.DType dtype) throws IOException {
        Path dir = RoundedCopy.of(Golden.tinyA().resolve("hf"), dtype);
        try (Mamba2Model m = Mamba2Model.load(dir)) {
            DeviceWeights w = DeviceWeights.of(m, DeviceWeights.Storage.AS_STORED, DeviceSpec.Backend.OPENCL);
            assertInstanceOf(LongArray.class, w.slab(0));
            assertInstanceOf(LongArray.class, w.embedding());
            assertSame(w.embedding(), w.lmHead(), "tied weights: one array");
            String name = dtype.name().toLowerCase();
            WeightFormat f = WeightFormat.of(dtype);
            for (DeviceSpec.Backend b : DeviceSpec.Backend.values()) {
                DeviceWeights on = DeviceWeights.of(m, DeviceWeights.Storage.AS_STORED, b);
                assertEquals(Decode.of(f, b), on.decode());
                assertTrue(on.describe().startsWith("weights " + name + " (" + on.decode().label() + "; projections " + name + ", embedding " + name),
                        on.describe());
            }
            assertTrue(DeviceWeights.of(m, DeviceWeights.Storage.AS_STORED, DeviceSpec.Backend.CUDA).describe().contains(dtype == SafeTensors.DType.BF16 ? "native decode"
                    : "scaled decode"));
            Decode wrong = f == WeightFormat.F16 ? Decode.BF16 : Decode.F16;
            assertThrows(IllegalArgumentException.class, () -> DeviceWeights.of(m, DeviceWeights.Storage.AS_STORED, g -> wrong), "a decode of the other format");
            DeviceWeights wide = DeviceWeights.of(m, DeviceWeights.Storage.FLOAT32, DeviceSpec.Backend.CUDA);
            assertTrue(wide.describe().startsWith("weights f32 (projections f32"), wide.describe());
            assertInstanceOf(FloatArray.class, wide.slab(0));
            assertEquals(2 * (w.bytes() - w.small().getNumBytesOfSegment()), wide.bytes() - wide.small().getNumBytesOfSegment());
        } finally {
            delete(dir);
        }
    }

    @ParameterizedTest(name = "{0}, {1}, {2} tokens, {3} gemm")
    @CsvSource({"F16,F16,1,loop", "F16,F16,17,blocked", "F16,TABLE,29,loop", "F16,F16,29,blocked", "BF16,BF16,1,blocked", "BF16,TABLE,9,loop",
            "BF16,BF16,29,loop", "BF16,TABLE,29,blocked"})
    void prefillOnSixteenBitWeightsMatchesTheJvm(SafeTensors.DType dtype, Decode decode, int n, String gemm) throws IOException {
        Path dir = RoundedCopy.of(Golden.tinyA().resolve("hf"), dtype);
        try (Mamba2Model m = Mamba2Model.load(dir); Decoder jvm = new JvmDecoder(m)) {
            MixerDims dims = MixerWeights.dims(m.config());
            int[] prompt = Arrays.copyOf(PROMPT, n);
            float[] want = jvm.prefill(prompt).clone();
            for (boolean widen : new boolean[]{false, true}) {
                DeviceWeights w = DeviceWeights.of(m, widen ? DeviceWeights.Storage.FLOAT32 : DeviceWeights.Storage.AS_STORED, f -> decode);
                String described = widen ? "weights f32 (projections f32" : "weights " + dtype.name().toLowerCase() + " (" + decode.label() + "; ";
                assertTrue(w.describe().startsWith(described), w.describe());
                PrefillPipeline device = new PrefillPipeline(dims, 8, 16, gemm, "loop", i -> MixerWeights.layerVectors(m, i), w);
                float[] got = device.run(prompt).toHeapArray();
                double max = 0;
                for (int v = 0; v < want.length; v++) max = Math.max(max, Math.abs((double) got[v] - want[v]));
                assertTrue(max <= TOL, dtype + (widen ? " widened" : "") + ": max |Δlogit| vs the JVM " + max);
            }
        } finally {
            delete(dir);
        }
    }

    @Test
    void bf16WeightsAsF16AreWhatTheTensorCoreStagingMakesOfThem() throws IOException {
        Path dir = RoundedCopy.of(Golden.tinyA().resolve("hf"), SafeTensors.DType.BF16);
        try (Mamba2Model m = Mamba2Model.load(dir)) {
            DeviceWeights bf16 = DeviceWeights.of(m, DeviceWeights.Storage.AS_STORED, DeviceSpec.Backend.CUDA);
            DeviceWeights f16 = DeviceWeights.of(m, DeviceWeights.Storage.F16_FOR_BF16, DeviceSpec.Backend.CUDA);
            assertEquals(WeightFormat.F16, f16.format(f16.slab(0)));
            assertEquals(WeightFormat.F16, f16.format(f16.embedding()));
            assertEquals(Decode.of(WeightFormat.F16, DeviceSpec.Backend.CUDA), f16.decode());
            assertTrue(f16.describe().startsWith("weights f16 from bf16 (" + f16.decode().label() + "; projections f16, embedding f16"), f16.describe());
            assertEquals(bf16.bytes(), f16.bytes());
            for (TornadoNativeArray[] pair : new TornadoNativeArray[][]{{bf16.slab(0), f16.slab(0)}, {bf16.embedding(), f16.embedding()}}) {
                LongArray stored = (LongArray) pair[0], held = (LongArray) pair[1];
                int converted = 0;
                for (int i = 0; i < stored.getSize() * 4; i++) {
                    int want = MmaTiles.halfOfBf16(Packed16.pattern(stored, i));
                    assertEquals(want, Packed16.pattern(held, i), "pattern " + i);
                    if (want != Packed16.pattern(stored, i)) converted++;
                }
                assertTrue(converted > stored.getSize(), "the patterns changed format");
            }
            // the staging converts either way: the tensor-core prefill gives the same logits, bit for bit
            MixerDims dims = MixerWeights.dims(m.config());
            float[] fromBf16 = new PrefillPipeline(dims, 8, 16, "mma", "loop", i -> MixerWeights.layerVectors(m, i), bf16).run(PROMPT).toHeapArray();
            float[] fromF16 = new PrefillPipeline(dims, 8, 16, "mma", "loop", i -> MixerWeights.layerVectors(m, i), f16).run(PROMPT).toHeapArray();
            assertArrayEquals(fromBf16, fromF16);
        } finally {
            delete(dir);
        }
        try (Mamba2Model m = Mamba2Model.load(Golden.tinyA().resolve("hf"))) {
            assertTrue(DeviceWeights.of(m, DeviceWeights.Storage.F16_FOR_BF16, DeviceSpec.Backend.CUDA).describe().startsWith("weights f32 ("),
                    "float32 checkpoints stay float32");
        }
    }

    static final int[] PROMPT = {3, 17, 5, 40, 11, 2, 29, 8, 33, 14, 7, 21, 9, 1, 26, 12, 4, 38, 6, 19, 10, 31, 15, 27, 13, 35, 16, 22, 18};

    @Test
    void projectionsOfDifferentBlocksShareASlab() throws IOException {
        try (Mamba2Model m = Mamba2Model.load(Golden.tinyA().resolve("hf"))) {
            DeviceWeights w = DeviceWeights.of(m, DeviceWeights.Storage.AS_STORED, DeviceSpec.Backend.OPENCL);
            assertSame(w.slab(0), w.slab(1));
            assertEquals(w.layout().bigSize(), w.bigAt(1) - w.bigAt(0));
            assertEquals(WeightFormat.TABLE_SIZE, w.smallAt(0));
            assertEquals(w.smallAt(0) + w.layout().smallSize(), w.smallAt(1));
        }
    }

    /** SPIR-V cannot read 16-bit patterns (docs/spirv.md): its decoders hold every checkpoint as float32; elsewhere the config says. */
    @Test
    void storageFollowsTheConfigWhereTheBackendReads16BitPatterns() {
        DeviceConfig nvidia = DeviceConfig.forDevice("NVIDIA H200", DeviceSpec.Backend.CUDA, null);
        DeviceConfig fast = nvidia.at(Precision.FAST, DeviceSpec.Backend.CUDA);
        assertEquals(DeviceWeights.Storage.AS_STORED, DeviceWeights.Storage.of(nvidia, false, DeviceSpec.Backend.CUDA));
        assertEquals(DeviceWeights.Storage.F16_FOR_BF16, DeviceWeights.Storage.of(fast, false, DeviceSpec.Backend.CUDA));
        assertEquals(DeviceWeights.Storage.FLOAT32, DeviceWeights.Storage.of(fast, true, DeviceSpec.Backend.CUDA));
        for (DeviceSpec.Backend b : DeviceSpec.Backend.values()) {
            DeviceConfig own = DeviceConfig.forDevice("Intel(R) Arc(TM) A770 Graphics", b, null);
            assertEquals(b == DeviceSpec.Backend.SPIRV ? DeviceWeights.Storage.FLOAT32 : DeviceWeights.Storage.AS_STORED,
                    DeviceWeights.Storage.of(own, false, b), b.name());
        }
    }

    /** 16-bit matrices stay 16-bit only where every row starts on a long (the row kernels read four patterns a load). */
    @Test
    void rowsThatDoNotStartOnALongAreNotPacked() {
        assertTrue(DeviceWeights.packable(dims(768, 24, 64)));
        assertFalse(DeviceWeights.packable(dims(766, 24, 64)));
        assertFalse(DeviceWeights.packable(dims(768, 3, 21)));
    }

    private static MixerDims dims(int dModel, int nheads, int headdim) {
        return new MixerDims(dModel, 1, 100, nheads, headdim, 1, 16, 4, 1e-5f, 1e-5f, 0f, Float.POSITIVE_INFINITY);
    }

    private static void delete(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }
}
