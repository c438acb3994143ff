package org.mamba2j.tornado.model;

import uk.ac.manchester.tornado.api.types.arrays.TornadoNativeArray;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The bytes a {@link ModelPlan} will put on its device, counted from the off-heap arrays its graphs
 * hold (weights as stored there, states, activations) before anything is allocated there, and the
 * check that they fit the device.
 */
public final class DeviceMemoryPlan {

    /** Bytes by part ("weights", "decode", ...), in the order the parts came. */
    private final Map<String, Long> parts = new LinkedHashMap<>();
    private long largest;

    /** Counts {@code arrays} (off-heap arrays) towards {@code part}. */
    public void reserve(String part, Object... arrays) {
        for (Object a : arrays) {
            long bytes = ((TornadoNativeArray) a).getNumBytesOfSegment();
            parts.merge(part, bytes, Long::sum);
            largest = Math.max(largest, bytes);
        }
    }

    /** Bytes of one part so far (0 when it has none). */
    public long bytes(String part) {
        return parts.getOrDefault(part, 0L);
    }

    public long bytes() {
        return parts.values().stream().mapToLong(Long::longValue).sum();
    }

    /** E.g. "device memory 6.12 GB planned (weights 5.40, decode 0.70, prefill 0.02)". */
    public String describe() {
        StringBuilder by = new StringBuilder();
        parts.forEach((k, v) -> by.append(by.isEmpty() ? "" : ", ").append(k).append(' ').append(String.format(Locale.ROOT, "%.2f", v / 1e9)));
        return String.format(Locale.ROOT, "device memory %.2f GB planned (%s)", bytes() / 1e9, by);
    }

    /**
     * Fails with one line when the plan exceeds {@code device}'s {@code total} bytes or one array
     * exceeds the most it allocates at once ({@code oneArray}); ≤ 0: not known, not checked.
     */
    public void checkFits(String device, long total, long oneArray) {
        if (total > 0 && bytes() > total) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "the model does not fit %s: %s, the device has %.2f GB",
                    device, describe(), total / 1e9));
        }
        if (oneArray > 0 && largest > oneArray) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "the model does not fit %s: an array of %.2f GB, the device allocates at most %.2f GB at once", device, largest / 1e9, oneArray / 1e9));
        }
    }
}
