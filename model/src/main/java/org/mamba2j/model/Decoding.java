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

    /** The greedy pick: the first index with the largest logit (ties go to the lowest id, as torch.argmax; NaN never wins, as the device's argmax). */
    static int firstMax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) if (logits[i] > logits[best] || Float.isNaN(logits[best]) && !Float.isNaN(logits[i])) best = i;
        return best;
    }
}
