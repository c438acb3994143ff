package org.mamba2j.model;

/**
 * Where one sequence is decoded: the JVM ({@link JvmDecoder}) or a TornadoVM device
 * ({@link TornadoDecoder}). Logits arrays are owned by the decoder and overwritten by the next call.
 */
public interface Decoder extends Decoding {

    /** Starts a new sequence with {@code prompt} and returns the logits after its last token. */
    float[] prefill(int[] prompt);

    /** Feeds one more token and returns the logits after it. */
    float[] step(int token);
}
