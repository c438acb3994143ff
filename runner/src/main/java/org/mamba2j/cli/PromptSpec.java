package org.mamba2j.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One prompt of a generate run: text (for the tokenizer) or token ids, with an optional max tokens
 * and stop ids of its own (null: the command line's).
 */
record PromptSpec(String text, int[] ids, Integer maxTokens, int[] stop) {

    static PromptSpec text(String text) {
        return new PromptSpec(text, null, null, null);
    }

    /** "1,2,3". */
    static PromptSpec ids(String list) {
        return new PromptSpec(null, parseIds(list), null, null);
    }

    /**
     * A --prompts-file: one prompt per non-blank line, either plain text or a JSON object with
     * "prompt" (text) or "prompt_ids" (ids), and optionally "max_tokens" and "stop" (ids).
     *
     * @throws IllegalArgumentException with the line number for a malformed line or a file without prompts
     */
    static List<PromptSpec> readFile(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        List<PromptSpec> out = new ArrayList<>();
        ObjectMapper om = new ObjectMapper();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) continue;
            if (!line.stripLeading().startsWith("{")) {
                out.add(text(line));
                continue;
            }
            String where = file + " line " + (i + 1) + ": ";
            JsonNode o;
            try {
                o = om.readTree(line);
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException(where + "not a JSON object (" + e.getOriginalMessage() + ")");
            }
            boolean hasText = o.hasNonNull("prompt"), hasIds = o.hasNonNull("prompt_ids");
            if (hasText == hasIds) throw new IllegalArgumentException(where + "needs exactly one of \"prompt\" and \"prompt_ids\"");
            Integer max = o.hasNonNull("max_tokens") ? o.get("max_tokens").asInt() : null;
            out.add(new PromptSpec(hasText ? o.get("prompt").asText() : null, hasIds ? ints(o.get("prompt_ids"), where) : null, max,
                    o.hasNonNull("stop") ? ints(o.get("stop"), where) : null));
        }
        if (out.isEmpty()) throw new IllegalArgumentException(file + " holds no prompts");
        return out;
    }

    private static int[] ints(JsonNode array, String where) {
        if (!array.isArray()) throw new IllegalArgumentException(where + "expected an array of token ids, got " + array);
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            if (!array.get(i).canConvertToInt()) throw new IllegalArgumentException(where + "not a token id: " + array.get(i));
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    private static int[] parseIds(String list) {
        String[] parts = list.split(",");
        int[] out = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                out[i] = Integer.parseInt(parts[i].strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a token id list: '" + list + "'");
            }
        }
        return out;
    }
}
