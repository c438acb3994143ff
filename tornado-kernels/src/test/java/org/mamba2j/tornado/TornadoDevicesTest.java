package org.mamba2j.tornado;

import org.junit.jupiter.api.Test;
import org.mamba2j.tornado.ssd.SsdPlan;

import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** OpenCL queues time-stamp their commands only when something reads the times, or when the user says so. */
class TornadoDevicesTest {

    private static String chosen(String... keyValues) {
        Properties p = new Properties();
        for (int i = 0; i < keyValues.length; i += 2) p.setProperty(keyValues[i], keyValues[i + 1]);
        TornadoDevices.chooseOpenClProfiling(p);
        return p.getProperty(TornadoDevices.OPENCL_PROFILING);
    }

    @Test
    void offUnlessKernelTimesAreAskedFor() {
        assertEquals("False", chosen());
        assertEquals("False", chosen(SsdPlan.PROFILE, "false", TornadoDevices.PROFILER, "False"));
    }

    @Test
    void onForTheProfileOptionOrTornadoVmsProfiler() {
        assertEquals("True", chosen(SsdPlan.PROFILE, "true"));
        assertEquals("True", chosen(TornadoDevices.PROFILER, "True"));
    }

    @Test
    void aValueTheUserGaveIsKept() {
        assertEquals("True", chosen(TornadoDevices.OPENCL_PROFILING, "True"));
        assertEquals("False", chosen(TornadoDevices.OPENCL_PROFILING, "False", SsdPlan.PROFILE, "true"));
    }
}
