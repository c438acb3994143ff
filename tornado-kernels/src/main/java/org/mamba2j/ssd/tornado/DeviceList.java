package org.mamba2j.ssd.tornado;

import uk.ac.manchester.tornado.api.TornadoBackend;
import uk.ac.manchester.tornado.api.TornadoRuntime;
import uk.ac.manchester.tornado.api.TornadoTargetDevice;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.runtime.TornadoRuntimeProvider;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Every TornadoVM device this JVM sees. Call only when {@link TornadoBackends#available()}. */
public final class DeviceList {

    /** One device: the spec to pass to --device, and what the device reports about itself. */
    public record Entry(String spec, String backend, String name, long globalMemoryBytes, int computeUnits) {
    }

    private DeviceList() {
    }

    public static List<Entry> all() {
        TornadoRuntime rt = TornadoRuntimeProvider.getTornadoRuntime();
        List<Entry> out = new ArrayList<>();
        for (int k = 0; k < rt.getNumBackends(); k++) {
            String type = rt.getBackendType(k).name().toLowerCase(Locale.ROOT);
            TornadoBackend backend = rt.getBackend(k);
            for (int i = 0; i < backend.getNumDevices(); i++) {
                TornadoDevice d = backend.getDevice(i);
                TornadoTargetDevice physical = d.getPhysicalDevice();
                out.add(new Entry(type + ":" + i, type, TornadoSsd.deviceName(d),
                        physical == null ? -1 : physical.getDeviceGlobalMemorySize(),
                        physical == null ? -1 : physical.getDeviceMaxComputeUnits()));
            }
        }
        return out;
    }
}
