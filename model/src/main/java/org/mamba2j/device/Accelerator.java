package org.mamba2j.device;

import org.mamba2j.model.BatchDecoder;
import org.mamba2j.model.Decoder;
import org.mamba2j.model.Mamba2Model;
import org.mamba2j.ssd.SsdBackend;

import java.nio.file.Path;
import java.util.List;

/**
 * The devices beyond the JVM: implemented by the TornadoVM module and found with
 * {@link java.util.ServiceLoader} through {@link Accelerators}, so this module builds and runs
 * without TornadoVM. Every failure is an exception with a one-line message.
 */
public interface Accelerator {

    /** Whether the JVM runs with this accelerator's runtime (for TornadoVM: started with its argfile). */
    boolean available();

    /** Every device the runtime sees. */
    List<DeviceInfo> devices();

    /**
     * @param deviceConfig a device config file overriding the one picked by device name, or null
     */
    SsdBackend openSsd(DeviceSpec spec, Path deviceConfig);

    /** The whole model on a device: prefill and decoding. */
    Decoder openDecoder(Mamba2Model model, DeviceSpec spec, Path deviceConfig);

    /** The whole model on a device for {@code capacity} sequences decoded together. */
    BatchDecoder openBatchDecoder(Mamba2Model model, DeviceSpec spec, Path deviceConfig, int capacity);
}
