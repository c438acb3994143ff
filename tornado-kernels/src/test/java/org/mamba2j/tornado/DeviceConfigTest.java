package org.mamba2j.tornado;


import org.mamba2j.tornado.DeviceConfig.KernelKey;
import org.mamba2j.device.Accelerator;
import org.mamba2j.device.DeviceSpec;
import org.mamba2j.tornado.DeviceConfig.Variant;
import org.mamba2j.device.Precision;
import org.mamba2j.tornado.model.BatchStates;
import org.mamba2j.tornado.model.RowLaunch;
import org.mamba2j.tornado.ssd.SsdTasks;
import org.mamba2j.ssd.SsdShape;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DeviceConfigTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "NVIDIA H200|nvidia.json",
            "NVIDIA GeForce RTX 4090|nvidia.json",
            "cpu-haswell-Intel(R) Xeon(R) Platinum 8480+|pocl-cpu.json",
            "pthread-AMD EPYC 7763 64-Core Processor|pocl-cpu.json",
            "AMD Radeon RX 7900 XTX|amd.json",
            "gfx90a:sramecc+:xnack-|amd.json",
            "Intel(R) UHD Graphics 770|intel-gpu.json",
            "Intel(R) Arc(TM) A770 Graphics|intel-gpu.json",
            "Some Unknown Accelerator|generic.json"})
    void picksTheFileByDeviceName(String device, String file) {
        DeviceConfig c = DeviceConfig.forDevice(device, null);
        assertTrue(c.source().endsWith(file), device + " got " + c.source());
    }

    /** One PoCL device seen through OpenCL and through SPIR-V gets a file for each; Intel GPUs get theirs on either backend. */
    @Test
    void backendsRestrictAFileToThoseBackends(@TempDir Path dir) throws IOException {
        String pocl = "[Portable Computing Language] cpu-haswell-AMD EPYC 7763 64-Core Processor";
        assertTrue(DeviceConfig.forDevice(pocl, DeviceSpec.Backend.SPIRV, null).source().endsWith("pocl-spirv.json"));
        assertTrue(DeviceConfig.forDevice(pocl, DeviceSpec.Backend.OPENCL, null).source().endsWith("pocl-cpu.json"));
        assertTrue(DeviceConfig.forDevice(pocl, null).source().endsWith("pocl-cpu.json"), "no backend known: no backend-only file");
        for (String intel : List.of("[Intel(R) OpenCL Graphics] Intel(R) Arc(TM) A770 Graphics", "Intel(R) Data Center GPU Max 1100",
                "Intel(R) UHD Graphics 770", "Intel(R) Graphics [0x56a0]", "Intel(R) Iris(R) Xe Graphics")) {
            for (DeviceSpec.Backend b : List.of(DeviceSpec.Backend.SPIRV, DeviceSpec.Backend.OPENCL)) {
                DeviceConfig c = DeviceConfig.forDevice(intel, b, null);
                assertTrue(c.source().endsWith("intel-gpu.json"), intel + " on " + b + " got " + c.source());
            }
        }
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, Files.readString(Path.of("../device-configs/pocl-spirv.json")).replace("\"backends\": [\"spirv\"]", "\"backends\": [\"metal\"]"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DeviceConfig.load(bad));
        assertTrue(e.getMessage().contains("unknown backend \"metal\""), e.getMessage());
        Path missing = dir.resolve("missing.json");
        java.io.UncheckedIOException gone = assertThrows(java.io.UncheckedIOException.class, () -> DeviceConfig.load(missing));
        assertEquals("no device config " + missing + " (no such file)", gone.getMessage());
    }

    @Test
    void everyShippedConfigIsCompleteAndAlsoAJarResource() throws IOException {
        assertEquals(DeviceConfig.SHIPPED.size(), DeviceConfig.all().size());
        for (String f : DeviceConfig.SHIPPED) {
            try (InputStream in = DeviceConfig.class.getResourceAsStream("/device-configs/" + f)) {
                assertNotNull(in, f + " is not packaged as a resource");
                DeviceConfig c = DeviceConfig.parse(in, f);
                for (KernelKey k : DeviceConfig.REQUIRED_KERNELS) assertNotNull(c.kernel(k));
                for (KernelKey k : DeviceConfig.TILED_KERNELS) {
                    DeviceConfig.Kernel t = c.withVariant(Variant.TILED).kernel(k);
                    assertTrue(t.tiled() && t.tile() > 0);
                    assertTrue(c.withVariant(Variant.LOOP).kernel(k).local() > 0);
                    assertTrue(c.withVariant(Variant.BLOCKED).kernel(k).blocked());
                    assertTrue(c.withVariant(Variant.BLOCKED).withVariant(Variant.TILED).kernel(k).tile() > 0);
                    assertTrue(c.withVariant(Variant.BLOCKED8).kernel(k).blocked8());
                    assertEquals(DeviceConfig.BLOCKED8_LOCAL, c.withVariant(Variant.BLOCKED8).kernel(k).local());
                    assertTrue(c.withVariant(Variant.BLOCKED8).withVariant(Variant.TILED).kernel(k).tile() > 0);
                    assertTrue(c.withVariant(Variant.BLOCKED8).withVariant(Variant.LOOP).kernel(k).local() > 0);
                    assertTrue(c.withVariant(Variant.BLOCKED84).kernel(k).blocked84());
                    assertEquals(DeviceConfig.BLOCKED84_LOCAL, c.withVariant(Variant.BLOCKED84).kernel(k).local());
                    assertEquals(16, c.withVariant(Variant.BLOCKED84).withVariant(Variant.TILED).kernel(k).tile());
                }
                assertTrue(c.withVariant(Variant.BLOCKED84).kernel(KernelKey.CHUNK_CB).blocked());
            }
        }
    }

    @Test
    void overrideFileWinsAndBadFilesSayWhy(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("mine.json");
        Files.writeString(f, Files.readString(Path.of("../device-configs/generic.json")).replace("\"chunkSize\": 0", "\"chunkSize\": 32"));
        DeviceConfig c = DeviceConfig.forDevice("NVIDIA H200", f);
        assertEquals(32, c.chunkSizeFor(256));
        assertEquals(256, DeviceConfig.forDevice("unknown", null).chunkSizeFor(256));
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, "{\"name\": \"x\", \"kernels\": {}}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DeviceConfig.load(bad));
        assertTrue(e.getMessage().contains("missing \"cumsum\""), e.getMessage());
        Files.writeString(bad, Files.readString(f).replaceFirst("\"loop\"", "\"fast\""));
        e = assertThrows(IllegalArgumentException.class, () -> DeviceConfig.load(bad));
        assertTrue(e.getMessage().contains("\"loop\", \"tiled\", \"blocked\", \"blocked8\", \"blocked84\", \"reduce\", \"scan\", \"mma\" or \"fused\""), e.getMessage());
        assertRefused(bad, Files.readString(f).replaceFirst("\"variant\": \"reduce\", \"local\": 64", "\"variant\": \"reduce\", \"local\": 96"), "power of two");
        assertRefused(bad, Files.readString(f).replaceFirst("\"gemm\": *\\{ \"variant\": \"loop\"", "\"gemm\": { \"variant\": \"tiled\", \"tile\": 8"), "kernel gemm has no \"tiled\" variant");
        assertRefused(bad, Files.readString(f).replaceFirst("\"conv\": *\\{ \"variant\": \"loop\"", "\"conv\": { \"variant\": \"loop\", \"tile\": 3"), "kernel conv: \"tile\" (rows of the prefill's conv a work item) must be 1 or 4, got 3");
        assertRefused(bad, Files.readString(f).replaceFirst("\"conv\": *\\{ \"variant\": \"loop\"", "\"conv\": { \"variant\": \"loop\", \"tile\": -1"), "kernel conv: \"tile\" (rows of the prefill's conv a work item) must be 1 or 4, got -1");
        assertRefused(bad, Files.readString(f).replaceFirst("\"minTokens\": [0-9]+", "\"minTokens\": 0"), "prefill \"minTokens\" must be at least 1");
        assertRefused(bad, Files.readString(f).replaceFirst(",\\s*\"prefill\": \\{[^}]*}", ""), "missing \"prefill\"");
    }

    @Test
    void prefillSettingsAreReadAndCanBeOverridden() {
        DeviceConfig c = DeviceConfig.forDevice("pthread-AMD EPYC 7763 64-Core Processor", null);
        assertTrue(c.prefill().maxTokens() >= c.chunkSize() && c.prefill().minTokens() >= 1, c.prefill().toString());
        DeviceConfig small = c.withPrefill(8, new DeviceConfig.Prefill(16, 1, 2));
        assertEquals(8, small.chunkSizeFor(256));
        assertEquals(new DeviceConfig.Prefill(16, 1, 2), small.prefill());
        assertEquals(c.kernels(), small.kernels());
    }

    @Test
    void aRowKernelsOwnMinRowsOverridesTheDecodes(@TempDir Path dir) throws IOException {
        String nvidia = Files.readString(Path.of("../device-configs/nvidia.json"));
        DeviceConfig shipped = DeviceConfig.load(Path.of("../device-configs/nvidia.json"));
        Path f = dir.resolve("rows.json");
        Files.writeString(f, nvidia.replaceFirst("\"matVec\": *\\{[^}]*},",
                "$0 \"outProj\": { \"variant\": \"reduce\", \"local\": 512, \"tile\": 16, \"minRows\": 2 },"));
        DeviceConfig apart = DeviceConfig.load(f);
        // the 2.7b out_proj (2560 rows of 5120): 64 lanes a row at the decode's minRows 8, 256 at its own 2
        assertEquals(8, shipped.decode().minRows());
        assertEquals(64, RowLaunch.of(shipped, KernelKey.OUT_PROJ).lanes(5120));
        assertEquals(256, RowLaunch.of(apart, KernelKey.OUT_PROJ).lanes(5120));
        assertEquals(1280, RowLaunch.of(apart, KernelKey.OUT_PROJ).groups(2560, 5120));
        assertEquals(64, RowLaunch.of(apart, KernelKey.MAT_VEC).lanes(2560));
        for (String bad : new String[]{"0", "-1", "2.5", "\"4\""}) {
            Files.writeString(f, nvidia.replaceFirst("\"matVec\": *\\{[^}]*},",
                    "$0 \"outProj\": { \"variant\": \"reduce\", \"local\": 512, \"tile\": 16, \"minRows\": " + bad + " },"));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DeviceConfig.load(f), bad);
            assertTrue(e.getMessage().contains("kernel outProj") && e.getMessage().contains("minRows"), e.getMessage());
        }
        Files.writeString(f, nvidia.replaceFirst("\"conv\": *\\{[^}]*}",
                "\"conv\": { \"variant\": \"loop\", \"local\": 256, \"minRows\": 4 }"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DeviceConfig.load(f));
        assertTrue(e.getMessage().contains("kernel conv") && e.getMessage().contains("row kernels"), e.getMessage());
    }

    @Test
    void outProjLaunchesAsMatVecUnlessTunedApart(@TempDir Path dir) throws IOException {
        String nvidia = Files.readString(Path.of("../device-configs/nvidia.json"));
        DeviceConfig shipped = DeviceConfig.load(Path.of("../device-configs/nvidia.json"));
        assertEquals(shipped.kernel(KernelKey.MAT_VEC), shipped.kernel(KernelKey.OUT_PROJ));
        Path f = dir.resolve("apart.json");
        Files.writeString(f, nvidia.replaceFirst("\"matVec\": *\\{[^}]*},", "$0 \"outProj\": { \"variant\": \"reduce\", \"local\": 512, \"tile\": 8 },"));
        DeviceConfig apart = DeviceConfig.load(f);
        assertEquals(new DeviceConfig.Kernel(Variant.REDUCE, 512, 8), apart.kernel(KernelKey.OUT_PROJ));
        assertEquals(shipped.kernel(KernelKey.MAT_VEC), apart.kernel(KernelKey.MAT_VEC));
        Files.writeString(f, nvidia.replaceFirst("\"matVec\": *\\{[^}]*},", "$0 \"outProj\": { \"variant\": \"reduce\", \"local\": 48 },"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DeviceConfig.load(f));
        assertTrue(e.getMessage().contains("kernel outProj") && e.getMessage().contains("power of two"), e.getMessage());
    }

    @Test
    void blockedVariantsHaveTheirFixedSizesAndKernels(@TempDir Path dir) throws IOException {
        assertTrue(new DeviceConfig.Kernel(Variant.BLOCKED8, 64, 64).blocked8());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new DeviceConfig.Kernel(Variant.BLOCKED8, 256, 64));
        assertTrue(e.getMessage().contains("\"local\" 64"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new DeviceConfig.Kernel(Variant.BLOCKED8, 64, 128));
        assertTrue(e.getMessage().contains("\"tile\" 64"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new DeviceConfig.Kernel(Variant.BLOCKED, 64, 64));
        assertTrue(e.getMessage().contains("\"local\" 256"), e.getMessage());
        Path f = dir.resolve("b8.json");
        Files.writeString(f, Files.readString(Path.of("../device-configs/nvidia.json")).replaceFirst(
                "\"chunkOutput\": *\\{[^}]*}", "\"chunkOutput\": { \"variant\": \"blocked8\", \"tile\": 64, \"local\": 64 }").replaceFirst(
                "\"chunkStates\": *\\{[^}]*}", "\"chunkStates\": { \"variant\": \"blocked\", \"tile\": 64, \"local\": 256 }"));
        DeviceConfig c = DeviceConfig.load(f);
        assertTrue(c.kernel(KernelKey.CHUNK_OUTPUT).blocked8());
        assertTrue(c.kernel(KernelKey.CHUNK_STATES).blocked());
        // a kernel without a blocked8 twin must not fall back silently to its loop version
        Files.writeString(f, Files.readString(f).replaceFirst("\"cumsum\": *\\{[^}]*}",
                "\"cumsum\": { \"variant\": \"blocked8\", \"tile\": 64, \"local\": 64 }"));
        e = assertThrows(IllegalArgumentException.class, () -> DeviceConfig.load(f));
        assertTrue(e.getMessage().contains("cumsum has no \"blocked8\" variant"), e.getMessage());
        assertTrue(new DeviceConfig.Kernel(Variant.BLOCKED84, 128, 64).blocked84());
        e = assertThrows(IllegalArgumentException.class, () -> new DeviceConfig.Kernel(Variant.BLOCKED84, 256, 64));
        assertTrue(e.getMessage().contains("\"local\" 128"), e.getMessage());
        assertRefused(f, Files.readString(Path.of("../device-configs/nvidia.json")).replaceFirst(
                "\"chunkCB\": *\\{[^}]*}", "\"chunkCB\": { \"variant\": \"blocked84\", \"tile\": 64, \"local\": 128 }"), "chunkCB has no \"blocked84\" variant");
    }

    @Test
    void cumsumScanIsAVariantOfTheCumsumOnly(@TempDir Path dir) throws IOException {
        // the GPU files ship the scan, the CPU and fallback files the loop kernel
        for (String gpu : List.of("NVIDIA H200", "AMD Radeon RX 7900 XTX", "Intel(R) Arc(TM) A770 Graphics")) {
            DeviceConfig.Kernel k = DeviceConfig.forDevice(gpu, null).kernel(KernelKey.CUMSUM);
            assertTrue(k.scan() && k.local() == 128, gpu + ": " + k);
        }
        assertEquals(Variant.LOOP, DeviceConfig.forDevice("pthread-AMD EPYC 7763 64-Core Processor", null).kernel(KernelKey.CUMSUM).variant());
        assertEquals(Variant.LOOP, DeviceConfig.forDevice("Some Unknown Accelerator", null).kernel(KernelKey.CUMSUM).variant());
        assertTrue(new DeviceConfig.Kernel(Variant.SCAN, 1, 0).scan());
        assertTrue(new DeviceConfig.Kernel(Variant.SCAN, 96, 0).scan()); // any size: the scan does not need a power of two
        assertTrue(new DeviceConfig.Kernel(Variant.SCAN, DeviceConfig.SCAN_MAX_LOCAL, 0).scan());
        for (int bad : new int[] {0, -1, DeviceConfig.SCAN_MAX_LOCAL + 1}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new DeviceConfig.Kernel(Variant.SCAN, bad, 0));
            assertTrue(e.getMessage().contains("a scan kernel needs \"local\" from 1 to 1024"), e.getMessage());
        }
        Path f = dir.resolve("scan.json");
        Files.writeString(f, Files.readString(Path.of("../device-configs/generic.json")).replaceFirst("\"cumsum\": *\\{[^}]*}",
                "\"cumsum\": { \"variant\": \"scan\", \"local\": 48 }"));
        assertEquals(new DeviceConfig.Kernel(Variant.SCAN, 48, 0), DeviceConfig.load(f).kernel(KernelKey.CUMSUM));
        // a kernel without a scan must not fall back silently to its loop version
        Files.writeString(f, Files.readString(f).replaceFirst("\"statePassing\": *\\{[^}]*}", "\"statePassing\": { \"variant\": \"scan\", \"local\": 64 }"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DeviceConfig.load(f));
        assertTrue(e.getMessage().contains("kernel statePassing has no \"scan\" variant"), e.getMessage());
    }

    /**
     * A "fused" state passing runs inside the chunk states that carry it (blocked, blocked84), where the shape gives
     * "minGroups" work-groups of (batch, head, tile); elsewhere its loop kernel; other chunk states are refused.
     */
    @Test
    void fusedStatePassingIsCarriedByBlockedChunkStatesAtEnoughGroups(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("fused.json");
        // the shipped file fuses at exact; its fast section's few-chunk kernels keep the loop kernel (fused it was 1% slower there)
        String file = Files.readString(Path.of("../device-configs/nvidia.json"));
        DeviceConfig nvidia = DeviceConfig.load(Path.of("../device-configs/nvidia.json"));
        DeviceConfig.Kernel k = nvidia.kernel(KernelKey.STATE_PASSING);
        assertTrue(k.fused() && k.minGroups() == 1024 && k.local() == 256, k.toString());
        // batch 8 × 80 heads × (64 / 64)·(128 / 64) tiles = 1280 work-groups: fused; batch 1 (the prefill, 160): the loop kernel
        assertTrue(SsdTasks.passesInChunkStates(nvidia, new SsdShape(8, 2048, 80, 64, 1, 128, 128)));
        assertFalse(SsdTasks.passesInChunkStates(nvidia, new SsdShape(1, 2048, 80, 64, 1, 128, 128)));
        assertFalse(SsdTasks.passesInChunkStates(nvidia, new SsdShape(6, 2048, 80, 64, 1, 128, 128)), "960 < 1024");
        assertEquals(1, SsdTasks.chunkStatesSize(nvidia, new SsdShape(8, 2048, 80, 64, 1, 128, 128)));
        // at fast: fused above the few-chunk bound; at 8 × 6 chunks × 80 heads (3840 blocks, 1280 groups) the few-chunk loop kernel
        DeviceConfig fast = nvidia.at(Precision.FAST, DeviceSpec.Backend.CUDA);
        SsdShape big = new SsdShape(8, 2048, 80, 64, 1, 128, 128), few = new SsdShape(8, 768, 80, 64, 1, 128, 128);
        assertTrue(SsdTasks.passesInChunkStates(fast.forSsd(big), big));
        assertFalse(SsdTasks.passesInChunkStates(fast.forSsd(few), few));
        assertTrue(SsdTasks.passesInChunkStates(nvidia.forSsd(few), few), "exact has no few-chunk kernels");
        // without its own entry the few-chunk section inherits the fused state passing, carried by its blocked chunk states
        String inherits = file.replaceFirst("(?s)(\"fewChunks\".*?\"chunkStates\": *\\{[^}]*}),\\s*\"statePassing\": *\\{[^}]*}", "$1");
        assertNotEquals(file, inherits);
        Files.writeString(f, inherits);
        assertTrue(SsdTasks.passesInChunkStates(DeviceConfig.load(f).at(Precision.FAST, DeviceSpec.Backend.CUDA).forSsd(few), few));
        // a loop state passing never fuses
        assertFalse(SsdTasks.passesInChunkStates(DeviceConfig.forDevice("AMD Radeon RX 7900 XTX", null), new SsdShape(8, 2048, 80, 64, 1, 128, 128)));
        for (DeviceConfig c : DeviceConfig.all()) {
            // the check's "fused" forces it at every shape; the variants without a carrying kernel go back to the loop kernel
            DeviceConfig fused = c.withVariant(Variant.FUSED);
            assertTrue(fused.kernel(KernelKey.CHUNK_STATES).blocked84() && fused.kernel(KernelKey.STATE_PASSING).fused(), c.source());
            assertTrue(SsdTasks.passesInChunkStates(fused, new SsdShape(1, 5, 1, 3, 1, 2, 4)), c.source());
            for (Variant v : List.of(Variant.LOOP, Variant.TILED, Variant.BLOCKED8)) {
                assertEquals(Variant.LOOP, fused.withVariant(v).kernel(KernelKey.STATE_PASSING).variant(), c.source() + " " + v);
            }
        }
        assertRefused(f, file.replaceFirst("\"chunkStates\": *\\{[^}]*}", "\"chunkStates\": { \"variant\": \"blocked8\", \"tile\": 64, \"local\": 64 }"), "statePassing: \"fused\" is carried by a \"blocked\", \"blocked84\" or \"mma\" chunkStates, got \"blocked8\"");
        // the fast section's chunk states must carry it too, and so must the few-chunk ones: tensor-core ones do
        String tiled = "{ \"variant\": \"tiled\", \"tile\": 16 }";
        assertRefused(f, file.replaceFirst("(\"gemm\": *\\{ \"variant\": \"mma\"[^}]*})", "$1, \"chunkStates\": " + tiled), "at precision fast, kernel statePassing");
        assertRefused(f, inherits.replaceFirst("(?s)(\"fewChunks\".*?\"chunkStates\": *)\\{[^}]*}", "$1" + tiled), "at precision fast on few chunks, kernel statePassing");
        String mma = "{ \"variant\": \"mma\", \"tile\": 64, \"local\": 128 }";
        Files.writeString(f, file.replaceFirst("(\"gemm\": *\\{ \"variant\": \"mma\"[^}]*})", "$1, \"chunkStates\": " + mma));
        DeviceConfig carried = DeviceConfig.load(f).at(Precision.FAST, DeviceSpec.Backend.CUDA);
        assertTrue(carried.kernel(KernelKey.CHUNK_STATES).mma() && carried.kernel(KernelKey.STATE_PASSING).fused());
        // minGroups: a whole number of at least 1, on the fused kernels only
        assertRefused(f, file.replace("\"minGroups\": 1024", "\"minGroups\": 0"), "\"minGroups\" must be a whole number of at least 1, got 0");
        assertRefused(f, file.replaceFirst("\"chunkOutput\": *\\{", "\"chunkOutput\": { \"minGroups\": 4,"), "\"minGroups\" is for the fused kernels [statePassing] only");
        assertRefused(f, file.replace("\"variant\": \"fused\", \"local\": 256,", "\"variant\": \"fused\","), "a fused kernel needs \"local\" > 0");
        assertRefused(f, file.replaceFirst("\"cumsum\": *\\{[^}]*}", "\"cumsum\": { \"variant\": \"fused\", \"local\": 64 }"), "kernel cumsum has no \"fused\" variant");
    }

    /** {@code text} written to f is refused by DeviceConfig.load with a message containing {@code expected}. */
    private static void assertRefused(Path f, String text, String expected) throws IOException {
        Files.writeString(f, text);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DeviceConfig.load(f));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    /** The integration check's forced variants run both cumsums: "loop" the loop kernel, the KernelContext ones and "scan" the scan. */
    @Test
    void forcedVariantsPickTheCumsum() {
        for (DeviceConfig c : DeviceConfig.all()) {
            DeviceConfig.Kernel own = c.kernel(KernelKey.CUMSUM);
            DeviceConfig.Kernel loop = c.withVariant(Variant.LOOP).kernel(KernelKey.CUMSUM);
            assertEquals(Variant.LOOP, loop.variant(), c.source());
            assertEquals(own.local(), loop.local(), c.source());
            for (Variant v : List.of(Variant.TILED, Variant.BLOCKED, Variant.BLOCKED8, Variant.BLOCKED84, Variant.SCAN)) {
                DeviceConfig.Kernel k = c.withVariant(v).kernel(KernelKey.CUMSUM);
                assertTrue(k.scan(), c.source() + " " + v + ": " + k);
                assertEquals(own.local(), k.local(), c.source() + " " + v);
            }
            // "scan" switches nothing else
            DeviceConfig scan = c.withVariant(Variant.SCAN);
            for (KernelKey k : DeviceConfig.REQUIRED_KERNELS) {
                if (k != KernelKey.CUMSUM) assertEquals(c.kernel(k), scan.kernel(k), c.source() + " " + k);
            }
            assertEquals(Variant.LOOP, c.withVariant(Variant.SCAN).withVariant(Variant.LOOP).kernel(KernelKey.CUMSUM).variant());
        }
    }

    @Test
    void mamba2HomeSelectsTheConfigFolder(@TempDir Path home) throws IOException {
        Files.createDirectories(home.resolve("device-configs"));
        Files.writeString(home.resolve("device-configs/nvidia.json"),
                Files.readString(Path.of("../device-configs/nvidia.json")).replaceFirst("\"chunkSize\": [0-9]+", "\"chunkSize\": 512"));
        String old = System.getProperty("mamba2.home");
        System.setProperty("mamba2.home", home.toString());
        try {
            DeviceConfig c = DeviceConfig.forDevice("NVIDIA H200", null);
            assertEquals(512, c.chunkSize());
            assertFalse(c.source().startsWith("classpath:"));
            // the others still come from the jar resources
            assertTrue(DeviceConfig.forDevice("pthread-cpu", null).source().startsWith("classpath:"));
        } finally {
            if (old == null) System.clearProperty("mamba2.home"); else System.setProperty("mamba2.home", old);
        }
    }

    @Test
    void prefillCanBeTurnedOffPerBackend(@TempDir Path dir) throws IOException {
        DeviceConfig.Prefill p = new DeviceConfig.Prefill(64, 1, 0, Set.of(DeviceSpec.Backend.PTX));
        assertFalse(p.runsOn(DeviceSpec.Backend.PTX));
        assertTrue(p.runsOn(DeviceSpec.Backend.OPENCL));
        assertTrue(new DeviceConfig.Prefill(64, 1, 0).runsOn(DeviceSpec.Backend.PTX));
        String nvidia = Files.readString(Path.of("../device-configs/nvidia.json"));
        assertTrue(nvidia.contains("\"minTokens\": 4,"), "the prefill section is where the mutation goes");
        Path f = dir.resolve("skip.json");
        Files.writeString(f, nvidia.replace("\"minTokens\": 4,", "\"minTokens\": 4, \"skipBackends\": [\"PTX\"],"));
        DeviceConfig.Prefill read = DeviceConfig.load(f).prefill();
        assertFalse(read.runsOn(DeviceSpec.Backend.PTX), "spec names in any case");
        assertTrue(read.runsOn(DeviceSpec.Backend.CUDA));
        assertRefused(f, nvidia.replace("\"minTokens\": 4,", "\"minTokens\": 4, \"skipBackends\": [\"metal\"],"),
                "prefill \"skipBackends\" names an unknown backend \"metal\"");
    }

    @Test
    void loopKernelsRunWithoutGridsOnlyOnPtxAndCuda() {
        // TornadoVM 5.2's PTX backend can hand a grid-bounded loop kernel the next task's bound (see loopGrids)
        assertFalse(TornadoDevices.loopGrids(DeviceSpec.Backend.PTX));
        assertFalse(TornadoDevices.loopGrids(DeviceSpec.Backend.CUDA));
        assertTrue(TornadoDevices.loopGrids(DeviceSpec.Backend.OPENCL));
        assertTrue(TornadoDevices.loopGrids(DeviceSpec.Backend.SPIRV));
    }

    @Test
    void cudaGraphReplayOfTheDecodeStepIsOnOnlyOnPtxAndCudaWhereAsked(@TempDir Path dir) throws IOException {
        DeviceConfig nvidia = DeviceConfig.forDevice("NVIDIA H200", null);
        assertTrue(nvidia.decode().cudaGraph(), "device-configs/nvidia.json asks for it");
        assertTrue(nvidia.decode().cudaGraphOn(DeviceSpec.Backend.PTX));
        assertTrue(nvidia.decode().cudaGraphOn(DeviceSpec.Backend.CUDA));
        assertFalse(nvidia.decode().cudaGraphOn(DeviceSpec.Backend.OPENCL), "TornadoVM refuses CUDA graphs on OpenCL");
        assertFalse(nvidia.decode().cudaGraphOn(DeviceSpec.Backend.SPIRV));
        assertEquals(DeviceConfig.Decode.DEFAULT, DeviceConfig.forDevice("unknown", null).decode(), "absent: off");
        assertFalse(DeviceConfig.Decode.DEFAULT.cudaGraphOn(DeviceSpec.Backend.PTX));
        String generic = Files.readString(Path.of("../device-configs/generic.json"));
        Path bad = dir.resolve("bad.json");
        for (String[] c : new String[][]{{"\"decode\": {\"cudaGraph\": \"yes\"},", "decode \"cudaGraph\" must be true or false"},
                {"\"decode\": {\"cudaGraphs\": true},", "\"decode\" has an unknown entry \"cudaGraphs\""},
                {"\"decode\": true,", "\"decode\" must be an object"}}) {
            Files.writeString(bad, generic.replaceFirst("\"kernels\"", java.util.regex.Matcher.quoteReplacement(c[0]) + " \"kernels\""));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DeviceConfig.load(bad));
            assertTrue(e.getMessage().contains(c[1]) && e.getMessage().startsWith("device config " + bad), e.getMessage());
        }
        Files.writeString(bad, generic.replaceFirst("\"kernels\"", "\"decode\": {\"cudaGraph\": true}, \"kernels\""));
        assertTrue(DeviceConfig.load(bad).decode().cudaGraph());
        assertTrue(DeviceConfig.load(bad).withVariant(Variant.TILED).withPrefill(8, new DeviceConfig.Prefill(16, 1, 0)).decode().cudaGraph(),
                "derived configs keep it");
    }

    @Test
    void thePrefillsReplaySetIsAskedForAndCapturedOnlyOnPtxAndCuda(@TempDir Path dir) throws IOException {
        DeviceConfig.Prefill nvidia = DeviceConfig.forDevice("NVIDIA H200", null).prefill();
        assertTrue(nvidia.replays(230_000_000L), "device-configs/nvidia.json: on for 130m's 0.23 GB of prefill buffers");
        assertFalse(nvidia.replays(840_000_000L), "and off for 2.7b's 0.84 GB (7 GB for 2.7b in bf16)");
        DeviceConfig.Prefill off = nvidia.withCudaGraph(false);
        assertFalse(off.replays(1));
        DeviceConfig.Prefill on = off.withCudaGraph(true);
        assertTrue(on.replays(1_000_000_000_000L), "withCudaGraph(true): any model");
        assertEquals(off.maxTokens(), on.maxTokens());
        assertTrue(on.cudaGraphOn(DeviceSpec.Backend.PTX) && on.cudaGraphOn(DeviceSpec.Backend.CUDA));
        assertFalse(on.cudaGraphOn(DeviceSpec.Backend.OPENCL) || on.cudaGraphOn(DeviceSpec.Backend.SPIRV) || off.cudaGraphOn(DeviceSpec.Backend.CUDA));
        String generic = Files.readString(Path.of("../device-configs/generic.json"));
        Path file = dir.resolve("replay.json");
        Files.writeString(file, generic.replaceFirst("\"prefill\": \\{", "\"prefill\": {\"cudaGraph\": true, "));
        assertTrue(DeviceConfig.load(file).prefill().cudaGraph());
        Files.writeString(file, generic.replaceFirst("\"prefill\": \\{", "\"prefill\": {\"cudaGraph\": 1, "));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DeviceConfig.load(file));
        assertTrue(e.getMessage().contains("prefill \"cudaGraph\" must be true or false"), e.getMessage());
        Files.writeString(file, generic.replaceFirst("\"prefill\": \\{", "\"prefill\": {\"cudaGraph\": true, \"cudaGraphMaxMB\": 0, "));
        e = assertThrows(IllegalArgumentException.class, () -> DeviceConfig.load(file));
        assertTrue(e.getMessage().contains("prefill \"cudaGraphMaxMB\" must be positive"), e.getMessage());
    }

    @Test
    void precisionFastSwapsInTheTensorCoreKernelsOnlyWhereTheyRun() {
        DeviceConfig nvidia = DeviceConfig.forDevice("NVIDIA H200", DeviceSpec.Backend.CUDA, null);
        assertEquals(Precision.EXACT, nvidia.precision());
        assertEquals(Variant.BLOCKED, nvidia.kernel(KernelKey.GEMM).variant());
        DeviceConfig fast = nvidia.at(Precision.FAST, DeviceSpec.Backend.CUDA);
        assertEquals(Precision.FAST, fast.precision());
        assertTrue(fast.kernel(KernelKey.GEMM).mma());
        // the SSD's tensor-core kernels ran slower than the exact ones on the H200: the shipped fast section leaves them out,
        // and for an SSD of few chunks (a prefill) swaps chunkCB and chunkStates to the float32 variant that fills the GPU there
        assertEquals(nvidia.kernel(KernelKey.CHUNK_OUTPUT), fast.kernel(KernelKey.CHUNK_OUTPUT));
        assertEquals(Variant.BLOCKED8, nvidia.kernel(KernelKey.CHUNK_CB).variant());
        assertEquals(Variant.BLOCKED84, nvidia.kernel(KernelKey.CHUNK_STATES).variant());
        assertFalse(fast.kernel(KernelKey.CHUNK_STATES).mma());
        SsdShape prefill130m = new SsdShape(1, 4096, 24, 64, 1, 128, 128), prefill27b = new SsdShape(1, 4096, 80, 64, 1, 128, 128);
        SsdShape ssd = new SsdShape(8, 2048, 80, 64, 1, 128, 128);
        for (SsdShape s : List.of(prefill130m, prefill27b)) { // 768 and 2560 (batch, chunk, head) blocks: at most 4096
            DeviceConfig few = fast.forSsd(s);
            assertEquals(Variant.BLOCKED, few.kernel(KernelKey.CHUNK_CB).variant());
            assertEquals(Variant.BLOCKED, few.kernel(KernelKey.CHUNK_STATES).variant());
            assertEquals(Variant.LOOP, few.kernel(KernelKey.STATE_PASSING).variant());
            assertEquals(fast.kernel(KernelKey.CHUNK_OUTPUT), few.kernel(KernelKey.CHUNK_OUTPUT));
            assertTrue(few.kernel(KernelKey.GEMM).mma() && few.name().endsWith("[few chunks]"), few.name());
            assertEquals(few.kernels(), few.forSsd(ssd).kernels(), "resolved once");
            assertEquals(nvidia.kernels(), nvidia.forSsd(s).kernels(), "exact has none");
        }
        // 10240 blocks: the exact SSD kernels (2.37 against 2.59 ms on an H100); one block past the bound too
        assertEquals(nvidia.kernel(KernelKey.CHUNK_STATES), fast.forSsd(ssd).kernel(KernelKey.CHUNK_STATES));
        assertEquals(nvidia.kernel(KernelKey.CHUNK_CB), fast.forSsd(new SsdShape(1, 4097 * 128, 1, 64, 1, 128, 128)).kernel(KernelKey.CHUNK_CB));
        assertEquals(Variant.BLOCKED, fast.forSsd(new SsdShape(1, 4096 * 128, 1, 64, 1, 128, 128)).kernel(KernelKey.CHUNK_CB).variant());
        // a forced variant runs at every shape
        assertEquals(Variant.BLOCKED8, fast.withVariant(Variant.BLOCKED8).forSsd(prefill130m).kernel(KernelKey.CHUNK_STATES).variant());
        // "mma" (the integration check's tensor-core SSD rows): the chunk states and output only, the state passing unfused, at fast only
        DeviceConfig mma = fast.withVariant(Variant.MMA);
        assertTrue(mma.kernel(KernelKey.CHUNK_STATES).mma() && mma.kernel(KernelKey.CHUNK_OUTPUT).mma());
        assertEquals(Variant.FUSED, fast.kernel(KernelKey.STATE_PASSING).variant());
        assertEquals(Variant.FUSED, mma.kernel(KernelKey.STATE_PASSING).variant(), "carried by the tensor-core chunk states");
        DeviceConfig mmaFused = mma.withVariant(Variant.FUSED);
        assertTrue(mmaFused.kernel(KernelKey.CHUNK_STATES).mma() && mmaFused.kernel(KernelKey.STATE_PASSING).fused());
        assertEquals(1, mmaFused.kernel(KernelKey.STATE_PASSING).minGroups(), "fused at every shape");
        assertEquals(fast.kernel(KernelKey.CHUNK_CB), mma.kernel(KernelKey.CHUNK_CB));
        assertTrue(mma.forSsd(prefill130m).kernel(KernelKey.CHUNK_STATES).mma(), "forced at every shape");
        IllegalArgumentException exact = assertThrows(IllegalArgumentException.class, () -> nvidia.withVariant(Variant.MMA));
        assertTrue(exact.getMessage().contains("precision fast"), exact.getMessage());
        assertTrue(nvidia.at(Precision.FAST, DeviceSpec.Backend.PTX).kernel(KernelKey.GEMM).mma());
        // OpenCL has no MMA: fast runs the exact kernels and says so
        DeviceConfig ocl = nvidia.at(Precision.FAST, DeviceSpec.Backend.OPENCL);
        assertEquals(Precision.EXACT, ocl.precision());
        assertEquals(Variant.BLOCKED, ocl.kernel(KernelKey.GEMM).variant());
        assertEquals(Variant.BLOCKED8, ocl.kernel(KernelKey.CHUNK_CB).variant());
        assertEquals(Precision.EXACT, nvidia.at(null, DeviceSpec.Backend.CUDA).precision());
        assertEquals(Precision.FAST, DeviceConfig.forSpec("NVIDIA H200", DeviceSpec.parse("cuda:0/fast"), null).precision());
        DeviceConfig generic = DeviceConfig.forDevice("unknown", null);
        assertEquals(Precision.EXACT, generic.at(Precision.FAST, DeviceSpec.Backend.CUDA).precision());
    }

    /** The fast section's "fewChunks": a whole bound of at least 1, SSD kernels only, at least one. */
    @Test
    void fewChunksNamesSsdKernelsUnderABound(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("few.json");
        String file = Files.readString(Path.of("../device-configs/nvidia.json"));
        assertRefused(f, file.replace("\"maxChunkHeads\": 4096", "\"maxChunkHeads\": 0"), "fast fewChunks \"maxChunkHeads\" must be a whole number of at least 1, got 0");
        assertRefused(f, file.replace("\"maxChunkHeads\": 4096", "\"maxChunkHeads\": 40.5"), "must be a whole number of at least 1, got 40.5");
        assertRefused(f, file.replace("\"maxChunkHeads\": 4096,", ""), "\"maxChunkHeads\"");
        assertRefused(f, file.replaceFirst("(?s)(\"fewChunks\".*?\"kernels\": \\{)", "$1 \"conv\": { \"variant\": \"loop\", \"local\": 256 },"),
                "fast fewChunks \"kernels\" are the SSD's [cumsum, chunkCB, chunkStates, statePassing, chunkScores, chunkOutput], got \"conv\"");
        assertRefused(f, file.replaceFirst("(?s)(\"fewChunks\".*?\"kernels\": )\\{.*?}\\s*}\\s*}", "$1{} }"), "fast fewChunks \"kernels\" names none");
        assertRefused(f, file.replaceFirst("(?s)(\"fewChunks\".*?\"chunkCB\": *)\\{[^}]*}", "$1{ \"variant\": \"blocked84\", \"tile\": 64, \"local\": 128 }"),
                "kernel chunkCB has no \"blocked84\" variant");
    }

    @Test
    void mmaKernelsBelongToTheFastSection(@TempDir Path dir) throws IOException {
        String nvidia = Files.readString(Path.of("../device-configs/nvidia.json"));
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, nvidia.replaceFirst("\"gemm\":         \\{ \"variant\": \"blocked\", \"tile\": 64, \"local\": 256 }",
                "\"gemm\": { \"variant\": \"mma\", \"tile\": 64, \"local\": 128 }"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DeviceConfig.load(bad));
        assertTrue(e.getMessage().contains("belongs in \"fast\""), e.getMessage());
        String cbMma = nvidia.replace("\"chunkCB\":      { \"variant\": \"blocked\", \"tile\": 64, \"local\": 256 }",
                "\"chunkCB\": { \"variant\": \"mma\", \"tile\": 64, \"local\": 128 }");
        assertNotEquals(nvidia, cbMma, "the fast section's chunkCB is where the mutation goes");
        Files.writeString(bad, cbMma);
        e = assertThrows(IllegalArgumentException.class, () -> DeviceConfig.load(bad));
        assertTrue(e.getMessage().contains("chunkCB has no \"mma\" variant"), e.getMessage());
        Files.writeString(bad, nvidia.replace("\"backends\": [\"ptx\", \"cuda\"]", "\"backends\": [\"metal\"]"));
        e = assertThrows(IllegalArgumentException.class, () -> DeviceConfig.load(bad));
        assertTrue(e.getMessage().contains("unknown backend \"metal\""), e.getMessage());
        Files.writeString(bad, nvidia.replace("\"precision\": \"exact\"", "\"precision\": \"half\""));
        e = assertThrows(IllegalArgumentException.class, () -> DeviceConfig.load(bad));
        assertTrue(e.getMessage().contains("expected exact or fast"), e.getMessage());
        Files.writeString(bad, nvidia.replace("\"f16Weights\": true", "\"f16Weights\": 1"));
        e = assertThrows(IllegalArgumentException.class, () -> DeviceConfig.load(bad));
        assertTrue(e.getMessage().contains("fast \"f16Weights\" must be true or false"), e.getMessage());
        DeviceConfig shipped = DeviceConfig.load(Path.of("../device-configs/nvidia.json"));
        assertTrue(shipped.at(Precision.FAST, DeviceSpec.Backend.CUDA).f16Weights(), "nvidia.json: at fast where the fast kernels run");
        assertFalse(shipped.at(Precision.EXACT, DeviceSpec.Backend.CUDA).f16Weights(), "never at exact");
        assertFalse(shipped.at(Precision.FAST, DeviceSpec.Backend.OPENCL).f16Weights(), "nor where fast runs the exact kernels");
        Path off = dir.resolve("off.json");
        Files.writeString(off, nvidia.replace("\"f16Weights\": true", "\"f16Weights\": false"));
        assertFalse(DeviceConfig.load(off).at(Precision.FAST, DeviceSpec.Backend.CUDA).f16Weights(), "off when set false");
        Files.writeString(off, nvidia.replace("\"f16Weights\": true,", ""));
        assertFalse(DeviceConfig.load(off).at(Precision.FAST, DeviceSpec.Backend.CUDA).f16Weights(), "off by default");
    }

    /** 16-bit batch states: named in the fast section, used only at precision fast on the CUDA backend (where TornadoVM converts them). */
    @Test
    void batchStatesOnlyAtFastOnCuda(@TempDir Path dir) throws IOException {
        DeviceConfig shipped = DeviceConfig.load(Path.of("../device-configs/nvidia.json"));
        BatchStates asked = shipped.at(Precision.FAST, DeviceSpec.Backend.CUDA).batchStates(DeviceSpec.Backend.CUDA);
        assertNotEquals(BatchStates.F32, asked, "nvidia.json asks for 16-bit states");
        assertEquals(BatchStates.F32, shipped.at(Precision.FAST, DeviceSpec.Backend.PTX).batchStates(DeviceSpec.Backend.PTX), "PTX keeps float32");
        assertEquals(BatchStates.F32, shipped.at(Precision.EXACT, DeviceSpec.Backend.CUDA).batchStates(DeviceSpec.Backend.CUDA), "never at exact");
        assertEquals(BatchStates.F32, shipped.at(Precision.FAST, DeviceSpec.Backend.OPENCL).batchStates(DeviceSpec.Backend.OPENCL), "nor on OpenCL");
        String nvidia = Files.readString(Path.of("../device-configs/nvidia.json"));
        String entry = "\"batchStates\": \"" + asked.name().toLowerCase(Locale.ROOT) + "\"";
        assertTrue(nvidia.contains(entry + ","), entry);
        Path f = dir.resolve("f.json");
        for (BatchStates b : BatchStates.values()) {
            Files.writeString(f, nvidia.replace(entry, "\"batchStates\": \"" + b.name().toLowerCase(Locale.ROOT) + "\""));
            assertEquals(b, DeviceConfig.load(f).at(Precision.FAST, DeviceSpec.Backend.CUDA).batchStates(DeviceSpec.Backend.CUDA), b.name());
        }
        Files.writeString(f, nvidia.replace(entry + ",", ""));
        assertEquals(BatchStates.F32, DeviceConfig.load(f).at(Precision.FAST, DeviceSpec.Backend.CUDA).batchStates(DeviceSpec.Backend.CUDA),
                "float32 by default");
        Files.writeString(f, nvidia.replace(entry, "\"batchStates\": \"half\""));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DeviceConfig.load(f));
        assertTrue(e.getMessage().contains("fast \"batchStates\" must be one of [\"f32\", \"f16\", \"bf16\"], got \"half\""), e.getMessage());
        Files.writeString(f, nvidia.replace(entry, "\"batchStates\": true"));
        e = assertThrows(IllegalArgumentException.class, () -> DeviceConfig.load(f));
        assertTrue(e.getMessage().contains("fast \"batchStates\" must be a string, got true"), e.getMessage());
        // a bf16 step's work-group the device cannot launch: refused as the config loads, fp16 states keep 1024
        String local = "\"ssdLocal\": " + shipped.batch().ssdLocal() + ",";
        assertTrue(nvidia.contains(local), local);
        assertRefused(f, nvidia.replace(local, "\"ssdLocal\": 1024,"), "batch \"ssdLocal\" must be at most 512 where fast \"batchStates\" is \"bf16\"");
        Files.writeString(f, nvidia.replace(local, "\"ssdLocal\": 1024,").replace(entry, "\"batchStates\": \"f16\""));
        assertEquals(1024, DeviceConfig.load(f).batch().ssdLocal());
    }

    /** bf16 quads need dstate a multiple of 4 and headdim of the step's run of rows; elsewhere the batch holds fp16. */
    @Test
    void bf16BatchStatesFallBackToFp16WhereTheShapeDoesNotSuit() {
        assertEquals(BatchStates.BF16, BatchStates.BF16.forShape(64, 128));
        assertEquals(BatchStates.F16, BatchStates.BF16.forShape(64, 14));
        assertEquals(BatchStates.F16, BatchStates.BF16.forShape(6, 16));
        assertEquals(BatchStates.F16, BatchStates.F16.forShape(6, 14));
        assertEquals(BatchStates.F32, BatchStates.F32.forShape(6, 14));
    }

    @Test
    void batchSettingsAreTypedAndSplitKAsAsked(@TempDir Path dir) throws IOException {
        DeviceConfig.Batch nvidia = DeviceConfig.forDevice("NVIDIA H200", null).batch();
        assertEquals(new DeviceConfig.Batch(264, 8, 256, 8, 1024), nvidia);
        // 130m at batch 64: in_proj (n 3352: 53 tiles, k 768) in 5 splits of 160, out_proj (12 tiles, k 1536) in 8 of 192
        assertEquals(160, nvidia.splitLength(768, 1, 53));
        assertEquals(192, nvidia.splitLength(1536, 1, 12));
        assertEquals(768, nvidia.splitLength(768, 1, 786), "the lm_head's 786 tiles need no split");
        // norm groups: a split never straddles two, so its length divides the group's k
        assertEquals(24, new DeviceConfig.Batch(64, 2, 64, 8, 64).splitLength(48, 2, 3));
        assertEquals(6, new DeviceConfig.Batch(64, 8, 64, 8, 64).splitLength(48, 2, 3));
        assertEquals(7, new DeviceConfig.Batch(64, 8, 64, 8, 64).splitLength(14, 2, 1), "a prime group's k is not split");
        assertEquals(16, new DeviceConfig.Batch(64, 8, 64, 8, 64).splitLength(40, 1, 1), "a multiple of 16 with one group");
        assertEquals(DeviceConfig.Batch.DEFAULT, DeviceConfig.Batch.parse(com.fasterxml.jackson.databind.node.MissingNode.getInstance()));
        String generic = Files.readString(Path.of("../device-configs/generic.json")).replaceFirst("  \"batch\": \\{[^}]*},\n", "");
        Path bad = dir.resolve("bad.json");
        for (String[] c : new String[][]{{"\"batch\": {\"ssdLanes\": 3},", "\"ssdLanes\" must be a power of two"},
                {"\"batch\": {\"ssdLocal\": 64, \"ssdLanes\": 128},", "\"ssdLanes\" must be a power of two up to ssdLocal"},
                {"\"batch\": {\"maxSplit\": 0},", "\"maxSplit\" must be at least 1"},
                {"\"batch\": {\"argmaxLocal\": 2048},", "\"argmaxLocal\" must be a power of two up to 1024"},
                {"\"batch\": {\"gemmGroups\": 1.5},", "\"gemmGroups\" must be an integer"},
                {"\"batch\": {\"splits\": 4},", "\"batch\" has an unknown entry \"splits\""}}) {
            Files.writeString(bad, generic.replaceFirst("\"kernels\"", java.util.regex.Matcher.quoteReplacement(c[0]) + " \"kernels\""));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DeviceConfig.load(bad));
            assertTrue(e.getMessage().contains(c[1]), e.getMessage());
        }
        Files.writeString(bad, generic.replaceFirst("\"kernels\"", "\"batch\": {\"maxSplit\": 2}, \"kernels\""));
        assertEquals(new DeviceConfig.Batch(DeviceConfig.Batch.DEFAULT.gemmGroups(), 2, DeviceConfig.Batch.DEFAULT.ssdLocal(),
                DeviceConfig.Batch.DEFAULT.ssdLanes(), DeviceConfig.Batch.DEFAULT.argmaxLocal()), DeviceConfig.load(bad).withVariant(Variant.BLOCKED).batch(), "absent entries default, derived configs keep it");
    }
}
