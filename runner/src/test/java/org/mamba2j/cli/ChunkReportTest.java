package org.mamba2j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.mamba2j.ssd.JvmSsd;
import org.mamba2j.ssd.SsdBackend;
import org.mamba2j.ssd.SsdInputs;
import org.mamba2j.ssd.SsdShape;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reports carry the chunk size that ran: --chunk as given, the device's preference only with 'auto'. */
class ChunkReportTest {

    /** The JVM's SSD with a device-config-like preference, recording the chunk size of every forward it runs. */
    static final class PreferringBackend implements SsdBackend {
        final int preferred;
        final List<Integer> ran = new ArrayList<>();

        PreferringBackend(int preferred) {
            this.preferred = preferred;
        }

        @Override
        public String deviceName() {
            return "test device preferring chunk " + preferred;
        }

        @Override
        public int preferredChunkSize(int requested) {
            return preferred;
        }

        @Override
        public void forward(SsdShape shape, SsdInputs in, float[] y, float[] finalState) {
            ran.add(shape.chunkSize());
            JvmSsd.INSTANCE.forward(shape, in, y, finalState);
        }

        @Override
        public void step(SsdShape shape, SsdInputs in, float[] state, float[] y) {
            JvmSsd.INSTANCE.step(shape, in, state, y);
        }
    }

    private static final SsdShape SHAPE = new SsdShape(1, 96, 2, 8, 1, 8, 32);

    private static BenchResult bench(ChunkChoice chunk, PreferringBackend backend) {
        return new Workload.SsdForward("ssd-test", SHAPE).run("test:0", backend, null, chunk, 0, 2);
    }

    @Test
    void benchRunsTheChunkAsGivenAndReportsWhatRan() throws IOException {
        for (ChunkChoice chunk : new ChunkChoice[] {new ChunkChoice(32), new ChunkChoice(48), ChunkChoice.AUTO}) {
            PreferringBackend backend = new PreferringBackend(16);
            BenchResult r = bench(chunk, backend);
            int expected = chunk.isAuto() ? 16 : chunk.size();
            assertTrue(backend.ran.size() >= 3 && backend.ran.stream().allMatch(q -> q == expected), chunk + ": ran " + backend.ran);
            assertEquals("ok", r.status(), r.error());
            assertEquals(expected, r.chunk());
            double flops = SHAPE.withChunkSize(expected).flops();
            assertEquals(flops / (r.medianMs() / 1e3) / 1e9, r.gflops(), 1e-9 * r.gflops(), "GFLOP/s from the chunk that ran");

            List<BenchResult> rows = List.of(r, BenchResult.failed("x:0", "ssd-test", "absent"));
            String csv = BenchReport.csv(rows);
            assertTrue(csv.startsWith("device,device_name,workload,chunk,status,"), csv);
            assertTrue(csv.contains("ssd-test," + expected + ",ok,"), csv);
            assertTrue(csv.contains("ssd-test,,failed,"), csv);
            JsonNode json = new ObjectMapper().readTree(BenchReport.json("cmd", rows)).get("results");
            assertEquals(expected, json.get(0).get("chunk").asInt());
            assertTrue(json.get(1).get("chunk").isNull());
            assertTrue(BenchReport.markdown("cmd", rows).contains("| ssd-test | " + expected + " | "), BenchReport.markdown("cmd", rows));
        }
    }

    @Test
    void ssdCommandReportsTheChunkItRan() throws IOException {
        for (String[] c : new String[][] {{"48", "48"}, {"auto", "256"}}) {
            Mamba2CliTest.Run r = Mamba2CliTest.run("ssd", "--seqlen", "100", "--heads", "2", "--headdim", "8", "--dstate", "8",
                    "--chunk", c[0], "--iters", "2", "--warmup", "0", "--check", "--json");
            assertEquals(0, r.code(), r.err());
            String[] lines = r.out().strip().split("\n");
            JsonNode j = new ObjectMapper().readTree(lines[lines.length - 1]);
            int q = Integer.parseInt(c[1]);
            assertEquals(q, j.get("chunk").asInt());
            assertEquals(c[0], j.get("chunk_option").asText());
            assertTrue(r.out().contains("chunk=" + q), r.out());
            double flops = new SsdShape(1, 100, 2, 8, 1, 8, q).flops();
            assertEquals(flops / (j.get("ms_median").asDouble() / 1e3) / 1e9, j.get("gflops").asDouble(), 1e-9 * j.get("gflops").asDouble());
        }
    }

    @Test
    void badChunkIsOneUsageLine() {
        for (String bad : new String[] {"0", "-8", "big", "Auto"}) {
            Mamba2CliTest.Run r = Mamba2CliTest.run("ssd", "--chunk", bad);
            assertEquals(Mamba2.USAGE, r.code(), bad);
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertTrue(r.err().contains("--chunk"), r.err());
        }
        Mamba2CliTest.Run r = Mamba2CliTest.run("bench", "--chunk", "x", "--list");
        assertEquals(Mamba2.USAGE, r.code(), r.err());
    }
}
