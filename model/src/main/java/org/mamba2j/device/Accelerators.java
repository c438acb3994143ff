package org.mamba2j.device;

import java.util.Optional;
import java.util.ServiceLoader;

/** Finds the {@link Accelerator} of this build, and says in one line why a device cannot be had. */
public final class Accelerators {

    /** Why a TornadoVM device cannot be opened when this build has no TornadoVM module. */
    public static final String NOT_BUILT = "this build has no TornadoVM support: rebuild with TORNADO_SDK set to a TornadoVM 5.2 (jdk25) SDK (scripts/build)";

    /** Why it cannot be opened when the JVM was not started with TornadoVM. */
    public static final String NOT_STARTED = "TornadoVM is not running: set TORNADO_SDK to a TornadoVM 5.2 (jdk25) SDK and launch through scripts/mamba2";

    private static final Optional<Accelerator> FOUND = ServiceLoader.load(Accelerator.class).findFirst();

    private Accelerators() {
    }

    /** The accelerator, when it is built in and its runtime runs in this JVM. */
    public static Optional<Accelerator> active() {
        return FOUND.filter(Accelerator::available);
    }

    /**
     * The accelerator for {@code spec}.
     *
     * @throws IllegalStateException with one line when it is not built in or not running
     */
    public static Accelerator require(DeviceSpec spec) {
        Accelerator a = FOUND.orElseThrow(() -> new IllegalStateException("device " + spec + ": " + NOT_BUILT));
        if (!a.available()) throw new IllegalStateException("device " + spec + ": " + NOT_STARTED);
        return a;
    }
}
