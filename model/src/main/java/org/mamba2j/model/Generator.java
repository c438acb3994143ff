package org.mamba2j.model;

import java.util.Arrays;
import java.util.function.IntConsumer;

/**
 * Autoregressive generation: one chunked prefill of the prompt, then one recurrent step per token.
 * Each token goes to {@code onToken} as soon as it is chosen (a stop token ends generation and is
 * not emitted).
 */
public final class Generator {

    /** What came out, with timings: prefill is the prompt pass, decode the per-token steps after it. */
    public record Result(int[] promptIds, int[] tokens, String stopReason, double prefillMs, int decodeSteps, double decodeMs) {
        public double decodeTokensPerSecond() {
            return decodeSteps == 0 ? 0 : decodeSteps / (decodeMs / 1000.0);
        }
    }

    private final Decoder decoder;
    private final int vocabLimit;

    /** {@code vocabLimit}: ids at or above it (padding rows, ids the tokenizer lacks) are never sampled. */
    public Generator(Decoder decoder, int vocabLimit) {
        if (vocabLimit <= 0 || vocabLimit > decoder.vocab()) {
            throw new IllegalArgumentException("vocab limit " + vocabLimit + " outside (0, " + decoder.vocab() + "]");
        }
        this.decoder = decoder;
        this.vocabLimit = vocabLimit;
    }

    public Generator(Mamba2Model model, int vocabLimit) {
        this(new JvmDecoder(model), vocabLimit);
    }

    public Generator(Mamba2Model model) {
        this(model, model.config().paddedVocab());
    }

    public Result generate(int[] prompt, GenerationConfig cfg, IntConsumer onToken) {
        if (prompt.length == 0) throw new IllegalArgumentException("the prompt needs at least one token");
        Sampler sampler = new Sampler(cfg, vocabLimit);
        for (int t : prompt) sampler.observe(t);
        int[] out = new int[cfg.maxTokens()];
        int n = 0, steps = 0;
        String reason = "max_tokens";
        long t0 = System.nanoTime();
        float[] logits = cfg.maxTokens() == 0 ? null : decoder.prefill(prompt);
        long t1 = System.nanoTime();
        while (n < cfg.maxTokens()) {
            int tok = sampler.next(logits);
            if (cfg.isStop(tok)) {
                reason = "stop_token";
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
