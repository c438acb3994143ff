package org.mamba2j.model;

/**
 * Where a batch of sequences is decoded together, one slot per sequence: each slot is prefilled on
 * its own ({@link #prefill}), then every step advances the chosen slots at once, reading each weight
 * once for all of them ({@link JvmBatchDecoder}, {@link org.mamba2j.tornado.model.TornadoBatchDecoder}).
 * A slot left out of a step keeps its state. Logits arrays are owned by the decoder and overwritten
 * by the next call on that slot.
 */
public interface BatchDecoder extends Decoding {

    /** The most sequences one batch holds, here and in {@link BatchGenerator}. */
    int MAX_BATCH = 256;

    /** Slots: sequences that can be decoded together. */
    int capacity();

    /** Starts slot {@code slot} with {@code prompt}; returns the logits after its last token. */
    float[] prefill(int slot, int[] prompt);

    /**
     * Feeds {@code tokens[s]} to every slot s with {@code active[s]} (the others keep their state and
     * their token is ignored), as one step for all of them.
     */
    void step(int[] tokens, boolean[] active);

    /** Slot {@code slot}'s logits after the last step that advanced it (vocab). */
    float[] logits(int slot);

    /**
     * Slot {@code slot}'s greedy pick after the last step that advanced it: the lowest id with the
     * largest logit among all of them ({@link Decoding#firstMax}), as {@link Sampler} picks greedily. A device picks it where the
     * logits are, so that they need not come back.
     */
    default int argmax(int slot) {
        return Decoding.firstMax(logits(slot));
    }

    /** Checks a batch size against {@link #MAX_BATCH}. */
    static int checkCapacity(int slots) {
        if (slots < 1 || slots > MAX_BATCH) throw new IllegalArgumentException("a batch holds 1 to " + MAX_BATCH + " sequences, not " + slots);
        return slots;
    }
}
