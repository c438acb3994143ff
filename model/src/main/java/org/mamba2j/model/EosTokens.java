package org.mamba2j.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import org.mamba2j.io.MalformedFileException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A model directory's end-of-sequence ids, where HF's {@code generate} finds them: the
 * {@code eos_token_id} of {@code generation_config.json} when that file names one, else that of
 * {@code config.json}. The value is an id, a list of ids, or null/absent (no end of sequence, as in
 * mamba_ssm's configs).
 */
public final class EosTokens {

    private static final String FIELD = "eos_token_id";

    private EosTokens() {
    }

    public static int[] read(Path modelDir) throws IOException {
        Path gen = modelDir.resolve("generation_config.json");
        if (Files.isRegularFile(gen)) {
            JsonNode g = json(gen);
            if (g.hasNonNull(FIELD)) return ids(gen, g.get(FIELD));
        }
        Path config = modelDir.resolve("config.json");
        return Files.isRegularFile(config) ? ids(config, json(config).get(FIELD)) : new int[0];
    }

    private static JsonNode json(Path file) throws IOException {
        try {
            JsonNode root = Mamba2Config.JSON.readTree(Files.readAllBytes(file));
            if (root == null || !root.isObject()) throw new MalformedFileException(file, "is not a JSON object");
            return root;
        } catch (JsonProcessingException e) {
            throw new MalformedFileException(file, "not valid JSON (" + e.getOriginalMessage() + ")");
        }
    }

    private static int[] ids(Path file, JsonNode v) throws MalformedFileException {
        if (v == null || v.isNull()) return new int[0];
        if (!v.isArray()) return new int[] {id(file, v)};
        int[] out = new int[v.size()];
        for (int i = 0; i < out.length; i++) out[i] = id(file, v.get(i));
        return out;
    }

    private static int id(Path file, JsonNode v) throws MalformedFileException {
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < 0) {
            throw new MalformedFileException(file, "'" + FIELD + "' must be a token id >= 0 or a list of them, got " + v);
        }
        return v.intValue();
    }
}
