package org.mamba2j.model;

/**
 * Where one sequence is decoded: the JVM ({@link JvmDecoder}) or a TornadoVM device
 * ({@link TornadoDecoder}). Logits arrays are owned by the decoder and overwritten by the next call.
 */
public interface Decoder extends AutoCloseable {

    /** Starts a new sequence with {@code prompt} and returns the logits after its last token. */
    float[] prefill(int[] prompt);

    /** Feeds one more token and returns the logits after it. */
    float[] step(int token);

    /** Vocabulary rows of the logits (the padded vocabulary). */
    int vocab();

    String deviceName();

    /** The last step's profile on a device (null on the JVM). */
    default StepProfile lastStep() {
        return null;
    }

    @Override
    default void close() {
    }
}
