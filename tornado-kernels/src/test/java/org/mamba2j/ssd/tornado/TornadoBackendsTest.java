package org.mamba2j.ssd.tornado;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Without TornadoVM (as in CI) the backend fails with one clear line and loads no TornadoVM runtime. */
class TornadoBackendsTest {

    @Test
    void withoutTornadoVmOpeningSaysSoInOneLine() {
        assertFalse(TornadoBackends.available(), "tests run without the TornadoVM argfile");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> TornadoBackends.open("cuda:0", null));
        assertTrue(e.getMessage().startsWith("TornadoVM is not available: device ptx:0"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void badSpecIsReportedBeforeLookingForTornadoVm() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TornadoBackends.open("vulkan:0", null));
        assertTrue(e.getMessage().startsWith("unknown device spec 'vulkan:0'"), e.getMessage());
    }

    @Test
    void withoutTheTornadoVmApiOnTheClassPathItStillFailsCleanly() throws Exception {
        // a class loader that sees only this module's classes: no TornadoVM API, no Jackson
        java.net.URL classes = TornadoBackends.class.getProtectionDomain().getCodeSource().getLocation();
        try (var loader = new java.net.URLClassLoader(new java.net.URL[] {classes}, ClassLoader.getPlatformClassLoader())) {
            Class<?> k = Class.forName(TornadoBackends.class.getName(), true, loader);
            assertThrows(ClassNotFoundException.class, () -> Class.forName("uk.ac.manchester.tornado.api.TaskGraph", false, loader));
            var open = k.getMethod("open", String.class, java.nio.file.Path.class);
            var e = assertThrows(java.lang.reflect.InvocationTargetException.class, () -> open.invoke(null, "opencl:1", null));
            assertTrue(e.getCause() instanceof IllegalStateException, String.valueOf(e.getCause()));
            assertTrue(e.getCause().getMessage().startsWith("TornadoVM is not available"), e.getCause().getMessage());
        }
    }
}
