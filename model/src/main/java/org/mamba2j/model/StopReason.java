package org.mamba2j.model;

/** Why generation ended. */
public enum StopReason {
    /** The model produced one of its end-of-sequence ids (the config's {@code eos_token_id}). */
    EOS,
    /** The model produced one of the ids the caller added with {@code --stop}. */
    STOP_ID,
    /** The requested number of tokens came out. */
    MAX_TOKENS;

    /** The name in JSON output: {@code eos}, {@code stop_id}, {@code max_tokens}. */
    public String jsonName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
