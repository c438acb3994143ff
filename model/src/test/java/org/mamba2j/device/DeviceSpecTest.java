package org.mamba2j.device;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DeviceSpecTest {

    @ParameterizedTest
    @CsvSource({"opencl:0,OPENCL,0", "ptx:1,PTX,1", "cuda:2,CUDA,2", "SPIRV:0,SPIRV,0", "opencl,OPENCL,0"})
    void specsParse(String spec, DeviceSpec.Backend backend, int index) {
        assertEquals(new DeviceSpec(backend, index), DeviceSpec.parse(spec));
    }

    @Test
    void cudaIsItsOwnBackendNotAnAliasOfPtx() {
        assertEquals("cuda:0", DeviceSpec.parse("cuda:0").toString());
        assertEquals("ptx:0", DeviceSpec.parse("ptx").toString());
    }

    @Test
    void aSpecMayNameItsPrecision() {
        assertEquals(new DeviceSpec(DeviceSpec.Backend.CUDA, 0, Precision.FAST), DeviceSpec.parse("cuda:0/fast"));
        assertEquals("ptx:1/exact", DeviceSpec.parse("PTX:1/Exact").toString());
        assertEquals(null, DeviceSpec.parse("cuda:0").precision());
        assertEquals("cuda:0/fast", DeviceSpec.atPrecision("cuda:0", Precision.FAST));
        assertEquals("cuda:0/exact", DeviceSpec.atPrecision("cuda:0/exact", Precision.FAST), "the spec's own precision wins");
        assertEquals("jvm", DeviceSpec.atPrecision("jvm", Precision.FAST));
        assertEquals("cuda:0", DeviceSpec.atPrecision("cuda:0", null));
    }

    @ParameterizedTest
    @CsvSource({"metal:0,unknown device spec", "gpu,unknown device spec", "opencl:x,bad device index", "ptx:-1,bad device index", "'',empty device spec",
            "cuda:0/half,bad precision"})
    void badSpecsSayWhatIsExpected(String spec, String start) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DeviceSpec.parse(spec));
        assertTrue(e.getMessage().startsWith(start), e.getMessage());
        assertTrue(e.getMessage().contains(DeviceSpec.FORMAT));
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void withoutTheTornadoVmModuleADeviceSaysHowToGetIt() {
        // this module's tests run without tornado-kernels on the class path: no accelerator service
        assertTrue(Accelerators.active().isEmpty());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Accelerators.require(DeviceSpec.parse("cuda:0")));
        assertEquals("device cuda:0: " + Accelerators.NOT_BUILT, e.getMessage());
    }
}
