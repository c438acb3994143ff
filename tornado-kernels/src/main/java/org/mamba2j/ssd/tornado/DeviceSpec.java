package org.mamba2j.ssd.tornado;

import java.util.Locale;

/**
 * A device named on the command line: {@code opencl:<i>}, {@code ptx:<i>}, {@code spirv:<i>} or
 * {@code cuda:<i>} (an alias of ptx), where i is the device's index within that TornadoVM backend,
 * as {@code tornado --devices} lists it. Plain Java: parsing loads no TornadoVM class.
 */
public record DeviceSpec(Backend backend, int index) {

    /** The TornadoVM backends, by the name of their TornadoVMBackendType constant. */
    public enum Backend {
        OPENCL, PTX, SPIRV;

        public String typeName() {
            return name();
        }

        /**
         * Whether a @Parallel loop kernel may run under a GridScheduler worker grid. Under one,
         * TornadoVM 5.2 reads the loop bound at run time from the plan's kernel-context buffer. Its
         * PTX backend keeps one such buffer per execution plan and refills it for every launch from
         * one pinned host buffer, which the asynchronous copy of the launch before may not have read
         * yet: a loop kernel queued behind a long kernel then runs to the next task's global size
         * (on an H200 the prefill's conv stopped short and its logits were off by 140%). Without a
         * worker grid the bound is the kernel's argument, compiled in. OpenCL writes that buffer
         * with a blocking copy, so its loop kernels keep their grids.
         */
        public boolean loopGrids() {
            return this != PTX;
        }
    }

    public static final String FORMAT = "opencl:<i>, ptx:<i>, spirv:<i> or cuda:<i>";

    public DeviceSpec {
        if (index < 0) throw new IllegalArgumentException("device index must be >= 0, got " + index);
    }

    /** Parses a spec; a missing index means 0. Throws IllegalArgumentException with a one-line message. */
    public static DeviceSpec parse(String spec) {
        if (spec == null || spec.isBlank()) throw new IllegalArgumentException("empty device spec: expected " + FORMAT);
        String s = spec.trim().toLowerCase(Locale.ROOT);
        int colon = s.indexOf(':');
        String name = colon < 0 ? s : s.substring(0, colon);
        Backend backend = switch (name) {
            case "opencl" -> Backend.OPENCL;
            case "ptx", "cuda" -> Backend.PTX;
            case "spirv" -> Backend.SPIRV;
            default -> throw new IllegalArgumentException("unknown device spec '" + spec + "': expected " + FORMAT);
        };
        int index = 0;
        if (colon >= 0) {
            String i = s.substring(colon + 1);
            try {
                index = Integer.parseInt(i);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad device index in '" + spec + "': expected " + FORMAT);
            }
            if (index < 0) throw new IllegalArgumentException("bad device index in '" + spec + "': expected " + FORMAT);
        }
        return new DeviceSpec(backend, index);
    }

    @Override
    public String toString() {
        return backend.name().toLowerCase(Locale.ROOT) + ":" + index;
    }
}
