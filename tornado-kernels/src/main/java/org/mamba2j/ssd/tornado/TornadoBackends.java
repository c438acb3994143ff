package org.mamba2j.ssd.tornado;

import org.mamba2j.ssd.SsdBackend;

import java.lang.reflect.InvocationTargetException;
import java.nio.file.Path;

/**
 * The way in to the TornadoVM backend for code that must run without TornadoVM (the runner, CI):
 * it parses the device spec and checks that the JVM was started with TornadoVM before any class
 * that refers to TornadoVM is loaded (TornadoSsd is reached by reflection). Every failure is an
 * exception with one clear line.
 */
public final class TornadoBackends {

    /** System property the SDK's tornado-argfile sets; without it the TornadoVM runtime cannot start. */
    static final String RUNTIME_PROPERTY = "tornado.load.runtime.implementation";

    private TornadoBackends() {
    }

    /** Whether this JVM was started with TornadoVM (its argfile and module path). */
    public static boolean available() {
        if (System.getProperty(RUNTIME_PROPERTY) == null) return false;
        try {
            Class.forName("uk.ac.manchester.tornado.api.runtime.TornadoRuntimeProvider", false, TornadoBackends.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /**
     * Opens the SSD backend on the device named by {@code spec} ({@link DeviceSpec#FORMAT}). Its
     * forward runs each call's chunk size as given; {@link SsdBackend#preferredChunkSize} says the
     * device config's.
     *
     * @param deviceConfig a device config file (the CLI's --device-config), or null to pick by device name
     */
    public static SsdBackend open(String spec, Path deviceConfig) {
        DeviceSpec ds = DeviceSpec.parse(spec);
        if (!available()) {
            throw new IllegalStateException("TornadoVM is not available: device " + ds + " needs the JVM started with the TornadoVM SDK"
                    + " (java @$TORNADO_SDK/etc/tornado-argfile ..., or the SDK's `tornado` launcher)");
        }
        try {
            Class<?> k = Class.forName("org.mamba2j.ssd.tornado.TornadoSsd");
            return (SsdBackend) k.getMethod("open", DeviceSpec.class, Path.class, boolean.class).invoke(null, ds, deviceConfig, true);
        } catch (InvocationTargetException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException r && r.getMessage() != null && !r.getMessage().contains("\n")) throw r;
            throw new IllegalStateException("cannot open TornadoVM device " + ds + ": " + firstLine(c), c);
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new IllegalStateException("cannot open TornadoVM device " + ds + ": " + firstLine(e), e);
        }
    }

    static String firstLine(Throwable t) {
        String m = t.getMessage() == null ? t.getClass().getName() : t.getMessage();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
