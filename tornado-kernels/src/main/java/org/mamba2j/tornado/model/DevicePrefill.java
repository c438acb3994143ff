package org.mamba2j.tornado.model;

import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

/** A prompt through the model on the device, all positions at once: {@link PrefillPlan}, or two of them ({@link ReplayedPrefill}). */
public interface DevicePrefill {

    /**
     * Runs {@code prompt} from zero states; returns the logits after its last token (vocab), valid until the next call. Its states
     * stay on the device, in the buffer the prefill was opened with ({@link DecodePlan#deviceStates}, {@link BatchDecodePlan#handoff}).
     */
    FloatArray run(int[] prompt);
}
