package org.mamba2j.cli;

import org.mamba2j.ssd.JvmSsd;
import org.mamba2j.ssd.SsdBackend;
import org.mamba2j.ssd.tornado.DeviceList;
import org.mamba2j.ssd.tornado.DeviceSpec;
import org.mamba2j.ssd.tornado.TornadoBackends;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Resolves --device specs; every failure becomes a DeviceUnavailableException with one line. */
final class Devices {

    static final String SPECS = "jvm, or with TornadoVM opencl:<i>, ptx:<i>, spirv:<i>, cuda:<i> (see 'mamba2 devices')";

    private Devices() {
    }

    /** The JVM, then each TornadoVM device when this JVM runs with TornadoVM. */
    static List<DeviceList.Entry> list() {
        List<DeviceList.Entry> out = new ArrayList<>();
        out.add(new DeviceList.Entry("jvm", "jvm", JvmSsd.INSTANCE.deviceName(), Runtime.getRuntime().maxMemory(),
                Runtime.getRuntime().availableProcessors()));
        if (TornadoBackends.available()) out.addAll(DeviceList.all());
        return out;
    }

    static List<String> allSpecs() {
        return list().stream().map(DeviceList.Entry::spec).toList();
    }

    /** Checks a spec's form without opening anything (so a typo fails before a model loads). */
    static void validate(String spec) {
        if (spec.equals("jvm")) return;
        try {
            DeviceSpec.parse(spec);
        } catch (IllegalArgumentException e) {
            throw new DeviceUnavailableException("unknown device '" + spec + "': use " + SPECS);
        }
        if (!TornadoBackends.available()) {
            throw new DeviceUnavailableException("device " + spec + " needs TornadoVM: install TornadoVM 5.2 (jdk25) and set TORNADO_SDK, then launch through scripts/mamba2");
        }
    }

    static SsdBackend ssdBackend(String spec, Path deviceConfig) {
        validate(spec);
        if (spec.equals("jvm")) return JvmSsd.INSTANCE;
        try {
            return TornadoBackends.open(spec, deviceConfig);
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new DeviceUnavailableException(Failures.message(e));
        }
    }
}
