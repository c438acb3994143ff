package org.mamba2j.model;

/**
 * How to pick tokens and when to stop. {@code temperature} 0 is greedy; {@code topK} 0 and
 * {@code topP} 1 disable those filters; {@code repetitionPenalty} 1 disables it (HF semantics:
 * divide positive logits, multiply negative ones, for every token already in the prompt or output).
 * Generation ends at an id of {@code eosTokens} (the model's end of sequence) or of
 * {@code stopTokens} (the caller's additions); that id is not emitted.
 */
public record GenerationConfig(int maxTokens, float temperature, int topK, float topP, float repetitionPenalty,
                               long seed, int[] stopTokens, int[] eosTokens) {

    public GenerationConfig {
        if (maxTokens < 0) throw new IllegalArgumentException("max tokens must be >= 0, got " + maxTokens);
        if (!(temperature >= 0) || Float.isInfinite(temperature)) throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
        if (topK < 0) throw new IllegalArgumentException("top-k must be >= 0, got " + topK);
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
        if (!(repetitionPenalty > 0) || Float.isInfinite(repetitionPenalty)) throw new IllegalArgumentException("repetition penalty must be > 0, got " + repetitionPenalty);
        stopTokens = stopTokens == null ? new int[0] : stopTokens.clone();
        eosTokens = eosTokens == null ? new int[0] : eosTokens.clone();
    }

    /** Sampling settings without end-of-sequence ids. */
    public GenerationConfig(int maxTokens, float temperature, int topK, float topP, float repetitionPenalty, long seed, int[] stopTokens) {
        this(maxTokens, temperature, topK, topP, repetitionPenalty, seed, stopTokens, null);
    }

    public static GenerationConfig greedy(int maxTokens) {
        return new GenerationConfig(maxTokens, 0f, 0, 1f, 1f, 0L, null, null);
    }

    /** This config ending at the given end-of-sequence ids (none: null or empty). */
    public GenerationConfig withEos(int[] eos) {
        return new GenerationConfig(maxTokens, temperature, topK, topP, repetitionPenalty, seed, stopTokens, eos);
    }

    /** Why {@code token} ends generation, or null when it does not (an EOS id that is also a stop id counts as EOS). */
    StopReason stopFor(int token) {
        if (contains(eosTokens, token)) return StopReason.EOS;
        if (contains(stopTokens, token)) return StopReason.STOP_ID;
        return null;
    }

    private static boolean contains(int[] ids, int token) {
        for (int s : ids) if (s == token) return true;
        return false;
    }
}
