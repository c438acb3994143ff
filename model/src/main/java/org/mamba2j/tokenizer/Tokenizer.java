package org.mamba2j.tokenizer;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.mamba2j.io.MalformedFileException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A HF {@code tokenizer.json} through DJL's binding of the tokenizers library (native, offline).
 * DJL truncates to 512 tokens and may pad unless told otherwise; both are off, and no special
 * tokens are added: a prompt encodes to exactly the ids HF tokenizers gives for the raw text.
 */
public final class Tokenizer implements AutoCloseable {

    private final HuggingFaceTokenizer hf;
    private final int vocabSize;

    private Tokenizer(HuggingFaceTokenizer hf, int vocabSize) {
        this.hf = hf;
        this.vocabSize = vocabSize;
    }

    public static Tokenizer load(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new MalformedFileException(file, "missing");
        // The jar bundles the CPU build of the native library. On a machine with CUDA the library
        // loader would look for a CUDA build instead and try to download it, which fails offline.
        if (System.getProperty("RUST_FLAVOR") == null && System.getenv("RUST_FLAVOR") == null) {
            System.setProperty("RUST_FLAVOR", "cpu");
        }
        int vocab;
        try {
            JsonNode root = new ObjectMapper().readTree(file.toFile());
            JsonNode v = root == null ? null : root.path("model").get("vocab");
            if (v == null || !v.isObject()) throw new MalformedFileException(file, "has no model.vocab object: not a HF tokenizer.json");
            vocab = v.size();
            for (JsonNode t : root.path("added_tokens")) vocab = Math.max(vocab, t.path("id").asInt(-1) + 1);
            for (JsonNode id : v) vocab = Math.max(vocab, id.asInt(-1) + 1);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new MalformedFileException(file, "not valid JSON (" + e.getOriginalMessage() + ")");
        }
        try {
            HuggingFaceTokenizer hf = HuggingFaceTokenizer.builder()
                    .optTokenizerPath(file)
                    .optAddSpecialTokens(false)
                    .optTruncation(false)
                    .optPadding(false)
                    .build();
            return new Tokenizer(hf, vocab);
        } catch (RuntimeException e) {
            throw new MalformedFileException(file, "cannot be loaded by HF tokenizers (" + firstLine(e.getMessage()) + ")");
        }
    }

    /** One past the largest token id the tokenizer knows; ids at or above it decode to nothing. */
    public int vocabSize() { return vocabSize; }

    public int[] encode(String text) {
        if (text.isEmpty()) return new int[0];
        Encoding enc = hf.encode(text, false, false);
        long[] ids = enc.getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) out[i] = Math.toIntExact(ids[i]);
        return out;
    }

    /** Text of the ids, special tokens included, ids outside the vocabulary skipped. */
    public String decode(int[] ids) {
        return decode(ids, 0, ids.length);
    }

    public String decode(int[] ids, int from, int to) {
        long[] l = new long[to - from];
        int n = 0;
        for (int i = from; i < to; i++) if (ids[i] >= 0 && ids[i] < vocabSize) l[n++] = ids[i];
        if (n == 0) return "";
        return hf.decode(n == l.length ? l : java.util.Arrays.copyOf(l, n), false);
    }

    private static String firstLine(String s) {
        if (s == null) return "unknown error";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    @Override
    public void close() {
        hf.close();
    }
}
