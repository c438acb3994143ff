package org.mamba2j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GenerateCommandTest {

    private static Path tinyA() {
        return Path.of(System.getProperty("golden.dir", "../testdata"), "tiny-a").toAbsolutePath().normalize();
    }

    private static JsonNode lastJson(Mamba2CliTest.Run r) throws IOException {
        String[] lines = r.out().strip().split("\n");
        return new ObjectMapper().readTree(lines[lines.length - 1]);
    }

    @Test
    void greedyFromIdsMatchesGoldenTokens() throws IOException {
        // greedy_prompt → greedy_tokens of golden.safetensors (both HF and mamba_ssm layouts).
        for (String layout : new String[] {"hf", "mamba_ssm"}) {
            Path dir = Files.createTempDirectory("gen");
            Files.copy(tinyA().resolve(layout + "/config.json"), dir.resolve("config.json"));
            String weights = layout.equals("hf") ? "model.safetensors" : "pytorch_model.bin";
            Files.createSymbolicLink(dir.resolve(weights), tinyA().resolve(layout + "/" + weights));
            Files.createSymbolicLink(dir.resolve("tokenizer.json"), tinyA().resolve("tokenizer.json"));
            Mamba2CliTest.Run r = Mamba2CliTest.run("generate", "--model", dir.toString(),
                    "--prompt-ids", "75,126,241,243,197,2,282", "--max-tokens", "16", "--json");
            assertEquals(0, r.code(), r.err());
            JsonNode j = lastJson(r);
            assertEquals("[179,25,210,74,179,165,169,249,154,20,292,268,4,4,176,169]", j.get("tokens").toString());
            assertEquals("[75,126,241,243,197,2,282]", j.get("prompt_ids").toString());
            assertTrue(j.get("prefill_ms").asDouble() > 0 && j.get("decode_tokens_per_s").asDouble() > 0, j.toString());
            assertEquals("jvm", j.get("device").asText());
        }
    }

    @Test
    void textPromptStreamsTheGoldenContinuation() throws IOException {
        Path dir = Files.createTempDirectory("gen");
        Files.copy(tinyA().resolve("hf/config.json"), dir.resolve("config.json"));
        Files.createSymbolicLink(dir.resolve("model.safetensors"), tinyA().resolve("hf/model.safetensors"));
        Files.createSymbolicLink(dir.resolve("tokenizer.json"), tinyA().resolve("tokenizer.json"));
        JsonNode golden = new ObjectMapper().enable(com.fasterxml.jackson.core.JsonParser.Feature.ALLOW_NON_NUMERIC_NUMBERS)
                .readTree(tinyA().resolve("golden.json").toFile());
        Mamba2CliTest.Run r = Mamba2CliTest.run("generate", "--model", dir.toString(),
                "--prompt", golden.get("text_prompt").asText(), "--max-tokens", "16", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = lastJson(r);
        assertEquals(golden.get("text_greedy_decoded").asText(), j.get("text").asText());
        assertTrue(r.out().startsWith(golden.get("text_greedy_decoded").asText()), r.out());
        assertEquals(32, j.get("prompt_ids").size());
    }

    @Test
    void badModelsAndFlagsGiveOneLine(@TempDir Path tmp) {
        Mamba2CliTest.Run r = Mamba2CliTest.run("generate", "--model", tmp.toString(), "--prompt-ids", "1,2");
        assertEquals(Mamba2.BAD_INPUT, r.code(), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        r = Mamba2CliTest.run("generate", "--model", tinyA().resolve("hf").toString(), "--prompt-ids", "1", "--top-p", "0");
        assertEquals(Mamba2.USAGE, r.code(), r.err());
        r = Mamba2CliTest.run("generate", "--model", tinyA().resolve("hf").toString(), "--prompt", "hi");
        assertEquals(Mamba2.USAGE, r.code(), r.err());   // hf/ has no tokenizer.json
        r = Mamba2CliTest.run("init", "--preset", "7b", "--out", tmp.toString());
        assertEquals(Mamba2.USAGE, r.code(), r.err());
        r = Mamba2CliTest.run("init", "--preset", "130m", "--out", tmp.toString(), "--dtype", "f8");
        assertEquals(Mamba2.USAGE, r.code(), r.err());
    }
}
