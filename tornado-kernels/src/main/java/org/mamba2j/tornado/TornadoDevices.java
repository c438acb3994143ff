package org.mamba2j.tornado;

import org.mamba2j.device.DeviceInfo;
import org.mamba2j.device.DeviceSpec;
import org.mamba2j.tornado.ssd.SsdPlan;
import uk.ac.manchester.tornado.api.TornadoBackend;
import uk.ac.manchester.tornado.api.TornadoRuntime;
import uk.ac.manchester.tornado.api.TornadoTargetDevice;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.runtime.TornadoRuntimeProvider;

import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/** The TornadoVM devices of this JVM: lookup by spec, the names device configs match, the list. */
public final class TornadoDevices {

    /** TornadoVM's switch for time-stamping every OpenCL command (on unless set). */
    static final String OPENCL_PROFILING = "tornado.opencl.profiling.enable";

    /** TornadoVM's profiler switch ({@code -Dtornado.profiler=True}), which reads the time-stamps too. */
    static final String PROFILER = "tornado.profiler";

    private TornadoDevices() {
    }

    /**
     * TornadoVM's runtime, its OpenCL queues time-stamping commands only when kernel times are asked
     * for ({@link SsdPlan#PROFILE} or TornadoVM's profiler) or the property is set: a profiling queue
     * costs NVIDIA's OpenCL driver about a third of a decode token (docs/decode-kernels.md). TornadoVM
     * reads the property once, when its runtime starts.
     */
    private static TornadoRuntime runtime() {
        chooseOpenClProfiling(System.getProperties());
        return TornadoRuntimeProvider.getTornadoRuntime();
    }

    /** Sets {@link #OPENCL_PROFILING} in these properties where unset: on only when kernel times are asked for. */
    static void chooseOpenClProfiling(Properties p) {
        if (p.getProperty(OPENCL_PROFILING) == null) {
            boolean timed = Boolean.parseBoolean(p.getProperty(SsdPlan.PROFILE)) || Boolean.parseBoolean(p.getProperty(PROFILER));
            p.setProperty(OPENCL_PROFILING, timed ? "True" : "False");
        }
    }

    /** The device a spec names; IllegalArgumentException with one line when there is none. */
    public static TornadoDevice device(DeviceSpec spec) {
        TornadoRuntime rt = runtime();
        List<String> present = new ArrayList<>();
        for (int k = 0; k < rt.getNumBackends(); k++) {
            String type = rt.getBackendType(k).name();
            present.add(type.toLowerCase(java.util.Locale.ROOT));
            if (type.equals(spec.backend().name())) {
                TornadoBackend backend = rt.getBackend(k);
                int n = backend.getNumDevices();
                if (spec.index() >= n) {
                    throw new IllegalArgumentException("no device " + spec + ": the " + spec.backend().specName()
                            + " backend has " + n + " device(s)" + (n > 0 ? " (indices 0.." + (n - 1) + ")" : ""));
                }
                return backend.getDevice(spec.index());
            }
        }
        throw new IllegalArgumentException("no " + spec.backend().specName() + " backend in this TornadoVM run"
                + " (it has: " + String.join(", ", present) + ") for device spec " + spec);
    }

    /** The backend a device belongs to. */
    public static DeviceSpec.Backend backend(TornadoDevice device) {
        return DeviceSpec.Backend.valueOf(device.getTornadoVMBackend().name());
    }

    /**
     * Whether a @Parallel loop kernel may run under a GridScheduler worker grid on this backend.
     * Under one, TornadoVM 5.2 reads the loop bound at run time from the plan's kernel-context
     * buffer. Its PTX backend keeps one such buffer per execution plan and refills it for every
     * launch from one pinned host buffer, which the asynchronous copy of the launch before may not
     * have read yet: a loop kernel queued behind a long kernel then runs to the next task's global
     * size. Without a worker grid the bound is the kernel's argument, compiled in. OpenCL writes
     * that buffer with a blocking copy, so its loop kernels keep their grids. The CUDA backend
     * shares the PTX backend's launch path, so it is treated alike.
     */
    public static boolean loopGrids(DeviceSpec.Backend backend) {
        return backend != DeviceSpec.Backend.PTX && backend != DeviceSpec.Backend.CUDA;
    }

    /**
     * The name the hardware reports (TornadoDevice.getDeviceName() is TornadoVM's own id, such as
     * "opencl-0-0"), prefixed by the platform: what device configs match against.
     */
    public static String deviceName(TornadoDevice device) {
        String physical = device.getPhysicalDevice() != null ? device.getPhysicalDevice().getDeviceName() : null;
        String platform = device.getPlatformName();
        String name = physical != null && !physical.isBlank() ? physical : device.getDescription();
        return platform != null && !platform.isBlank() && !name.contains(platform) ? "[" + platform + "] " + name : name;
    }

    /** Every device of every backend TornadoVM started. */
    public static List<DeviceInfo> all() {
        TornadoRuntime rt = runtime();
        List<DeviceInfo> out = new ArrayList<>();
        for (int k = 0; k < rt.getNumBackends(); k++) {
            String type = rt.getBackendType(k).name().toLowerCase(java.util.Locale.ROOT);
            TornadoBackend backend = rt.getBackend(k);
            for (int i = 0; i < backend.getNumDevices(); i++) {
                TornadoDevice d = backend.getDevice(i);
                TornadoTargetDevice physical = d.getPhysicalDevice();
                out.add(new DeviceInfo(type + ":" + i, type, deviceName(d),
                        physical == null ? -1 : physical.getDeviceGlobalMemorySize(),
                        physical == null ? -1 : physical.getDeviceMaxComputeUnits()));
            }
        }
        return out;
    }
}
