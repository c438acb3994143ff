package org.mamba2j.model;

import org.mamba2j.device.Accelerators;
import org.mamba2j.device.DeviceSpec;

import java.nio.file.Path;

/** Opens the decoder for a --device spec: the JVM, or a device of the accelerator. */
public final class Decoders {

    private Decoders() {
    }

    /**
     * @param deviceConfig a device config file overriding the one picked by device name, or null
     * @throws IllegalArgumentException for a malformed spec; IllegalStateException when no accelerator runs
     */
    public static Decoder open(Mamba2Model model, String device, Path deviceConfig) {
        if (device.equals("jvm")) return new JvmDecoder(model);
        DeviceSpec spec = DeviceSpec.parse(device);
        return Accelerators.require(spec).openDecoder(model, spec, deviceConfig);
    }

    /** A batch decoder of {@code capacity} slots for a --device spec; same failures as {@link #open}. */
    public static BatchDecoder openBatch(Mamba2Model model, String device, Path deviceConfig, int capacity) {
        BatchDecoder.checkCapacity(capacity);
        if (device.equals("jvm")) return new JvmBatchDecoder(model, capacity);
        DeviceSpec spec = DeviceSpec.parse(device);
        return Accelerators.require(spec).openBatchDecoder(model, spec, deviceConfig, capacity);
    }
}
