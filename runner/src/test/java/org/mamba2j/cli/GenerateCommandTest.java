package org.mamba2j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
    void aBatchGivesEachPromptItsOwnTokens(@TempDir Path tmp) throws IOException {
        // the golden greedy prompt beside a shorter one, and from a file with its own max tokens and stop
        Path dir = tinyA().resolve("hf");
        Mamba2CliTest.Run r = Mamba2CliTest.run("generate", "--model", dir.toString(), "--prompt-ids", "75,126,241,243,197,2,282",
                "--prompt-ids", "5,17", "--max-tokens", "16", "--json", "--ignore-eos");
        assertEquals(0, r.code(), r.err());
        String[] lines = r.out().strip().split("\n");
        assertEquals(2, lines.length, r.out());
        JsonNode first = new ObjectMapper().readTree(lines[0]);
        assertEquals("[179,25,210,74,179,165,169,249,154,20,292,268,4,4,176,169]", first.get("tokens").toString());
        assertEquals(0, first.get("sequence").asInt());
        Mamba2CliTest.Run alone = Mamba2CliTest.run("generate", "--model", dir.toString(), "--prompt-ids", "5,17", "--max-tokens", "16",
                "--json", "--ignore-eos");
        assertEquals(lastJson(alone).get("tokens"), new ObjectMapper().readTree(lines[1]).get("tokens"));

        Path file = tmp.resolve("prompts.txt");
        Files.writeString(file, "{\"prompt_ids\": [75,126,241,243,197,2,282], \"max_tokens\": 3}\n\n{\"prompt_ids\": [5], \"stop\": [25]}\n");
        r = Mamba2CliTest.run("generate", "--model", dir.toString(), "--prompts-file", file.toString(), "--json", "--ignore-eos");
        assertEquals(0, r.code(), r.err());
        lines = r.out().strip().split("\n");
        assertEquals("[179,25,210]", new ObjectMapper().readTree(lines[0]).get("tokens").toString());
        assertEquals("max_tokens", new ObjectMapper().readTree(lines[0]).get("stop_reason").asText());
        assertEquals(1, new ObjectMapper().readTree(lines[1]).get("sequence").asInt());
    }

    @Test
    void badBatchesGetOneLine(@TempDir Path tmp) throws IOException {
        Path dir = tinyA().resolve("hf");
        Path empty = Files.writeString(tmp.resolve("empty.txt"), "\n  \n");
        Mamba2CliTest.Run r = Mamba2CliTest.run("generate", "--model", dir.toString(), "--prompts-file", empty.toString());
        assertEquals(Mamba2.BAD_INPUT, r.code(), r.err());
        assertEquals(1, r.err().strip().split("\n").length, r.err());
        Path bad = Files.writeString(tmp.resolve("bad.txt"), "{\"prompt_ids\": [1], \"prompt\": \"x\"}\n");
        r = Mamba2CliTest.run("generate", "--model", dir.toString(), "--prompts-file", bad.toString());
        assertEquals(Mamba2.BAD_INPUT, r.code(), r.err());
        assertTrue(r.err().contains("line 1"), r.err());
        String[] many = new String[2 * 257 + 4];
        many[0] = "generate";
        many[1] = "--model";
        many[2] = dir.toString();
        many[3] = "--json";
        for (int i = 0; i < 257; i++) {
            many[4 + 2 * i] = "--prompt-ids";
            many[5 + 2 * i] = "1";
        }
        r = Mamba2CliTest.run(many);
        assertEquals(2, r.code(), r.err());
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

    private static final String GREEDY_PROMPT = "75,126,241,243,197,2,282";
    /** greedy_tokens of golden.safetensors: the float64 model's greedy continuation of GREEDY_PROMPT. */
    private static final int[] GREEDY = {179, 25, 210, 74, 179, 165, 169, 249, 154, 20, 292, 268, 4, 4, 176, 169};

    /** tiny-a (HF layout) in a folder of its own, with {@code config.json} rewritten by {@code edit}. */
    private static Path tinyACopy(Path dir, java.util.function.Consumer<ObjectNode> edit) throws IOException {
        ObjectMapper om = new ObjectMapper().enable(com.fasterxml.jackson.core.JsonParser.Feature.ALLOW_NON_NUMERIC_NUMBERS);
        ObjectNode config = (ObjectNode) om.readTree(tinyA().resolve("hf/config.json").toFile());
        edit.accept(config);
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), om.writeValueAsString(config));
        Files.createSymbolicLink(dir.resolve("model.safetensors"), tinyA().resolve("hf/model.safetensors"));
        return dir;
    }

    /**
     * The golden tokenizer cut to its first {@code keep} ids (merges whose tokens go are dropped):
     * a tokenizer smaller than the model's vocabulary (320 rows).
     */
    private static void writeTruncatedTokenizer(Path file, int keep) throws IOException {
        ObjectMapper om = new ObjectMapper();
        ObjectNode root = (ObjectNode) om.readTree(tinyA().resolve("tokenizer.json").toFile());
        ObjectNode model = (ObjectNode) root.get("model");
        ObjectNode vocab = om.createObjectNode();
        model.get("vocab").properties().forEach(e -> {
            if (e.getValue().asInt() < keep) vocab.set(e.getKey(), e.getValue());
        });
        ArrayNode merges = om.createArrayNode();
        for (JsonNode m : model.get("merges")) {
            String a = m.get(0).asText(), b = m.get(1).asText();
            if (vocab.has(a) && vocab.has(b) && vocab.has(a + b)) merges.add(m);
        }
        model.set("vocab", vocab);
        model.set("merges", merges);
        Files.writeString(file, om.writeValueAsString(root));
    }

    private static String ids(int[] a) {
        return java.util.Arrays.toString(a).replace(" ", "");
    }

    @Test
    void greedyPicksIdsTheTokenizerLacksAndShowsThem(@TempDir Path tmp) throws IOException {
        // Specials and bytes only (258 ids) against a vocabulary of 320: the reference picks 292 and 268.
        Path dir = tinyACopy(tmp.resolve("m"), c -> { });
        writeTruncatedTokenizer(dir.resolve("tokenizer.json"), 258);
        Mamba2CliTest.Run r = Mamba2CliTest.run("generate", "--model", dir.toString(), "--prompt-ids", GREEDY_PROMPT, "--max-tokens", "16", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = lastJson(r);
        assertEquals(ids(GREEDY), j.get("tokens").toString());
        assertEquals("max_tokens", j.get("stop_reason").asText());
        assertTrue(j.get("text").asText().contains("<id:292><id:268>"), j.toString());

        r = Mamba2CliTest.run("generate", "--model", dir.toString(), "--prompt-ids", GREEDY_PROMPT, "--max-tokens", "16");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("<id:292><id:268>"), r.out());

        r = Mamba2CliTest.run("generate", "--model", dir.toString(), "--prompt-ids", GREEDY_PROMPT, "--max-tokens", "16",
                "--tokenizer-vocab-only", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode restricted = lastJson(r).get("tokens");
        assertEquals(16, restricted.size());
        for (int i = 0; i < 10; i++) assertEquals(GREEDY[i], restricted.get(i).asInt(), "token " + i);
        for (JsonNode t : restricted) assertTrue(t.asInt() < 258, restricted.toString());
        assertFalse(lastJson(r).get("text").asText().contains("<id:"), r.out());
    }

    @Test
    void textGenerationStopsAtTheConfigsEosUnlessIgnored(@TempDir Path tmp) throws IOException {
        // eos_token_id 74: the 4th greedy token.
        Path dir = tinyACopy(tmp.resolve("m"), c -> c.put("eos_token_id", 74));
        Mamba2CliTest.Run r = Mamba2CliTest.run("generate", "--model", dir.toString(), "--prompt-ids", GREEDY_PROMPT, "--max-tokens", "16", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = lastJson(r);
        assertEquals("[179,25,210]", j.get("tokens").toString());
        assertEquals("eos", j.get("stop_reason").asText());
        assertEquals("[74]", j.get("eos_token_ids").toString());

        r = Mamba2CliTest.run("generate", "--model", dir.toString(), "--prompt-ids", GREEDY_PROMPT, "--max-tokens", "16", "--json", "--ignore-eos");
        assertEquals(0, r.code(), r.err());
        assertEquals(ids(GREEDY), lastJson(r).get("tokens").toString());
        assertEquals("max_tokens", lastJson(r).get("stop_reason").asText());
        assertEquals("[]", lastJson(r).get("eos_token_ids").toString());

        // --stop adds ids to the EOS: 25 comes before it.
        r = Mamba2CliTest.run("generate", "--model", dir.toString(), "--prompt-ids", GREEDY_PROMPT, "--max-tokens", "16", "--json", "--stop", "25");
        assertEquals("[179]", lastJson(r).get("tokens").toString());
        assertEquals("stop_id", lastJson(r).get("stop_reason").asText());
        r = Mamba2CliTest.run("generate", "--model", dir.toString(), "--prompt-ids", GREEDY_PROMPT, "--max-tokens", "16", "--json",
                "--stop", "165", "--ignore-eos");
        assertEquals("[179,25,210,74,179]", lastJson(r).get("tokens").toString());
        assertEquals("stop_id", lastJson(r).get("stop_reason").asText());

        // generation_config.json, where HF's generate looks first; a list of ids.
        Files.writeString(dir.resolve("generation_config.json"), "{\"eos_token_id\": [999, 210]}");
        r = Mamba2CliTest.run("generate", "--model", dir.toString(), "--prompt-ids", GREEDY_PROMPT, "--max-tokens", "16", "--json");
        assertEquals("[179,25]", lastJson(r).get("tokens").toString());
        assertEquals("eos", lastJson(r).get("stop_reason").asText());

        Files.writeString(dir.resolve("generation_config.json"), "{\"eos_token_id\": \"end\"}");
        r = Mamba2CliTest.run("generate", "--model", dir.toString(), "--prompt-ids", GREEDY_PROMPT);
        assertEquals(Mamba2.BAD_INPUT, r.code(), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("eos_token_id"), r.err());
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
        r = Mamba2CliTest.run("generate", "--model", tinyA().resolve("hf").toString(), "--prompt-ids", "1", "--tokenizer-vocab-only");
        assertEquals(Mamba2.USAGE, r.code(), r.err());   // no tokenizer.json to restrict to
        assertEquals(1, r.err().strip().lines().count(), r.err());
        r = Mamba2CliTest.run("init", "--preset", "7b", "--out", tmp.toString());
        assertEquals(Mamba2.USAGE, r.code(), r.err());
        r = Mamba2CliTest.run("init", "--preset", "130m", "--out", tmp.toString(), "--dtype", "f8");
        assertEquals(Mamba2.USAGE, r.code(), r.err());
    }
}
