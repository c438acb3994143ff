package org.mamba2j.tornado;

import org.mamba2j.device.Accelerator;
import org.mamba2j.device.DeviceInfo;
import org.mamba2j.device.DeviceSpec;
import org.mamba2j.model.BatchDecoder;
import org.mamba2j.model.Decoder;
import org.mamba2j.model.Mamba2Model;
import org.mamba2j.ssd.SsdBackend;
import org.mamba2j.tornado.model.TornadoBatchDecoder;
import org.mamba2j.tornado.model.TornadoDecoder;
import org.mamba2j.tornado.ssd.TornadoSsd;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;

/**
 * TornadoVM as the project's {@link Accelerator} (registered for {@link java.util.ServiceLoader}).
 * The service loader instantiates it wherever this jar is on the class path, TornadoVM or not, so
 * it names no TornadoVM type itself: the classes that do load only after {@link #available()}.
 */
public final class TornadoAccelerator implements Accelerator {

    /** System property the SDK's tornado-argfile sets; without it the TornadoVM runtime cannot start. */
    static final String RUNTIME_PROPERTY = "tornado.load.runtime.implementation";

    @Override
    public boolean available() {
        if (System.getProperty(RUNTIME_PROPERTY) == null) return false;
        try {
            Class.forName("uk.ac.manchester.tornado.api.runtime.TornadoRuntimeProvider", false, TornadoAccelerator.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    @Override
    public List<DeviceInfo> devices() {
        return oneLine("cannot list the TornadoVM devices", TornadoDevices::all);
    }

    /** Its forward runs each call's chunk size as given; {@link SsdBackend#preferredChunkSize} says the device config's. */
    @Override
    public SsdBackend openSsd(DeviceSpec spec, Path deviceConfig) {
        return oneLine("cannot open TornadoVM device " + spec, () -> TornadoSsd.open(spec, deviceConfig, true));
    }

    @Override
    public Decoder openDecoder(Mamba2Model model, DeviceSpec spec, Path deviceConfig) {
        return oneLine("cannot open TornadoVM device " + spec, () -> TornadoDecoder.open(model, spec, deviceConfig));
    }

    @Override
    public BatchDecoder openBatchDecoder(Mamba2Model model, DeviceSpec spec, Path deviceConfig, int capacity) {
        return oneLine("cannot open TornadoVM device " + spec, () -> TornadoBatchDecoder.open(model, spec, deviceConfig, capacity));
    }

    /**
     * Runs {@code action}; a failure of TornadoVM's (often a multi-line message, or an Error from a
     * driver that did not load) becomes an IllegalStateException with one line.
     */
    static <T> T oneLine(String what, Supplier<T> action) {
        try {
            return action.get();
        } catch (IllegalArgumentException | IllegalStateException e) {
            if (e.getMessage() != null && !e.getMessage().contains("\n")) throw e;
            throw new IllegalStateException(what + ": " + firstLine(e), e);
        } catch (RuntimeException | LinkageError e) {
            throw new IllegalStateException(what + ": " + firstLine(e), e);
        } catch (Error e) {
            if (e instanceof VirtualMachineError) throw e;
            throw new IllegalStateException(what + ": " + firstLine(e), e);
        }
    }

    /** The first line of a throwable's message, or its class name (for checks that print one row per failure). */
    public static String firstLine(Throwable t) {
        Throwable root = t;
        while ((root.getMessage() == null || root.getMessage().isBlank()) && root.getCause() != null) root = root.getCause();
        String m = root.getMessage() == null ? root.getClass().getName() : root.getMessage();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
