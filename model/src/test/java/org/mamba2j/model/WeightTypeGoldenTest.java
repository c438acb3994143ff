package org.mamba2j.model;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.mamba2j.io.SafeTensors;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * tiny-a converted to every weight type ({@code mamba2 convert}, from both checkpoint layouts), checked
 * two ways:
 * <ul>
 * <li>against a reference over the <em>rounded</em> weights: the converted model converted back to
 *   float32 (the same rounded values, stored as F32) and run through the f32 path, which itself is
 *   within 1e-4 (measured 2.4e-6) of HF's float64 logits. Both runs multiply by the same values, so
 *   any difference is the dtype's kernels: max |Δlogit| ≤ {@link #KERNEL_TOL} for every type;</li>
 * <li>against HF's float64 logits of the unrounded model, within what rounding the weights costs
 *   (tolerance per type, {@link #roundingTolerance}). Measured max |Δlogit| on tiny-a, whose logits
 *   reach about ±4: f32 2.4e-6, f16 8.9e-3, bf16 7.0e-2, q8_0 0.12; the tolerances leave about 2×.</li>
 * </ul>
 * Prefill (matmul kernels) and decoding (matvec kernels) are both checked.
 */
class WeightTypeGoldenTest {

    static final double KERNEL_TOL = 1e-5;

    @TempDir
    Path tmp;

    static double roundingTolerance(WeightType type) {
        return switch (type) {
            case F32 -> 1e-4;    // the f32 model's own figure (ModelGoldenTest)
            case F16 -> 0.02;
            case BF16 -> 0.15;
            case Q8_0 -> 0.25;
        };
    }

    @ParameterizedTest
    @EnumSource(WeightType.class)
    void convertedModelsMatchTheirRoundedWeightsAndFloat64Logits(WeightType type) throws IOException {
        for (String layout : new String[] {"hf", "mamba_ssm"}) {
            Path dir = tmp.resolve(type.label + "-" + layout), rounded = tmp.resolve(type.label + "-" + layout + "-as-f32");
            ModelConvert.convert(Golden.tinyA().resolve(layout), dir, type);
            ModelConvert.convert(dir, rounded, WeightType.F32);
            try (Mamba2Model m = Mamba2Model.load(dir); Mamba2Model ref = Mamba2Model.load(rounded); SafeTensors g = Golden.tensors()) {
                String what = type + " " + layout;
                assertEquals(type.dtype, m.checkpoint().tensors().get("backbone.layers.1.mixer.out_proj.weight").dtype());
                assertEquals(SafeTensors.DType.F32, ref.checkpoint().tensors().get("backbone.layers.1.mixer.out_proj.weight").dtype());
                int[] ids = Golden.ints(g, "input_ids");
                int V = m.config().paddedVocab();
                float[] prefill = m.prefill(ids, m.newState(), true);
                float[] refLogits = ref.prefill(ids, ref.newState(), true);
                ModelGoldenTest.assertClose(refLogits, prefill, KERNEL_TOL, what + " prefill vs f32 over the rounded weights");
                double err = maxDiff(g.get("logits_f64").toDoubles(), prefill);
                System.out.printf("%s: max |logit - logits_f64| = %.3g%n", what, err);
                assertTrue(err <= roundingTolerance(type), what + ": max |Δlogit| to logits_f64 " + err + " > " + roundingTolerance(type));
                Mamba2Model.State st = m.newState();
                m.prefill(new int[] {ids[0]}, st, false);
                for (int t = 1; t < ids.length; t++) {
                    Arrays.fill(st.logits, Float.NaN);   // poison: a step that writes nothing must fail
                    float[] step = m.step(ids[t], st);
                    ModelGoldenTest.assertClose(Arrays.copyOfRange(refLogits, t * V, (t + 1) * V), step, KERNEL_TOL,
                            what + " decode step " + t + " vs f32 over the rounded weights");
                }
            }
        }
    }

    /** A Q8_0 matrix without its scales, or with scales of the wrong dtype or shape, is one clear line, not a crash. */
    @org.junit.jupiter.api.Test
    void q8MatrixWithoutProperScalesIsRefused() throws IOException {
        String name = "backbone.layers.0.mixer.in_proj.weight";
        int rows = 296, cols = 64;
        String[] expected = {"has no '" + name + ".scales'", "Q8_0 scales must be F16", "has shape [296, 3]"};
        for (int c = 0; c < expected.length; c++) {
            int which = c;
            Path dir = tmp.resolve("bad" + c);
            try (Checkpoint ck = Checkpoint.open(Golden.tinyA().resolve("hf"))) {
                ModelInit.writeTensors(dir, WeightType.F32, Long.MAX_VALUE, sink -> {
                    for (var e : ck.tensors().entrySet()) {
                        if (!e.getKey().equals(name)) sink.add(e.getKey(), e.getValue().shape(), (st, b, n) -> e.getValue().copyFloats(st, b, 0, n));
                    }
                });
            }
            // Rewrite with the one matrix as I8 plus a broken or missing scales tensor.
            org.mamba2j.io.SafeTensorsWriter w = new org.mamba2j.io.SafeTensorsWriter(SafeTensors.DType.F32);
            try (SafeTensors st = SafeTensors.open(dir.resolve("model.safetensors"))) {
                for (var e : st.tensors().entrySet()) w.add(e.getKey(), e.getValue().shape(), (s0, b, n) -> e.getValue().copyFloats(s0, b, 0, n));
                w.add(name, new long[] {rows, cols}, SafeTensors.DType.I8, (s0, b, n) -> Arrays.fill(b, 0, n, 1f));
                if (which == 1) w.add(name + WeightType.SCALES, new long[] {rows, 2}, SafeTensors.DType.F32, (s0, b, n) -> Arrays.fill(b, 0, n, 1f));
                if (which == 2) w.add(name + WeightType.SCALES, new long[] {rows, 3}, SafeTensors.DType.F16, (s0, b, n) -> Arrays.fill(b, 0, n, 1f));
                w.write(dir.resolve("model2.safetensors"), java.util.Map.of());
            }
            java.nio.file.Files.move(dir.resolve("model2.safetensors"), dir.resolve("model.safetensors"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            java.nio.file.Files.copy(Golden.tinyA().resolve("hf/config.json"), dir.resolve("config.json"));
            IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> Mamba2Model.load(dir).close());
            assertTrue(e.getMessage().contains(expected[c]) && e.getMessage().indexOf('\n') < 0, e.getMessage());
        }
    }

    private static double maxDiff(double[] ref, float[] got) {
        assertEquals(ref.length, got.length);
        double worst = 0;
        for (int i = 0; i < ref.length; i++) {
            double d = Math.abs(ref[i] - got[i]);
            if (!(d <= worst)) worst = d;   // NaN sticks
        }
        return worst;
    }
}
