package org.mamba2j.tornado.model;

import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

/** A prompt through the model on the device, all positions at once: {@link PrefillPlan}, or two of them ({@link ReplayedPrefill}). */
public interface DevicePrefill {

    /**
     * Runs {@code prompt} from zero states; returns the logits after its last token (vocab), valid until the next call. Its states
     * stay on the device, in the decode plan's buffer where the prefill was opened with one ({@link DecodePlan#deviceStates}).
     */
    FloatArray run(int[] prompt);

    /**
     * Every block's states after the last {@link #run} ({@link PackedStates} layout), on the host, valid until the next call; only
     * for a prefill with states of its own (one opened with a decode plan's throws {@link IllegalStateException}).
     */
    FloatArray states();
}
