package org.mamba2j.model;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next token from logits: repetition penalty, then greedy or temperature with top-k and
 * top-p. All scratch space is allocated once per sampler; logits are modified in place.
 */
final class Sampler {

    private final GenerationConfig cfg;
    private final int vocab;
    private final boolean[] seen;
    private final long[] order;     // (sortable logit bits << 32 | index), for top-k/top-p
    private final SplittableRandom random;

    /** {@code vocab}: candidates are ids [0, vocab) (rows beyond the tokenizer are never picked). */
    Sampler(GenerationConfig cfg, int vocab) {
        this.cfg = cfg;
        this.vocab = vocab;
        this.seen = new boolean[vocab];
        this.order = new long[vocab];
        this.random = new SplittableRandom(cfg.seed());
    }

    void observe(int token) {
        if (token >= 0 && token < vocab) seen[token] = true;
    }

    int next(float[] logits) {
        float r = cfg.repetitionPenalty();
        if (r != 1f) {
            for (int i = 0; i < vocab; i++) if (seen[i]) logits[i] = logits[i] > 0 ? logits[i] / r : logits[i] * r;
        }
        if (cfg.temperature() == 0f || cfg.topK() == 1) return argmax(logits);
        // Candidates sorted by logit, descending: a float's bits, flipped for negatives, sort as ints.
        for (int i = 0; i < vocab; i++) {
            int bits = Float.floatToRawIntBits(logits[i]);
            int key = bits >= 0 ? bits : bits ^ 0x7fffffff;
            order[i] = ((long) ~key << 32) | i;
        }
        Arrays.sort(order, 0, vocab);
        int n = cfg.topK() > 0 ? Math.min(cfg.topK(), vocab) : vocab;
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

    private int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < vocab; i++) if (logits[i] > logits[best]) best = i;
        return best;
    }
}
