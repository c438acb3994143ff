package org.mamba2j.device;

import java.util.Locale;

/**
 * How the matrix products run on a device. {@code EXACT}: float32 operands and accumulation (the
 * portable kernels, every device). {@code FAST}: 16-bit operands on tensor cores with float32
 * accumulation, the cumulative decay and the state passing staying float32; where a device (or its
 * backend) has no tensor-core kernels, FAST runs as EXACT and reports so.
 */
public enum Precision {
    EXACT, FAST;

    /** The lower-case name used on the command line and in device configs. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses "exact" or "fast" (any case); IllegalArgumentException with a one-line message otherwise. */
    public static Precision parse(String s) {
        for (Precision p : values()) {
            if (p.label().equalsIgnoreCase(s == null ? "" : s.trim())) return p;
        }
        throw new IllegalArgumentException("unknown precision '" + s + "': expected exact or fast");
    }
}
