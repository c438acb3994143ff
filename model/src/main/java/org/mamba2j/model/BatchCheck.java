package org.mamba2j.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Checks that batched decoding gives each sequence what it gets alone: the tokens and stop reason of
 * {@link BatchGenerator} against {@link Generator} per sequence, and the logits of every prefill and
 * step of a batch fed those tokens against a decoder that runs the sequence alone. Shared by the
 * JVM tests and the TornadoVM integration check.
 */
public final class BatchCheck {

    /** The largest logit difference relative to the largest logit magnitude, and the sequences whose tokens or stop differ. */
    public record Outcome(double maxLogitError, List<Integer> mismatched) {
        public boolean passes(double tolerance) {
            return mismatched.isEmpty() && maxLogitError <= tolerance;
        }
    }

    /**
     * Prompts of different lengths (ids within the golden tiny model's vocabulary): 1 to 3 tokens,
     * which a device decodes token by token, and 11, which goes through a device prefill.
     */
    public static final List<int[]> PROMPTS = List.of(new int[]{5, 17, 3}, new int[]{9}, new int[]{40, 2, 2, 8, 31, 7, 12, 1, 6, 90, 4},
            new int[]{11, 23});

    private BatchCheck() {
    }

    /**
     * Configs for {@link #PROMPTS}: greedy with different max tokens, one ended at once by a stop id
     * (its first greedy token, found with {@code alone}), one sampling with top-k, top-p and a
     * repetition penalty.
     */
    public static List<GenerationConfig> configs(Decoder alone) {
        int[] first = new Generator(alone).generate(PROMPTS.get(2), GenerationConfig.greedy(1), t -> { }).tokens();
        return List.of(GenerationConfig.greedy(7), GenerationConfig.greedy(3), new GenerationConfig(9, 0f, 0, 1f, 1f, 0L, first),
                new GenerationConfig(6, 0.9f, 5, 0.9f, 1.2f, 42L, null));
    }

    /** {@code alone}: a single-sequence decoder of the same model, which each prefill restarts. */
    public static Outcome run(BatchDecoder batch, Decoder alone, List<int[]> prompts, List<GenerationConfig> configs) {
        List<Generator.Result> together = new BatchGenerator(batch).generate(prompts, configs, (s, t) -> { });
        List<Integer> mismatched = new ArrayList<>();
        List<int[]> fed = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            Generator.Result one = new Generator(alone).generate(prompts.get(i), configs.get(i), t -> { });
            Generator.Result r = together.get(i);
            if (!Arrays.equals(one.tokens(), r.tokens()) || one.stopReason() != r.stopReason()) mismatched.add(i);
            fed.add(one.tokens());
        }
        return new Outcome(maxLogitError(batch, alone, prompts, fed), mismatched);
    }

    /** Every slot prefilled with its prompt, then stepped with its tokens (a slot drops out when they run out). */
    private static double maxLogitError(BatchDecoder batch, Decoder alone, List<int[]> prompts, List<int[]> tokens) {
        int B = prompts.size();
        List<List<float[]>> expected = new ArrayList<>();
        for (int i = 0; i < B; i++) {
            List<float[]> seq = new ArrayList<>();
            seq.add(alone.prefill(prompts.get(i)).clone());
            for (int t : tokens.get(i)) seq.add(alone.step(t).clone());
            expected.add(seq);
        }
        double err = 0;
        for (int i = 0; i < B; i++) err = Math.max(err, error(batch.prefill(i, prompts.get(i)), expected.get(i).get(0)));
        int[] feed = new int[batch.capacity()];
        boolean[] active = new boolean[batch.capacity()];
        for (int step = 0; ; step++) {
            boolean any = false;
            for (int i = 0; i < B; i++) {
                active[i] = step < tokens.get(i).length;
                feed[i] = active[i] ? tokens.get(i)[step] : 0;
                any |= active[i];
            }
            if (!any) return err;
            batch.step(feed, active);
            for (int i = 0; i < B; i++) if (active[i]) err = Math.max(err, error(batch.logits(i), expected.get(i).get(step + 1)));
        }
    }

    /** max |a − b| / max |b|. */
    static double error(float[] a, float[] b) {
        double diff = 0, scale = 0;
        for (int k = 0; k < b.length; k++) {
            diff = Math.max(diff, Math.abs((double) a[k] - b[k]));
            scale = Math.max(scale, Math.abs(b[k]));
        }
        return diff / Math.max(scale, 1e-30);
    }
}
