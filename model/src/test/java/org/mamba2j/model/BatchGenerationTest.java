package org.mamba2j.model;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Batched decoding on the JVM gives each sequence what it gets alone. */
class BatchGenerationTest {

    static final List<int[]> PROMPTS = BatchCheck.PROMPTS;

    @Test
    void eachSequenceGetsWhatItGetsAlone() throws Exception {
        try (Mamba2Model m = Mamba2Model.load(Golden.tinyA().resolve("hf"))) {
            JvmDecoder alone = new JvmDecoder(m);
            BatchCheck.Outcome o = BatchCheck.run(new JvmBatchDecoder(m, 6), alone, PROMPTS, BatchCheck.configs(alone));
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
}
