package org.mamba2j.model;

import java.util.Arrays;
import java.util.List;
import java.util.function.IntPredicate;
import java.util.stream.IntStream;

/**
 * Generation for a batch of prompts at once, each with its own {@link GenerationConfig} (max
 * tokens, stops, sampling): every prompt is prefilled into its own slot, then one step per round
 * advances every sequence still running, the weights read once for all of them. A sequence that
 * stops (end of sequence, a stop id, its max tokens) leaves the batch: its slot is no longer
 * stepped. Each sequence gets exactly what {@link Generator} gives it alone: the same sampling,
 * stops and results, its logits equal up to the summation order of the batched products.
 */
public final class BatchGenerator {

    /** Receives each token as soon as it is chosen: {@code sequence} is the prompt's index. */
    @FunctionalInterface
    public interface TokenListener {
        void accept(int sequence, int token);
    }

    private final BatchDecoder decoder;
    private final int[] candidates;

    /** Candidates: every id of the model's vocabulary (all logit rows). */
    public BatchGenerator(BatchDecoder decoder) {
        this(decoder, id -> true);
    }

    /** Candidates: the ids of the model's vocabulary that {@code candidate} accepts (at least one). */
    public BatchGenerator(BatchDecoder decoder, IntPredicate candidate) {
        this.decoder = decoder;
        this.candidates = IntStream.range(0, decoder.vocab()).filter(candidate).toArray();
        if (candidates.length == 0) throw new IllegalArgumentException("no id of the vocabulary [0, " + decoder.vocab() + ") is a candidate");
    }

    /** One sequence in flight. */
    private static final class Sequence {
        final int[] prompt, out;
        final GenerationConfig cfg;
        final Sampler sampler;
        int n, steps;
        StopReason reason = StopReason.MAX_TOKENS;
        boolean done;
        double prefillMs, decodeMs;

        Sequence(int[] prompt, GenerationConfig cfg, int[] candidates, int vocab) {
            this.prompt = prompt.clone();
            this.cfg = cfg;
            this.out = new int[cfg.maxTokens()];
            this.sampler = new Sampler(cfg, candidates, vocab);
            for (int t : prompt) sampler.observe(t);
            this.done = cfg.maxTokens() == 0;
        }

        /** Picks the next token from slot {@code sequence}'s last step; returns it when the sequence needs a step with it, else -1 (then it is done). */
        int next(BatchDecoder decoder, int sequence, TokenListener onToken) {
            return take(sampler.plainGreedy() ? decoder.argmax(sequence) : sampler.next(decoder.logits(sequence)), sequence, onToken);
        }

        /** Takes {@code tok}: ends the sequence at a stop, else emits it; returns it when the sequence needs a step with it, else -1. */
        int take(int tok, int sequence, TokenListener onToken) {
            StopReason stop = cfg.stopFor(tok);
            if (stop != null) {
                reason = stop;
                done = true;
                return -1;
            }
            out[n++] = tok;
            sampler.observe(tok);
            onToken.accept(sequence, tok);
            if (n < cfg.maxTokens()) return tok;
            done = true;
            return -1;
        }

        Generator.Result result() {
            return new Generator.Result(prompt, Arrays.copyOf(out, n), reason, prefillMs, steps, decodeMs);
        }
    }

    /** Every prompt with the same config. */
    public List<Generator.Result> generate(List<int[]> prompts, GenerationConfig cfg, TokenListener onToken) {
        return generate(prompts, prompts.stream().map(p -> cfg).toList(), onToken);
    }

    /**
     * Generates for {@code prompts[i]} with {@code configs[i]}; returns one result per prompt, in
     * order (prefill time: the prompt's own prefill; decode time: from the first round until the
     * sequence stopped).
     */
    public List<Generator.Result> generate(List<int[]> prompts, List<GenerationConfig> configs, TokenListener onToken) {
        int B = prompts.size();
        if (B == 0) throw new IllegalArgumentException("no prompts to generate for");
        if (configs.size() != B) throw new IllegalArgumentException(configs.size() + " configs for " + B + " prompts");
        if (B > decoder.capacity()) throw new IllegalArgumentException(B + " prompts where the decoder holds " + decoder.capacity());
        Sequence[] seqs = new Sequence[B];
        for (int i = 0; i < B; i++) {
            if (prompts.get(i).length == 0) throw new IllegalArgumentException("prompt " + i + " has no tokens");
            seqs[i] = new Sequence(prompts.get(i), configs.get(i), candidates, decoder.vocab());
        }
        int[] tokens = new int[decoder.capacity()];
        boolean[] active = new boolean[decoder.capacity()];
        for (int i = 0; i < B; i++) {
            if (seqs[i].done) continue;
            long t0 = System.nanoTime();
            float[] logits = decoder.prefill(i, seqs[i].prompt);
            seqs[i].prefillMs = (System.nanoTime() - t0) / 1e6;
            int tok = seqs[i].take(seqs[i].sampler.next(logits), i, onToken);
            active[i] = tok >= 0;
            tokens[i] = Math.max(tok, 0);
        }
        long start = System.nanoTime();
        while (anyOf(active)) {
            decoder.step(tokens, active);
            double now = (System.nanoTime() - start) / 1e6;
            for (int i = 0; i < B; i++) {
                if (!active[i]) continue;
                Sequence s = seqs[i];
                s.steps++;
                int tok = s.next(decoder, i, onToken);
                s.decodeMs = now;
                active[i] = tok >= 0;
                tokens[i] = Math.max(tok, 0);
            }
        }
        return Arrays.stream(seqs).map(Sequence::result).toList();
    }

    private static boolean anyOf(boolean[] flags) {
        for (boolean f : flags) if (f) return true;
        return false;
    }
}
