package org.mamba2j.device;

import java.util.Locale;

/**
 * A device named on the command line: {@code opencl:<i>}, {@code ptx:<i>}, {@code cuda:<i>} or
 * {@code spirv:<i>}, where i is the device's index within that TornadoVM backend, as
 * {@code mamba2 devices} lists it, and the precision asked for there ({@code --precision}; null: the
 * device config's). Plain Java: parsing loads no TornadoVM class.
 */
public record DeviceSpec(Backend backend, int index, Precision precision) {

    /** The TornadoVM backends, by the name of their TornadoVMBackendType constant. */
    public enum Backend {
        /** OpenCL C, for any OpenCL GPU or CPU driver. */
        OPENCL,
        /** PTX assembly, run through the CUDA driver API on NVIDIA GPUs. */
        PTX,
        /** CUDA C compiled at run time by NVRTC, on NVIDIA GPUs. */
        CUDA,
        /** SPIR-V, for Intel GPUs and other drivers that accept it. */
        SPIRV;

        /** The lower-case name used in device specs, argfiles and TornadoVM's driver module names. */
        public String specName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The backend whose {@link #specName} is {@code name} in any case, or null. */
        public static Backend named(String name) {
            for (Backend b : values()) {
                if (b.specName().equalsIgnoreCase(name)) return b;
            }
            return null;
        }

        /** Whether TornadoVM can capture this backend's task graphs as CUDA graphs (PTX and CUDA; it refuses on OpenCL). */
        public boolean capturesCudaGraphs() {
            return this == PTX || this == CUDA;
        }
    }

    public static final String FORMAT = "opencl:<i>, ptx:<i>, cuda:<i> or spirv:<i>, optionally /exact or /fast";

    public DeviceSpec {
        if (index < 0) throw new IllegalArgumentException("device index must be >= 0, got " + index);
    }

    /** A device at the precision its device config picks. */
    public DeviceSpec(Backend backend, int index) {
        this(backend, index, null);
    }

    /** This device at {@code p} (null: the device config's). */
    public DeviceSpec withPrecision(Precision p) {
        return new DeviceSpec(backend, index, p);
    }

    /**
     * Parses a spec, {@code backend[:index][/precision]}; a missing index means 0, a missing precision
     * the device config's. Throws IllegalArgumentException with a one-line message.
     */
    public static DeviceSpec parse(String spec) {
        if (spec == null || spec.isBlank()) throw new IllegalArgumentException("empty device spec: expected " + FORMAT);
        String s = spec.trim().toLowerCase(Locale.ROOT);
        Precision precision = null;
        int slash = s.indexOf('/');
        if (slash >= 0) {
            try {
                precision = Precision.parse(s.substring(slash + 1));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("bad precision in '" + spec + "': expected " + FORMAT);
            }
            s = s.substring(0, slash);
        }
        int colon = s.indexOf(':');
        String name = colon < 0 ? s : s.substring(0, colon);
        Backend backend = Backend.named(name);
        if (backend == null) throw new IllegalArgumentException("unknown device spec '" + spec + "': expected " + FORMAT);
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
        return new DeviceSpec(backend, index, precision);
    }

    /** The spec as parsed back: backend:index, then /precision when one was asked for. */
    @Override
    public String toString() {
        return backend.specName() + ":" + index + (precision == null ? "" : "/" + precision.label());
    }

    /**
     * A --device value at the --precision option's value: {@code spec} with /precision added unless it
     * names one (or is the JVM, which computes in float32 only); {@code spec} as it is when p is null.
     */
    public static String atPrecision(String spec, Precision p) {
        if (p == null || spec.equals("jvm") || spec.contains("/")) return spec;
        return spec + "/" + p.label();
    }
}
