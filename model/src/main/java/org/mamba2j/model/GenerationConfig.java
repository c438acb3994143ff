package org.mamba2j.model;

/**
 * How to pick tokens. {@code temperature} 0 is greedy; {@code topK} 0 and {@code topP} 1 disable
 * those filters; {@code repetitionPenalty} 1 disables it (HF semantics: divide positive logits,
 * multiply negative ones, for every token already in the prompt or output).
 */
public record GenerationConfig(int maxTokens, float temperature, int topK, float topP, float repetitionPenalty,
                               long seed, int[] stopTokens) {

    public GenerationConfig {
        if (maxTokens < 0) throw new IllegalArgumentException("max tokens must be >= 0, got " + maxTokens);
        if (!(temperature >= 0) || Float.isInfinite(temperature)) throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
        if (topK < 0) throw new IllegalArgumentException("top-k must be >= 0, got " + topK);
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
        if (!(repetitionPenalty > 0) || Float.isInfinite(repetitionPenalty)) throw new IllegalArgumentException("repetition penalty must be > 0, got " + repetitionPenalty);
        stopTokens = stopTokens == null ? new int[0] : stopTokens.clone();
    }

    public static GenerationConfig greedy(int maxTokens) {
        return new GenerationConfig(maxTokens, 0f, 0, 1f, 1f, 0L, null);
    }

    boolean isStop(int token) {
        for (int s : stopTokens) if (s == token) return true;
        return false;
    }
}
