package org.mamba2j.model;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next token from logits: repetition penalty, then greedy or temperature with top-k and
 * top-p, among a fixed set of candidate ids. All scratch space is allocated once per sampler;
 * logits are modified in place.
 */
final class Sampler {

    private final GenerationConfig cfg;
    private final int[] candidates;  // ascending ids that may be picked
    private final boolean[] seen;
    private final long[] order;     // (sortable logit bits << 32 | index), for top-k/top-p
    private final SplittableRandom random;

    /** {@code candidates}: the ids that may be picked, ascending, each below {@code vocab} (the logits' length). */
    Sampler(GenerationConfig cfg, int[] candidates, int vocab) {
        this.cfg = cfg;
        this.candidates = candidates;
        this.seen = new boolean[vocab];
        this.order = new long[candidates.length];
        this.random = new SplittableRandom(cfg.seed());
    }

    /** Whether {@link #next} is the argmax of the logits over all ids: greedy, no repetition penalty, every id a candidate. */
    boolean plainGreedy() {
        return (cfg.temperature() == 0f || cfg.topK() == 1) && cfg.repetitionPenalty() == 1f && candidates.length == seen.length;
    }

    void observe(int token) {
        if (token >= 0 && token < seen.length) seen[token] = true;
    }

    int next(float[] logits) {
        float r = cfg.repetitionPenalty();
        if (r != 1f) {
            for (int i : candidates) if (seen[i]) logits[i] = logits[i] > 0 ? logits[i] / r : logits[i] * r;
        }
        if (cfg.temperature() == 0f || cfg.topK() == 1) return argmax(logits);
        // Candidates sorted by logit, descending: a float's bits, flipped for negatives, sort as ints.
        for (int j = 0; j < candidates.length; j++) {
            int i = candidates[j];
            int bits = Float.floatToRawIntBits(logits[i]);
            int key = bits >= 0 ? bits : bits ^ 0x7fffffff;
            order[j] = ((long) ~key << 32) | i;
        }
        Arrays.sort(order);
        int n = cfg.topK() > 0 ? Math.min(cfg.topK(), order.length) : order.length;
        float max = logits[index(0)];
        double total = 0;
        for (int j = 0; j < n; j++) total += Math.exp((logits[index(j)] - max) / cfg.temperature());
        if (cfg.topP() < 1f) {
            double cum = 0;
            int keep = 0;
            while (keep < n) {
                cum += Math.exp((logits[index(keep)] - max) / cfg.temperature()) / total;
                keep++;
                if (cum >= cfg.topP()) break;
            }
            n = keep;
            total = 0;
            for (int j = 0; j < n; j++) total += Math.exp((logits[index(j)] - max) / cfg.temperature());
        }
        double u = random.nextDouble() * total;
        for (int j = 0; j < n; j++) {
            u -= Math.exp((logits[index(j)] - max) / cfg.temperature());
            if (u <= 0) return index(j);
        }
        return index(n - 1);
    }

    private int index(int j) {
        return (int) order[j];
    }

    /** The first candidate with the largest logit (as torch.argmax: ties go to the lowest id; {@link Decoding#firstMax} where every id is one). */
    private int argmax(float[] logits) {
        if (candidates.length == logits.length) return Decoding.firstMax(logits);
        int best = candidates[0];
        for (int i : candidates) if (logits[i] > logits[best]) best = i;
        return best;
    }
}
