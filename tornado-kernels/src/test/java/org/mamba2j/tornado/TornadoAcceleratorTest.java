package org.mamba2j.tornado;

import org.junit.jupiter.api.Test;
import org.mamba2j.device.Accelerator;
import org.mamba2j.device.Accelerators;
import org.mamba2j.device.DeviceSpec;

import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Without TornadoVM's runtime (unit tests run on the plain JVM) the accelerator is found but says it does not run. */
class TornadoAcceleratorTest {

    @Test
    void theServiceIsRegistered() {
        Accelerator a = ServiceLoader.load(Accelerator.class).findFirst().orElseThrow();
        assertInstanceOf(TornadoAccelerator.class, a);
        assertFalse(a.available(), "tests run without the TornadoVM argfile");
    }

    @Test
    void withoutTornadoVmRunningADeviceSaysSoInOneLine() {
        assertTrue(Accelerators.active().isEmpty());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Accelerators.require(DeviceSpec.parse("cuda:0")));
        assertEquals("device cuda:0: " + Accelerators.NOT_STARTED, e.getMessage());
    }

    @Test
    void failuresBecomeOneLine() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> TornadoAccelerator.oneLine("cannot open x", () -> {
            throw new UnsatisfiedLinkError("no libtornado-cuda in java.library.path\n\tat somewhere");
        }));
        assertEquals("cannot open x: no libtornado-cuda in java.library.path", e.getMessage());
        IllegalArgumentException kept = assertThrows(IllegalArgumentException.class, () -> TornadoAccelerator.oneLine("x", () -> {
            throw new IllegalArgumentException("no device opencl:9: the opencl backend has 1 device(s)");
        }));
        assertEquals("no device opencl:9: the opencl backend has 1 device(s)", kept.getMessage());
    }
}
