package org.mamba2j.tokenizer;

import java.util.Arrays;

/**
 * Turns a growing token sequence into text pieces as soon as they are whole. A byte-level BPE token
 * can end in the middle of a UTF-8 character; decoding such a prefix yields U+FFFD at its end, so
 * those tokens are held back until a later token completes the character (or {@link #flush()}
 * gives up on it). Decoding restarts after the last emitted token, so each step decodes only the
 * tokens of one pending character, not the whole sequence.
 */
public final class StreamingDecoder {

    private final Tokenizer tokenizer;
    private int[] ids = new int[64];
    private int n, start;

    public StreamingDecoder(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** Adds a token; returns the newly completed text (possibly empty). */
    public String add(int id) {
        if (n == ids.length) ids = Arrays.copyOf(ids, 2 * n);
        ids[n++] = id;
        String text = tokenizer.decode(ids, start, n);
        if (text.endsWith("\uFFFD")) return "";
        start = n;
        return text;
    }

    /** Text still held back (incomplete UTF-8 at the end), decoded as is. */
    public String flush() {
        String text = tokenizer.decode(ids, start, n);
        start = n;
        return text;
    }
}
