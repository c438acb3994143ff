package org.mamba2j.cli;

import org.mamba2j.device.Accelerators;
import org.mamba2j.device.DeviceInfo;
import org.mamba2j.device.DeviceSpec;
import org.mamba2j.ssd.JvmSsd;
import org.mamba2j.ssd.SsdBackend;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Resolves --device specs; every failure becomes a DeviceUnavailableException with one line. */
final class Devices {

    static final String SPECS = "jvm, or with TornadoVM opencl:<i>, ptx:<i>, cuda:<i>, spirv:<i> (see 'mamba2 devices')";

    private Devices() {
    }

    /** The JVM, then each device of the accelerator when it runs in this JVM. */
    static List<DeviceInfo> list() {
        List<DeviceInfo> out = new ArrayList<>();
        out.add(new DeviceInfo("jvm", "jvm", JvmSsd.INSTANCE.deviceName(), Runtime.getRuntime().maxMemory(),
                Runtime.getRuntime().availableProcessors()));
        Accelerators.active().ifPresent(a -> {
            try {
                out.addAll(a.devices());
            } catch (IllegalStateException e) {
                throw new DeviceUnavailableException(Failures.message(e));
            }
        });
        return out;
    }

    static List<String> allSpecs() {
        return list().stream().map(DeviceInfo::spec).toList();
    }

    /** Checks a spec's form and that its runtime runs, without opening anything (so a typo fails before a model loads). */
    static void validate(String spec) {
        if (spec.equals("jvm")) return;
        DeviceSpec parsed;
        try {
            parsed = DeviceSpec.parse(spec);
        } catch (IllegalArgumentException e) {
            throw new DeviceUnavailableException("unknown device '" + spec + "': use " + SPECS);
        }
        try {
            Accelerators.require(parsed);
        } catch (IllegalStateException e) {
            throw new DeviceUnavailableException(e.getMessage());
        }
    }

    static SsdBackend ssdBackend(String spec, Path deviceConfig) {
        validate(spec);
        if (spec.equals("jvm")) return JvmSsd.INSTANCE;
        DeviceSpec parsed = DeviceSpec.parse(spec);
        try {
            return Accelerators.require(parsed).openSsd(parsed, deviceConfig);
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new DeviceUnavailableException(Failures.message(e));
        }
    }
}
