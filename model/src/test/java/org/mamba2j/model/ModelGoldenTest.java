package org.mamba2j.model;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mamba2j.io.SafeTensors;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** tiny-a against HF's float64 logits and greedy tokens, in both checkpoint layouts. */
class ModelGoldenTest {

    private static final double TOL = 1e-4;

    private static Mamba2Model load(String layout) throws IOException {
        return Mamba2Model.load(Golden.tinyA().resolve(layout));
    }

    @ParameterizedTest
    @ValueSource(strings = {"hf", "mamba_ssm"})
    void prefillLogitsMatchFloat64Reference(String layout) throws IOException {
        try (Mamba2Model m = load(layout); SafeTensors g = Golden.tensors()) {
            int[] ids = Golden.ints(g, "input_ids");
            double[] ref = g.get("logits_f64").toDoubles();
            int V = m.config().paddedVocab();
            assertEquals(ref.length, ids.length * V);
            float[] logits = m.prefill(ids, m.newState(), true);
            assertClose(ref, logits, TOL, "prefill logits");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"hf", "mamba_ssm"})
    void decodeLogitsEqualPrefillLogitsAtEveryPosition(String layout) throws IOException {
        try (Mamba2Model m = load(layout); SafeTensors g = Golden.tensors()) {
            int[] ids = Golden.ints(g, "input_ids");
            int V = m.config().paddedVocab();
            float[] prefill = m.prefill(ids, m.newState(), true);
            Mamba2Model.State st = m.newState();
            // Start decode from a one-token prefill so that both paths (chunked, recurrent) are exercised.
            float[] first = m.prefill(new int[] {ids[0]}, st, false);
            assertClose(Arrays.copyOfRange(prefill, 0, V), first, 1e-5, "position 0");
            for (int t = 1; t < ids.length; t++) {
                Arrays.fill(st.logits, Float.NaN);   // poison: a step that writes nothing must fail
                float[] step = m.step(ids[t], st);
                assertClose(Arrays.copyOfRange(prefill, t * V, (t + 1) * V), step, 1e-5, "position " + t);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"hf", "mamba_ssm"})
    void prefillOfAPrefixThenDecodeMatchesFullPrefill(String layout) throws IOException {
        try (Mamba2Model m = load(layout); SafeTensors g = Golden.tensors()) {
            int[] ids = Golden.ints(g, "input_ids");
            int V = m.config().paddedVocab();
            float[] full = m.prefill(ids, m.newState(), true);
            Mamba2Model.State st = m.newState();
            m.prefill(Arrays.copyOf(ids, 11), st, false);                      // 11: not a chunk multiple
            float[] rest = m.prefill(Arrays.copyOfRange(ids, 11, ids.length), st, true);
            assertClose(Arrays.copyOfRange(full, 11 * V, full.length), rest, 1e-5, "continued prefill");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"hf", "mamba_ssm"})
    void greedyTokensAndStepLogitsMatch(String layout) throws IOException {
        try (Mamba2Model m = load(layout); SafeTensors g = Golden.tensors()) {
            int[] prompt = Golden.ints(g, "greedy_prompt");
            int[] expected = Golden.ints(g, "greedy_tokens");
            double[] stepRef = g.get("greedy_step_logits_f64").toDoubles();
            int V = m.config().paddedVocab();
            Mamba2Model.State st = m.newState();
            float[] logits = m.prefill(prompt, st, false);
            int[] got = new int[expected.length];
            Arrays.fill(got, -1);
            for (int i = 0; i < expected.length; i++) {
                assertClose(Arrays.copyOfRange(stepRef, i * V, (i + 1) * V), logits, TOL, "greedy step " + i);
                got[i] = argmax(logits);
                if (i + 1 < expected.length) logits = m.step(got[i], st);
            }
            assertArrayEquals(expected, got);
            int[] text = Golden.ints(g, "text_prompt_ids"), textExpected = Golden.ints(g, "text_greedy_tokens");
            st = m.newState();
            logits = m.prefill(text, st, false);
            int[] textGot = new int[textExpected.length];
            for (int i = 0; i < textGot.length; i++) {
                textGot[i] = argmax(logits);
                if (i + 1 < textGot.length) logits = m.step(textGot[i], st);
            }
            assertArrayEquals(textExpected, textGot);
        }
    }

    static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }

    static void assertClose(double[] ref, float[] got, double tol, String what) {
        assertEquals(ref.length, got.length, what + ": length");
        double worst = 0;
        int at = -1;
        for (int i = 0; i < ref.length; i++) {
            double d = Math.abs(ref[i] - got[i]);
            assertTrue(!Double.isNaN(d), what + ": NaN at " + i);
            if (d > worst) { worst = d; at = i; }
        }
        assertTrue(at < 0 || worst <= tol, what + ": max |diff| " + worst + " at " + at + " > " + tol);
    }

    static void assertClose(float[] ref, float[] got, double tol, String what) {
        double[] r = new double[ref.length];
        for (int i = 0; i < r.length; i++) r[i] = ref[i];
        assertClose(r, got, tol, what);
    }
}
