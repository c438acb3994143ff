package org.mamba2j.tokenizer;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.mamba2j.io.MalformedFileException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;

/**
 * A HF {@code tokenizer.json} through DJL's binding of the tokenizers library (native, offline).
 * DJL truncates to 512 tokens and may pad unless told otherwise; both are off, and no special
 * tokens are added: a prompt encodes to exactly the ids HF tokenizers gives for the raw text.
 */
public final class Tokenizer implements AutoCloseable {

    private final HuggingFaceTokenizer hf;
    private final BitSet known;

    private Tokenizer(HuggingFaceTokenizer hf, BitSet known) {
        this.hf = hf;
        this.known = known;
    }

    public static Tokenizer load(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new MalformedFileException(file, "missing");
        // The jar bundles the CPU build of the native library. On a machine with CUDA the library
        // loader would look for a CUDA build instead and try to download it, which fails offline.
        if (System.getProperty("RUST_FLAVOR") == null && System.getenv("RUST_FLAVOR") == null) {
            System.setProperty("RUST_FLAVOR", "cpu");
        }
        BitSet known = new BitSet();
        try {
            JsonNode root = new ObjectMapper().readTree(file.toFile());
            JsonNode v = root == null ? null : root.path("model").get("vocab");
            if (v == null || !v.isObject()) throw new MalformedFileException(file, "has no model.vocab object: not a HF tokenizer.json");
            for (JsonNode id : v) setId(known, id);
            for (JsonNode t : root.path("added_tokens")) setId(known, t.path("id"));
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
            return new Tokenizer(hf, known);
        } catch (RuntimeException e) {
            throw new MalformedFileException(file, "cannot be loaded by HF tokenizers (" + firstLine(e.getMessage()) + ")");
        }
    }

    private static void setId(BitSet known, JsonNode id) {
        if (id.canConvertToInt() && id.intValue() >= 0) known.set(id.intValue());
    }

    /** One past the largest token id the tokenizer knows. */
    public int vocabSize() { return known.length(); }

    /** Whether the tokenizer has a token for {@code id} (its vocabulary or its added tokens). */
    public boolean knows(int id) {
        return id >= 0 && known.get(id);
    }

    public int[] encode(String text) {
        if (text.isEmpty()) return new int[0];
        Encoding enc = hf.encode(text, false, false);
        long[] ids = enc.getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) out[i] = Math.toIntExact(ids[i]);
        return out;
    }

    /**
     * Text of the ids, special tokens included. An id the tokenizer lacks (a model's vocabulary can
     * be larger than its tokenizer's) shows as {@link #unknown}, never silently dropped.
     */
    public String decode(int[] ids) {
        return decode(ids, 0, ids.length);
    }

    public String decode(int[] ids, int from, int to) {
        StringBuilder sb = new StringBuilder();
        int run = from;   // start of the current run of known ids
        for (int i = from; i < to; i++) {
            if (knows(ids[i])) continue;
            sb.append(decodeKnown(ids, run, i)).append(unknown(ids[i]));
            run = i + 1;
        }
        return sb.append(decodeKnown(ids, run, to)).toString();
    }

    /** How an id the tokenizer lacks shows in text: {@code <id:271>}. */
    public static String unknown(int id) {
        return "<id:" + id + ">";
    }

    private String decodeKnown(int[] ids, int from, int to) {
        if (from == to) return "";
        long[] l = new long[to - from];
        for (int i = from; i < to; i++) l[i - from] = ids[i];
        return hf.decode(l, false);
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
