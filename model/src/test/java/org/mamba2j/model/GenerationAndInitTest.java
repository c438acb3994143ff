package org.mamba2j.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mamba2j.io.SafeTensors;
import org.mamba2j.tokenizer.StreamingDecoder;
import org.mamba2j.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GenerationAndInitTest {

    /** Small, but with ngroups 2 and a chunk that does not divide the prompt. */
    static final Mamba2Config SMALL = new Mamba2Config(48, 3, 272, 272, 8, 4, 2, 12, 8, 2, 5,
            0f, Float.POSITIVE_INFINITY, 1e-5f, 1e-5f, true, true, false, false);

    @Test
    void greedyGenerationReproducesGoldenTokensAndStreamsText() throws IOException {
        try (Mamba2Model m = Mamba2Model.load(Golden.tinyA().resolve("hf"));
             Tokenizer tok = Tokenizer.load(Golden.tinyA().resolve("tokenizer.json"));
             SafeTensors g = Golden.tensors()) {
            int[] prompt = Golden.ints(g, "text_prompt_ids"), expected = Golden.ints(g, "text_greedy_tokens");
            List<Integer> streamed = new ArrayList<>();
            StreamingDecoder dec = new StreamingDecoder(tok);
            StringBuilder text = new StringBuilder();
            Generator.Result r = new Generator(m).generate(prompt, GenerationConfig.greedy(expected.length), id -> {
                streamed.add(id);
                text.append(dec.add(id));
            });
            text.append(dec.flush());
            assertArrayEquals(expected, r.tokens());
            assertEquals(Arrays.stream(expected).boxed().toList(), streamed);
            assertEquals(tok.decode(expected), text.toString());
            assertEquals(expected.length - 1, r.decodeSteps());
            // top-k 1 at any temperature is greedy too.
            Generator.Result k1 = new Generator(m).generate(prompt, new GenerationConfig(expected.length, 1.5f, 1, 1f, 1f, 3, null), id -> { });
            assertArrayEquals(expected, k1.tokens());
        }
    }

    @Test
    void samplingIsSeededAndStopsWhereTold() throws IOException {
        try (Mamba2Model m = Mamba2Model.load(Golden.tinyA().resolve("hf"))) {
            int[] prompt = {5, 6, 7};
            Generator gen = new Generator(m, id -> id < 300);
            GenerationConfig a = new GenerationConfig(40, 1.0f, 50, 0.9f, 1.3f, 42, null);
            int[] t1 = gen.generate(prompt, a, id -> { }).tokens();
            int[] t2 = gen.generate(prompt, a, id -> { }).tokens();
            assertArrayEquals(t1, t2);
            assertEquals(40, t1.length);
            assertTrue(Arrays.stream(t1).allMatch(t -> t >= 0 && t < 300));
            int[] t3 = gen.generate(prompt, new GenerationConfig(40, 1.0f, 50, 0.9f, 1.3f, 43, null), id -> { }).tokens();
            assertFalse(Arrays.equals(t1, t3), "a different seed should give a different sample");
            // Stop at the first occurrence of the 6th sampled token: the output is the 5 before it.
            Generator.Result stopped = gen.generate(prompt, new GenerationConfig(40, 1.0f, 50, 0.9f, 1.3f, 42, new int[] {t1[5]}), id -> { });
            int first = 0;
            while (t1[first] != t1[5]) first++;
            assertArrayEquals(Arrays.copyOf(t1, first), stopped.tokens());
            assertEquals(StopReason.STOP_ID, stopped.stopReason());
            // A strong repetition penalty changes a greedy continuation that repeats itself.
            int[] greedy = gen.generate(prompt, GenerationConfig.greedy(30), id -> { }).tokens();
            int[] penalised = gen.generate(prompt, new GenerationConfig(30, 0f, 0, 1f, 5f, 0, null), id -> { }).tokens();
            assertNotEquals(Arrays.toString(greedy), Arrays.toString(penalised));
            assertEquals(0, gen.generate(prompt, GenerationConfig.greedy(0), id -> { }).tokens().length);
        }
    }

    /** Ids at and above this one are what a tokenizer without merges (specials and bytes) lacks. */
    static final int BYTES_ONLY = 258;

    @Test
    void greedyPicksAmongTheWholeVocabularyUnlessRestricted() throws IOException {
        try (Mamba2Model m = Mamba2Model.load(Golden.tinyA().resolve("hf"));
             SafeTensors g = Golden.tensors()) {
            int[] prompt = Golden.ints(g, "greedy_prompt"), expected = Golden.ints(g, "greedy_tokens");
            int V = m.config().paddedVocab();
            double[] refLogits = g.get("greedy_step_logits_f64").toDoubles();
            // The reference is the float64 model's own argmax, and it picks ids beyond the restriction.
            for (int t = 0; t < expected.length; t++) assertEquals(expected[t], argmax(refLogits, t * V, V), "reference step " + t);
            int first = 0;
            while (expected[first] < BYTES_ONLY) first++;
            assertTrue(first < expected.length, "the reference must pick an id >= " + BYTES_ONLY);

            int[] all = new Generator(m).generate(prompt, GenerationConfig.greedy(expected.length), id -> { }).tokens();
            assertArrayEquals(expected, all);

            int[] restricted = new Generator(m, id -> id < BYTES_ONLY).generate(prompt, GenerationConfig.greedy(expected.length), id -> { }).tokens();
            assertEquals(expected.length, restricted.length);
            assertTrue(Arrays.stream(restricted).allMatch(id -> id < BYTES_ONLY), Arrays.toString(restricted));
            assertArrayEquals(Arrays.copyOf(expected, first), Arrays.copyOf(restricted, first));
            // Where they part, the restricted pick is the reference's best id below the limit.
            assertEquals(argmax(refLogits, first * V, BYTES_ONLY), restricted[first]);
        }
    }

    /** The greedy pick every decoder and the bench share: ties go to the lowest id, NaN never wins, −∞ alone is id 0. */
    @Test
    void firstMaxPicksTheLowestOfTheLargestAndNeverNaN() {
        assertEquals(1, Decoding.firstMax(new float[]{-1f, 3f, 3f, 2f}));
        assertEquals(2, Decoding.firstMax(new float[]{0f, Float.NaN, 0.5f, Float.NaN}));
        assertEquals(2, Decoding.firstMax(new float[]{Float.NaN, -1f, 4f, Float.NaN, 4f}));
        assertEquals(3, Decoding.firstMax(new float[]{Float.NEGATIVE_INFINITY, -7f, -9f, 1e-30f}));
        assertEquals(0, Decoding.firstMax(new float[]{Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY}));
        assertEquals(0, Decoding.firstMax(new float[]{Float.NaN, Float.NaN}));
        assertEquals(1, Decoding.firstMax(new float[]{Float.NaN, Float.NEGATIVE_INFINITY, Float.NaN}));
        assertEquals(0, Decoding.firstMax(new float[]{-0f, 0f}));
    }

    /**
     * The vector pick against the plain loop on random logits of every length up to past a few vectors and a vocabulary's:
     * the largest value placed in the vector part and in the tail, tied, behind NaNs and −∞, and all NaN.
     */
    @Test
    void firstMaxMatchesThePlainLoopOnRandomLogits() {
        java.util.SplittableRandom r = new java.util.SplittableRandom(12);
        int[] lengths = new int[140];
        for (int i = 0; i < 130; i++) lengths[i] = i + 1;
        for (int i = 130; i < lengths.length; i++) lengths[i] = 50_000 + r.nextInt(400);
        for (int n : lengths) {
            for (int pattern = 0; pattern < 6; pattern++) {
                float[] x = new float[n];
                for (int i = 0; i < n; i++) x[i] = (float) r.nextGaussian();
                switch (pattern) {
                    case 1 -> { float m = 9f; x[r.nextInt(n)] = m; x[r.nextInt(n)] = m; x[n - 1] = m; }          // ties, one in the tail
                    case 2 -> { for (int i = 0; i < n; i++) if (r.nextInt(3) == 0) x[i] = Float.NaN; }
                    case 3 -> { Arrays.fill(x, Float.NaN); x[r.nextInt(n)] = Float.NEGATIVE_INFINITY; }
                    case 4 -> Arrays.fill(x, Float.NaN);
                    case 5 -> { for (int i = 0; i < n; i++) x[i] = Math.round(x[i] * 2) / 2f; }             // many ties
                    default -> { }
                }
                assertEquals(plainFirstMax(x), Decoding.firstMax(x), "length " + n + ", pattern " + pattern);
            }
        }
    }

    /** The greedy pick as a plain loop: the reference for {@link Decoding#firstMax}. */
    private static int plainFirstMax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) if (logits[i] > logits[best] || Float.isNaN(logits[best]) && !Float.isNaN(logits[i])) best = i;
        return best;
    }

    @Test
    void generationStopsAtEosAndAtStopIdsAndSaysWhy() throws IOException {
        try (Mamba2Model m = Mamba2Model.load(Golden.tinyA().resolve("hf"));
             SafeTensors g = Golden.tensors()) {
            int[] prompt = Golden.ints(g, "greedy_prompt"), expected = Golden.ints(g, "greedy_tokens");
            Generator gen = new Generator(m);
            GenerationConfig plain = GenerationConfig.greedy(expected.length);
            List<Integer> streamed = new ArrayList<>();
            Generator.Result eos = gen.generate(prompt, plain.withEos(new int[] {expected[3]}), streamed::add);
            assertArrayEquals(Arrays.copyOf(expected, 3), eos.tokens());
            assertEquals(List.of(expected[0], expected[1], expected[2]), streamed, "the EOS id is not emitted");
            assertEquals(StopReason.EOS, eos.stopReason());

            GenerationConfig stop5 = new GenerationConfig(expected.length, 0f, 0, 1f, 1f, 0, new int[] {expected[5]});
            Generator.Result stopId = gen.generate(prompt, stop5, id -> { });
            assertArrayEquals(Arrays.copyOf(expected, firstIndex(expected, expected[5])), stopId.tokens());
            assertEquals(StopReason.STOP_ID, stopId.stopReason());
            // Both: whichever comes first; an id that is both counts as EOS.
            assertEquals(StopReason.EOS, gen.generate(prompt, stop5.withEos(new int[] {expected[3]}), id -> { }).stopReason());
            assertEquals(StopReason.EOS, gen.generate(prompt, stop5.withEos(new int[] {expected[5]}), id -> { }).stopReason());

            Generator.Result max = gen.generate(prompt, plain.withEos(new int[] {319}), id -> { });
            assertArrayEquals(expected, max.tokens());
            assertEquals(StopReason.MAX_TOKENS, max.stopReason());
        }
    }

    @Test
    void tokenizerShowsIdsItLacks() throws IOException {
        try (Tokenizer tok = Tokenizer.load(Golden.tinyA().resolve("tokenizer.json"))) {
            assertEquals(300, tok.vocabSize());
            assertTrue(tok.knows(0) && tok.knows(299));
            assertFalse(tok.knows(300) || tok.knows(-1));
            int x = tok.encode("x")[0], q = tok.encode("q")[0];
            int[] ids = {x, 310, q, 300};
            assertEquals("x<id:310>q<id:300>", tok.decode(ids));
            StreamingDecoder dec = new StreamingDecoder(tok);
            StringBuilder text = new StringBuilder();
            for (int id : ids) text.append(dec.add(id));
            assertEquals(tok.decode(ids), text.append(dec.flush()).toString());
        }
    }

    private static int argmax(double[] a, int from, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) if (a[from + i] > a[from + best]) best = i;
        return best;
    }

    private static int firstIndex(int[] a, int v) {
        int i = 0;
        while (a[i] != v) i++;
        return i;
    }

    @Test
    void initWritesLoadableModelsInEveryDtypeAndShardedLayout(@TempDir Path tmp) throws IOException {
        int[] ids = {1, 200, 3, 44, 5, 6, 77, 8, 9, 10, 11, 250, 13};
        Path single = tmp.resolve("single"), sharded = tmp.resolve("sharded");
        ModelInit.write(SMALL, single, WeightType.F32, 7, ModelInit.DEFAULT_SHARD_BYTES);
        ModelInit.write(SMALL, sharded, WeightType.F32, 7, 20_000);
        assertTrue(Files.exists(sharded.resolve("model.safetensors.index.json")));
        assertTrue(Files.exists(sharded.resolve("model-00002-of-" + String.format("%05d", countShards(sharded)) + ".safetensors")));
        float[] ref;
        try (Mamba2Model a = Mamba2Model.load(single); Mamba2Model b = Mamba2Model.load(sharded)) {
            assertEquals(Checkpoint.Layout.HF_SHARDED, b.checkpoint().layout());
            ref = a.prefill(ids, a.newState(), true);
            // Same weights either way; the last bits may differ while the JIT settles (Vector API reductions).
            assertArrayEquals(ref, b.prefill(ids, b.newState(), true), 1e-5f);
            assertDecodeMatchesPrefill(a, ids, ref, 1e-4);
        }
        for (WeightType dt : new WeightType[] {WeightType.F16, WeightType.BF16, WeightType.Q8_0}) {
            Path dir = tmp.resolve(dt.label);
            ModelInit.write(SMALL, dir, dt, 7, ModelInit.DEFAULT_SHARD_BYTES);
            try (Mamba2Model m = Mamba2Model.load(dir)) {
                assertEquals(dt.dtype, m.checkpoint().tensors().get("backbone.layers.0.mixer.in_proj.weight").dtype());
                float[] got = m.prefill(ids, m.newState(), true);
                ModelGoldenTest.assertClose(ref, got, switch (dt) { case F16 -> 0.02; case Q8_0 -> 0.05; default -> 0.1; }, dt + " vs f32");
                assertDecodeMatchesPrefill(m, ids, got, 1e-4);
            }
        }
        try (Tokenizer tok = Tokenizer.load(single.resolve("tokenizer.json"))) {
            String s = "Hello, w\u00f6rld \u65e5\u672c \ud83d\ude42\t\n";
            int[] enc = tok.encode(s);
            assertEquals(s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length, enc.length);
            assertEquals(s, tok.decode(enc));
            assertEquals(257, tok.vocabSize());
        }
    }

    @Test
    void presetsHaveThePublishedSizes() {
        Mamba2Config c = ModelInit.Preset.of("130m").config();
        assertEquals(768, c.dModel());
        assertEquals(24, c.nLayer());
        assertEquals(50288, c.paddedVocab());
        assertEquals(24, c.nheads());
        assertEquals(2 * 1536 + 2 * 128 + 24, c.dInProj());
        assertEquals(64, ModelInit.Preset.of("2.7b").config().nLayer());
        assertEquals(2560, ModelInit.Preset.of("2.7b").config().dModel());
    }

    private static int countShards(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return (int) s.filter(p -> p.getFileName().toString().matches("model-\\d+-of-\\d+\\.safetensors")).count();
        }
    }

    static void assertDecodeMatchesPrefill(Mamba2Model m, int[] ids, float[] prefill, double tol) {
        int V = m.config().paddedVocab();
        Mamba2Model.State st = m.newState();
        float[] l = m.prefill(new int[] {ids[0]}, st, false);
        ModelGoldenTest.assertClose(Arrays.copyOf(prefill, V), l, tol, "position 0");
        for (int t = 1; t < ids.length; t++) {
            Arrays.fill(st.logits, Float.NaN);
            l = m.step(ids[t], st);
            ModelGoldenTest.assertClose(Arrays.copyOfRange(prefill, t * V, (t + 1) * V), l, tol, "position " + t);
        }
    }
}
