package org.mamba2j.model;

import java.util.Arrays;
import java.util.function.IntConsumer;
import java.util.function.IntPredicate;
import java.util.stream.IntStream;

/**
 * Autoregressive generation: one chunked prefill of the prompt, then one recurrent step per token.
 * Each token goes to {@code onToken} as soon as it is chosen (a stop token ends generation and is
 * not emitted). By default every row of the logits is a candidate, as in mamba_ssm's and HF's
 * {@code generate}: the model's whole vocabulary, including ids a tokenizer may not know.
 */
public final class Generator {

    /** What came out, with timings: prefill is the prompt pass, decode the per-token steps after it. */
    public record Result(int[] promptIds, int[] tokens, StopReason stopReason, double prefillMs, int decodeSteps, double decodeMs) {
        public double decodeTokensPerSecond() {
            return decodeSteps == 0 ? 0 : decodeSteps / (decodeMs / 1000.0);
        }
    }

    private final Decoder decoder;
    private final int[] candidates;

    /** Candidates: every id of the model's vocabulary (all logit rows). */
    public Generator(Decoder decoder) {
        this(decoder, id -> true);
    }

    /** Candidates: the ids of the model's vocabulary that {@code candidate} accepts (at least one). */
    public Generator(Decoder decoder, IntPredicate candidate) {
        this.decoder = decoder;
        this.candidates = IntStream.range(0, decoder.vocab()).filter(candidate).toArray();
        if (candidates.length == 0) throw new IllegalArgumentException("no id of the vocabulary [0, " + decoder.vocab() + ") is a candidate");
    }

    public Generator(Mamba2Model model) {
        this(new JvmDecoder(model));
    }

    public Generator(Mamba2Model model, IntPredicate candidate) {
        this(new JvmDecoder(model), candidate);
    }

    public Result generate(int[] prompt, GenerationConfig cfg, IntConsumer onToken) {
        if (prompt.length == 0) throw new IllegalArgumentException("the prompt needs at least one token");
        Sampler sampler = new Sampler(cfg, candidates, decoder.vocab());
        for (int t : prompt) sampler.observe(t);
        int[] out = new int[cfg.maxTokens()];
        int n = 0, steps = 0;
        StopReason reason = StopReason.MAX_TOKENS;
        long t0 = System.nanoTime();
        float[] logits = cfg.maxTokens() == 0 ? null : decoder.prefill(prompt);
        long t1 = System.nanoTime();
        while (n < cfg.maxTokens()) {
            int tok = sampler.next(logits);
            StopReason stop = cfg.stopFor(tok);
            if (stop != null) {
                reason = stop;
                break;
            }
            out[n++] = tok;
            sampler.observe(tok);
            onToken.accept(tok);
            if (n < cfg.maxTokens()) {
                logits = decoder.step(tok);
                steps++;
            }
        }
        long t2 = System.nanoTime();
        return new Result(prompt.clone(), Arrays.copyOf(out, n), reason, (t1 - t0) / 1e6, steps, (t2 - t1) / 1e6);
    }
}
