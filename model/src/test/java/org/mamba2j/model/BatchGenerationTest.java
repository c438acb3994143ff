package org.mamba2j.model;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Batched decoding on the JVM gives each sequence what it gets alone. */
class BatchGenerationTest {

    /** Prompts of different lengths, each with its own max tokens and stops. */
    static final List<int[]> PROMPTS = List.of(new int[]{5, 17, 3}, new int[]{9}, new int[]{40, 2, 2, 8, 31, 7, 12, 1, 6, 90, 4},
            new int[]{11, 23});

    static List<GenerationConfig> configs(int[] firstTokens) {
        return List.of(GenerationConfig.greedy(7), GenerationConfig.greedy(3),
                new GenerationConfig(9, 0f, 0, 1f, 1f, 0L, new int[]{firstTokens[2]}),   // stops at its own first token, at once
                new GenerationConfig(6, 0.9f, 5, 0.9f, 1.2f, 42L, null));
    }

    @Test
    void eachSequenceGetsWhatItGetsAlone() throws Exception {
        try (Mamba2Model m = Mamba2Model.load(Golden.tinyA().resolve("hf"))) {
            int[] first = PROMPTS.stream().mapToInt(p -> argmax(new JvmDecoder(m).prefill(p))).toArray();
            BatchCheck.Outcome o = BatchCheck.run(new JvmBatchDecoder(m, 6), () -> new JvmDecoder(m), PROMPTS, configs(first));
            assertTrue(o.mismatched().isEmpty(), "sequences whose tokens differ: " + o.mismatched());
            assertTrue(o.maxLogitError() <= 1e-5, "logits off by " + o.maxLogitError());
        }
    }

    @Test
    void batchedStepMatchesSingleSteps() throws Exception {
        try (Mamba2Model m = Mamba2Model.load(Golden.tinyA().resolve("hf"))) {
            List<Generator.Result> rs = new BatchGenerator(new JvmBatchDecoder(m, 4)).generate(PROMPTS, GenerationConfig.greedy(5), (s, t) -> { });
            assertEquals(4, rs.size());
            for (int i = 0; i < rs.size(); i++) {
                Generator.Result alone = new Generator(m).generate(PROMPTS.get(i), GenerationConfig.greedy(5), t -> { });
                assertArrayEquals(alone.tokens(), rs.get(i).tokens(), "sequence " + i);
            }
        }
    }

    @Test
    void badBatchesAreRefused() throws Exception {
        try (Mamba2Model m = Mamba2Model.load(Golden.tinyA().resolve("hf"))) {
            BatchGenerator g = new BatchGenerator(new JvmBatchDecoder(m, 2));
            assertThrows(IllegalArgumentException.class, () -> g.generate(List.of(), GenerationConfig.greedy(2), (s, t) -> { }));
            assertThrows(IllegalArgumentException.class, () -> g.generate(PROMPTS, GenerationConfig.greedy(2), (s, t) -> { }));
            assertThrows(IllegalArgumentException.class, () -> g.generate(List.of(new int[0]), GenerationConfig.greedy(2), (s, t) -> { }));
            assertThrows(IllegalArgumentException.class, () -> new JvmBatchDecoder(m, BatchDecoder.MAX_BATCH + 1));
        }
    }

    static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
        return best;
    }
}
