package org.mamba2j.model;

import org.mamba2j.device.Precision;

/** What every decoder, of one sequence ({@link Decoder}) or of a batch ({@link BatchDecoder}), tells about itself. */
public interface Decoding extends AutoCloseable {

    /** Vocabulary rows of the logits (the padded vocabulary). */
    int vocab();

    String deviceName();

    /** The precision the products run at (the JVM's: exact). */
    default Precision precision() {
        return Precision.EXACT;
    }

    /** The last step's profile on a device (null on the JVM). */
    default StepProfile lastStep() {
        return null;
    }

    @Override
    default void close() {
    }
}
