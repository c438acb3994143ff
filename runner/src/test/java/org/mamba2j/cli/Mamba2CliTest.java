package org.mamba2j.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Mamba2CliTest {

    record Run(int code, String out, String err) {
    }

    static Run run(String... args) {
        CommandLine cl = Mamba2.commandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err, true));
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            int code = cl.execute(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString());
        } finally {
            System.setOut(old);
        }
    }

    @Test
    void ssdCheckPrintsJsonWithSmallError() {
        Run r = run("ssd", "--seqlen", "100", "--heads", "4", "--headdim", "8", "--dstate", "16", "--chunk", "32",
                "--iters", "2", "--warmup", "0", "--check", "--json");
        assertEquals(0, r.code(), r.err());
        String[] lines = r.out().strip().split("\n");
        String json = lines[lines.length - 1];
        assertTrue(json.startsWith("{") && json.contains("\"rel_err\":") && json.contains("\"tokens_per_s\":"), json);
        double err = Double.parseDouble(json.replaceAll(".*\"rel_err\":([^,}]+).*", "$1"));
        assertTrue(err < 1e-5, "rel_err " + err);
    }

    @Test
    void withoutCheckRelErrIsNull() {
        Run r = run("ssd", "--seqlen", "16", "--heads", "2", "--headdim", "4", "--dstate", "4", "--chunk", "8", "--iters", "1", "--json");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("\"rel_err\":null"), r.out());
    }

    @Test
    void badFlagsGiveOneLineAndExit2() {
        for (String[] args : new String[][]{
                {"ssd", "--seqlen", "abc"},
                {"ssd", "--bogus"},
                {"ssd", "--heads", "3", "--groups", "2"},
                {"ssd", "--seqlen", "0"},
                {"ssd", "--iters", "0"}}) {
            Run r = run(args);
            assertEquals(Mamba2.USAGE, r.code(), String.join(" ", args));
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertFalse(r.err().contains("Exception"), r.err());
        }
    }

    @Test
    void benchWritesEveryFormatAndKeepsGoingPastAFailingDevice(@org.junit.jupiter.api.io.TempDir java.nio.file.Path out)
            throws java.io.IOException {
        // Without TornadoVM opencl:0 cannot open: its rows must say why while the JVM's rows run.
        Run r = run("bench", "--devices", "jvm,opencl:0", "--workloads", "decode-step", "--iters", "2", "--warmup", "0",
                "--out", out.toString(), "--quiet");
        assertEquals(Mamba2.CHECK_FAILED, r.code(), r.err());
        // not running (built with TORNADO_SDK) or not built in (without): either way one line naming TORNADO_SDK
        assertTrue(r.out().contains("| decode-step |") && r.out().contains("failed: device opencl:0: ")
                && (r.out().contains(org.mamba2j.device.Accelerators.NOT_STARTED) || r.out().contains(org.mamba2j.device.Accelerators.NOT_BUILT)), r.out());
        java.nio.file.Path dir;
        try (var dirs = java.nio.file.Files.list(out)) {
            dir = dirs.findFirst().orElseThrow();
        }
        for (String f : new String[]{"results.csv", "results.json", "results.md", "chart.svg"}) {
            assertTrue(java.nio.file.Files.size(dir.resolve(f)) > 0, f);
        }
        String csv = java.nio.file.Files.readString(dir.resolve("results.csv"));
        assertTrue(csv.lines().anyMatch(l -> l.startsWith("jvm,") && l.contains(",ok,")), csv);
        assertTrue(csv.lines().anyMatch(l -> l.startsWith("opencl:0,") && l.contains(",failed,")), csv);
    }

    @Test
    void benchTakesTurnsOverConfigsAndRounds(@org.junit.jupiter.api.io.TempDir java.nio.file.Path out) throws java.io.IOException {
        java.nio.file.Path a = java.nio.file.Files.writeString(out.resolve("a.json"), "{}"), b = out.resolve("b.json");
        java.nio.file.Files.writeString(b, "{}");
        Run r = run("bench", "--devices", "jvm", "--workloads", "decode-step", "--iters", "1", "--warmup", "0", "--rounds", "2",
                "--device-config", a + "," + b, "--out", out.resolve("runs").toString(), "--quiet");
        assertEquals(0, r.code(), r.err());
        java.nio.file.Path dir;
        try (var dirs = java.nio.file.Files.list(out.resolve("runs"))) {
            dir = dirs.findFirst().orElseThrow();
        }
        List<String> devices = java.nio.file.Files.readString(dir.resolve("results.csv")).lines().skip(1).map(l -> l.split(",")[0]).toList();
        // the second round starts with the second config
        assertEquals(List.of("jvm [a.json] #1", "jvm [b.json] #1", "jvm [b.json] #2", "jvm [a.json] #2"), devices);
        assertEquals(Mamba2.USAGE, run("bench", "--rounds", "0", "--quiet").code());
    }

    @Test
    void devicesListsTheJvmAsJson() {
        Run r = run("devices", "--json");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().strip().startsWith("[{\"spec\":\"jvm\""), r.out());
    }

    @Test
    void unknownDeviceIsOneLineExit3() {
        Run r = run("ssd", "--seqlen", "16", "--heads", "2", "--headdim", "4", "--dstate", "4", "--chunk", "8", "--device", "gpu9");
        assertEquals(Mamba2.DEVICE_UNAVAILABLE, r.code());
        assertTrue(r.err().startsWith("mamba2: error: unknown device 'gpu9'"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    @Test
    void anErrorFromALibraryIsOneLine() {
        Error tornado = new Error("wrapper: java.lang.RuntimeException: Unimplemented", new Error("inner", new RuntimeException("Unimplemented\nmore")));
        assertEquals("Error (RuntimeException: Unimplemented)", Failures.errorLine(tornado));
        assertEquals("OutOfMemoryError: Java heap space", Failures.errorLine(new OutOfMemoryError("Java heap space")));
        assertEquals("StackOverflowError", Failures.errorLine(new StackOverflowError()));
        StringWriter err = new StringWriter();
        CommandLine cl = Mamba2.commandLine();
        int code = Failures.handleError(tornado, cl.parseArgs("devices"), new PrintWriter(err, true));
        assertEquals(Mamba2.INTERNAL, code);
        assertEquals("mamba2: error: Error (RuntimeException: Unimplemented)", err.toString().strip());
    }
}
