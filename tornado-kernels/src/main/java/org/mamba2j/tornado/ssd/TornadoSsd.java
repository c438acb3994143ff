package org.mamba2j.tornado.ssd;

import org.mamba2j.device.DeviceSpec;
import org.mamba2j.device.Precision;

import org.mamba2j.ssd.SsdBackend;
import org.mamba2j.ssd.SsdInputs;
import org.mamba2j.ssd.SsdShape;
import org.mamba2j.tornado.DeviceConfig;
import org.mamba2j.tornado.TornadoDevices;
import uk.ac.manchester.tornado.api.common.TornadoDevice;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * SSD on a TornadoVM device. Plans are compiled per (shape, optional inputs) on first use and
 * cached. Open it through the {@link org.mamba2j.tornado.TornadoAccelerator}, which checks that
 * TornadoVM runs before this class (and with it the TornadoVM API) is loaded.
 */
public final class TornadoSsd implements SsdBackend {

    /** Compiled plans kept per backend; the least recently used one is freed beyond this. */
    private static final int MAX_PLANS = 16;

    private final DeviceSpec spec;
    private final TornadoDevice device;
    private final DeviceConfig config;
    private final boolean keepChunkSize;
    private final Map<Object, AutoCloseable> plans = new LinkedHashMap<>(16, 0.75f, true);
    private volatile long lastKernelNanos = -1;

    private TornadoSsd(DeviceSpec spec, TornadoDevice device, DeviceConfig config, boolean keepChunkSize) {
        this.spec = spec;
        this.device = device;
        this.config = config;
        this.keepChunkSize = keepChunkSize;
    }

    /**
     * @param deviceConfig a device config file, or null to pick one by the device's name
     * @param keepChunkSize use each call's chunk size instead of the config's preferred one
     */
    public static TornadoSsd open(DeviceSpec spec, Path deviceConfig, boolean keepChunkSize) {
        TornadoDevice device = TornadoDevices.device(spec);
        return new TornadoSsd(spec, device, DeviceConfig.forSpec(TornadoDevices.deviceName(device), spec, deviceConfig), keepChunkSize);
    }

    /** Opens with an explicit config (the integration check forces kernel variants this way). */
    public static TornadoSsd open(DeviceSpec spec, DeviceConfig config, boolean keepChunkSize) {
        return new TornadoSsd(spec, TornadoDevices.device(spec), config, keepChunkSize);
    }

    public DeviceSpec spec() {
        return spec;
    }

    public DeviceConfig config() {
        return config;
    }

    @Override
    public Precision precision() {
        return config.precision();
    }

    @Override
    public String deviceName() {
        return TornadoDevices.deviceName(device) + " (" + spec + ", TornadoVM, config " + config.name() + ", precision " + config.precision().label() + ")";
    }

    private record PlanKey(String kind, SsdShape shape, SsdDims.Flags flags) {
    }

    @SuppressWarnings("unchecked")
    private synchronized <P extends AutoCloseable> P plan(PlanKey key, java.util.function.Supplier<P> build) {
        AutoCloseable p = plans.get(key);
        if (p == null) {
            p = build.get();
            plans.put(key, p);
            if (plans.size() > MAX_PLANS) {
                var eldest = plans.entrySet().iterator().next();
                plans.remove(eldest.getKey());
                try {
                    eldest.getValue().close();
                } catch (Exception e) {
                    // best effort
                }
            }
        }
        return (P) p;
    }

    @Override
    public int preferredChunkSize(int requested) {
        return config.chunkSizeFor(requested);
    }

    @Override
    public void forward(SsdShape shape, SsdInputs in, float[] y, float[] finalState) {
        in.validateForward(shape, y, finalState);
        SsdShape s = keepChunkSize ? shape : shape.withChunkSize(preferredChunkSize(shape.chunkSize()));
        SsdDims.Flags f = SsdDims.Flags.of(in);
        SsdPlan p = plan(new PlanKey("forward", s, f), () -> new SsdPlan(s, f, device, config));
        p.run(in, y, finalState);
        lastKernelNanos = p.lastKernelNanos();
    }

    @Override
    public void step(SsdShape shape, SsdInputs in, float[] state, float[] y) {
        SsdShape s = in.validateStep(shape, state, y);
        SsdDims.Flags f = SsdDims.Flags.of(in);
        StepPlan p = plan(new PlanKey("step", s, f), () -> new StepPlan(s, f, device, config, false, null));
        p.run(in, state, y);
        lastKernelNanos = p.lastKernelNanos();
    }

    @Override
    public StepSession openSteps(SsdShape shape, SsdInputs like, float[] initialState) {
        SsdShape s = shape.withSeqlen(1);
        StepPlan p = residentSteps(s, SsdDims.Flags.of(like), initialState);
        return new StepSession() {
            @Override
            public void step(SsdInputs in, float[] y) {
                in.validate(s);
                p.run(in, null, y);
                lastKernelNanos = p.lastKernelNanos();
            }

            @Override
            public void readState(float[] out) {
                p.readState(out);
            }

            @Override
            public void close() {
                p.close();
            }
        };
    }

    @Override
    public double lastKernelMillis() {
        return lastKernelNanos < 0 ? Double.NaN : lastKernelNanos / 1e6;
    }

    /**
     * A decode session whose state stays on the device between steps (resident {@link StepPlan}):
     * call {@code run(in, null, y)} per token and {@code readState} when the state is needed.
     */
    public StepPlan residentSteps(SsdShape shape, SsdDims.Flags flags, float[] initialState) {
        return new StepPlan(shape, flags, device, config, true, initialState);
    }

    @Override
    public synchronized void close() {
        for (AutoCloseable p : plans.values()) {
            try {
                p.close();
            } catch (Exception e) {
                // best effort
            }
        }
        plans.clear();
    }
}
