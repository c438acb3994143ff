package org.mamba2j.model;

import org.mamba2j.ssd.tornado.DeviceSpec;
import org.mamba2j.ssd.tornado.TornadoBackends;

import java.nio.file.Path;

/** Opens the decoder for a --device spec: the JVM, or a TornadoVM device. */
public final class Decoders {

    private Decoders() {
    }

    /**
     * @param deviceConfig a device config file overriding the one picked by device name, or null
     * @throws IllegalArgumentException for a malformed spec; IllegalStateException when TornadoVM is absent
     */
    public static Decoder open(Mamba2Model model, String device, Path deviceConfig) {
        if (device.equals("jvm")) return new JvmDecoder(model);
        DeviceSpec spec = DeviceSpec.parse(device);
        // Checked before TornadoDecoder (which links against TornadoVM) is first touched.
        if (!TornadoBackends.available()) {
            throw new IllegalStateException("TornadoVM is not available: device " + spec
                    + " needs the JVM started with the TornadoVM SDK (scripts/mamba2 does this when TORNADO_SDK is set)");
        }
        return TornadoDecoder.open(model, spec, deviceConfig);
    }
}
