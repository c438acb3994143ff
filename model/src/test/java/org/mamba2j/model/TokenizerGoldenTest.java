package org.mamba2j.model;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.mamba2j.io.MalformedFileException;
import org.mamba2j.io.SafeTensors;
import org.mamba2j.tokenizer.StreamingDecoder;
import org.mamba2j.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.StreamSupport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every tokenizer case of golden.json, the text prompt, and streaming decode. */
class TokenizerGoldenTest {

    private static JsonNode golden() throws IOException {
        return Mamba2Config.JSON.readTree(Golden.tinyA().resolve("golden.json").toFile());
    }

    private static Tokenizer tokenizer() throws IOException {
        return Tokenizer.load(Golden.tinyA().resolve("tokenizer.json"));
    }

    @Test
    void everyGoldenCaseEncodesAndRoundTrips() throws IOException {
        JsonNode cases = golden().get("tokenizer_cases");
        assertTrue(cases.size() >= 9);
        try (Tokenizer tok = tokenizer()) {
            for (JsonNode c : cases) {
                String text = c.get("text").asText();
                int[] expected = StreamSupport.stream(c.get("ids").spliterator(), false).mapToInt(JsonNode::asInt).toArray();
                assertArrayEquals(expected, tok.encode(text), "encode " + text);
                assertEquals(text, tok.decode(expected), "decode " + text);
            }
            String longText = "x".repeat(3000);   // past DJL's default truncation at 512
            assertEquals(longText, tok.decode(tok.encode(longText)));
        }
    }

    @Test
    void textPromptEncodesToGoldenIdsAndGreedyTextDecodes() throws IOException {
        JsonNode g = golden();
        try (Tokenizer tok = tokenizer(); SafeTensors st = Golden.tensors()) {
            assertArrayEquals(Golden.ints(st, "text_prompt_ids"), tok.encode(g.get("text_prompt").asText()));
            int[] greedy = Golden.ints(st, "text_greedy_tokens");
            assertEquals(g.get("text_greedy_decoded").asText(), tok.decode(greedy));
        }
    }

    @Test
    void streamingPiecesConcatenateToTheWholeDecode() throws IOException {
        try (Tokenizer tok = tokenizer(); SafeTensors st = Golden.tensors()) {
            int[] emoji = tok.encode("caf\u00e9 \u65e5\u672c\u8a9e \ud83d\ude42 ok");
            for (int[] ids : new int[][] {emoji, Golden.ints(st, "text_greedy_tokens"), Golden.ints(st, "input_ids")}) {
                StreamingDecoder d = new StreamingDecoder(tok);
                StringBuilder sb = new StringBuilder();
                for (int id : ids) {
                    String piece = d.add(id);
                    sb.append(piece);
                }
                sb.append(d.flush());
                assertEquals(tok.decode(ids), sb.toString());
            }
            // A multi-byte character split across tokens is never emitted half-way.
            StreamingDecoder d = new StreamingDecoder(tok);
            StringBuilder sb = new StringBuilder();
            for (int id : emoji) {
                String piece = d.add(id);
                assertTrue(piece.indexOf('\uFFFD') < 0, "emitted a replacement character: " + piece);
                sb.append(piece);
            }
            assertEquals("caf\u00e9 \u65e5\u672c\u8a9e \ud83d\ude42 ok", sb.toString());
        }
    }

    @Test
    void missingOrBrokenTokenizerFileIsAClearError(@org.junit.jupiter.api.io.TempDir Path tmp) throws IOException {
        assertThrows(MalformedFileException.class, () -> Tokenizer.load(tmp.resolve("tokenizer.json")));
        Path bad = tmp.resolve("bad.json");
        Files.writeString(bad, "{\"model\": ");
        assertThrows(MalformedFileException.class, () -> Tokenizer.load(bad));
        Files.writeString(bad, "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": [[\"q\"]]}}");
        assertThrows(MalformedFileException.class, () -> Tokenizer.load(bad));
    }
}
