package org.mamba2j.cli;

import org.mamba2j.ssd.JvmSsd;
import org.mamba2j.ssd.SsdBackend;

import java.nio.file.Path;

/** Resolves a --device spec to an SSD backend. */
final class Devices {

    private Devices() {
    }

    /** Every device spec this process can reach: the JVM, then each TornadoVM device. */
    static java.util.List<String> allSpecs() {
        return java.util.List.of("jvm");
    }

    static SsdBackend ssdBackend(String spec, Path deviceConfig) {
        if (spec.equals("jvm")) return JvmSsd.INSTANCE;
        throw new DeviceUnavailableException("unknown device '" + spec + "': use jvm, or opencl:<i>, ptx:<i>, spirv:<i>, cuda:<i> with TornadoVM (see 'mamba2 devices')");
    }
}
