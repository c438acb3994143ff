package org.mamba2j.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.mamba2j.io.MalformedFileException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The architecture of a Mamba-2 language model, read from either an HF {@code config.json}
 * ({@code hidden_size}, {@code num_hidden_layers}, ...) or a mamba_ssm one ({@code d_model},
 * {@code n_layer}, {@code ssm_cfg}, ...). {@code paddedVocab} is the number of embedding rows.
 */
public record Mamba2Config(
        int dModel, int nLayer, int vocabSize, int paddedVocab,
        int dState, int dConv, int expand, int headdim, int nheads, int ngroups, int chunkSize,
        float dtMin, float dtMax, float normEps, float mixerNormEps,
        boolean tieEmbeddings, boolean useConvBias, boolean useBias, boolean normBeforeGate) {

    /** A JSON reader accepting bare {@code Infinity}/{@code NaN}, as older HF configs write them. */
    public static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build();

    public int dInner() { return expand * dModel; }
    public int convDim() { return dInner() + 2 * ngroups * dState; }
    /** in_proj output: z (d_inner) | xBC (conv_dim) | dt (nheads). */
    public int dInProj() { return dInner() + convDim() + nheads; }

    public Mamba2Config {
        check(dModel > 0 && nLayer > 0 && vocabSize > 0 && dState > 0 && dConv > 0 && expand > 0
                && headdim > 0 && nheads > 0 && ngroups > 0 && chunkSize > 0,
                "sizes must be positive");
        check(paddedVocab >= vocabSize, "padded vocabulary " + paddedVocab + " is smaller than vocab_size " + vocabSize);
        check((long) nheads * headdim == (long) expand * dModel,
                "num_heads " + nheads + " x head_dim " + headdim + " != expand " + expand + " x hidden " + dModel);
        check(nheads % ngroups == 0, "num_heads " + nheads + " is not a multiple of n_groups " + ngroups);
        check(dtMin <= dtMax, "time_step_limit min " + dtMin + " > max " + dtMax);
        check((long) dModel * paddedVocab < Integer.MAX_VALUE && (long) dInProj() * dModel < Integer.MAX_VALUE,
                "sizes too large");
    }

    private static void check(boolean ok, String what) {
        if (!ok) throw new IllegalArgumentException(what);
    }

    public static Mamba2Config read(Path file) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            throw new MalformedFileException(file, "missing");
        } catch (JsonProcessingException e) {
            throw new MalformedFileException(file, "not valid JSON (" + e.getOriginalMessage() + ")");
        }
        if (!(root instanceof ObjectNode obj)) throw new MalformedFileException(file, "is not a JSON object");
        try {
            return obj.has("d_model") ? fromMambaSsm(obj) : fromHf(obj);
        } catch (IllegalArgumentException e) {
            throw new MalformedFileException(file, e.getMessage());
        }
    }

    /** HF transformers' Mamba2Config. */
    static Mamba2Config fromHf(JsonNode c) {
        int hidden = intField(c, "hidden_size", null);
        int expand = intField(c, "expand", 2);
        int headdim = intField(c, "head_dim", 64);
        int nheads = c.has("num_heads") ? intField(c, "num_heads", null) : expand * hidden / headdim;
        int vocab = intField(c, "vocab_size", null);
        int mult = intField(c, "pad_vocab_size_multiple", 1);
        float[] limit = timeStepLimit(c.get("time_step_limit"));
        if (c.has("rms_norm") && !c.get("rms_norm").asBoolean(true)) throw new IllegalArgumentException("rms_norm=false (LayerNorm) is not supported");
        float eps = floatField(c, "layer_norm_epsilon", 1e-5f);
        // HF itself never pads (its conversions write the padded size as vocab_size); when a config
        // names a multiple anyway, the loader also accepts an embedding of exactly vocab_size rows.
        return new Mamba2Config(hidden, intField(c, "num_hidden_layers", null), vocab, roundUp(vocab, mult),
                intField(c, "state_size", 128), intField(c, "conv_kernel", 4), expand, headdim, nheads,
                intField(c, "n_groups", 1), intField(c, "chunk_size", 256), limit[0], limit[1], eps, eps,
                boolField(c, "tie_word_embeddings", true), boolField(c, "use_conv_bias", true),
                boolField(c, "use_bias", false), boolField(c, "norm_before_gate", false));
    }

    /** mamba_ssm's MambaConfig with an ssm_cfg for a Mamba2 mixer; block defaults as mamba_ssm's Mamba2. */
    static Mamba2Config fromMambaSsm(JsonNode c) {
        JsonNode ssm = c.path("ssm_cfg");
        if (!ssm.isMissingNode() && !ssm.isObject()) throw new IllegalArgumentException("ssm_cfg is not an object");
        String layer = ssm.path("layer").asText("Mamba1");
        if (!layer.equals("Mamba2")) throw new IllegalArgumentException("ssm_cfg.layer is '" + layer + "', only Mamba2 is supported");
        if (intField(c, "d_intermediate", 0) != 0) throw new IllegalArgumentException("d_intermediate > 0 (MLP blocks) is not supported");
        JsonNode attn = c.path("attn_layer_idx");
        if (attn.isArray() && !attn.isEmpty()) throw new IllegalArgumentException("attention layers (attn_layer_idx) are not supported");
        if (!boolField(c, "rms_norm", true)) throw new IllegalArgumentException("rms_norm=false (LayerNorm) is not supported");
        int dModel = intField(c, "d_model", null);
        int expand = intField(ssm, "expand", 2);
        int headdim = intField(ssm, "headdim", 64);
        int dSsm = ssm.has("d_ssm") && !ssm.get("d_ssm").isNull() ? intField(ssm, "d_ssm", null) : expand * dModel;
        if (dSsm != expand * dModel) throw new IllegalArgumentException("d_ssm " + dSsm + " != expand x d_model (partial SSM is not supported)");
        if (dSsm % headdim != 0) throw new IllegalArgumentException("d_ssm " + dSsm + " is not a multiple of headdim " + headdim);
        int vocab = intField(c, "vocab_size", null);
        int mult = intField(c, "pad_vocab_size_multiple", 8);
        float[] limit = timeStepLimit(ssm.get("dt_limit"));
        return new Mamba2Config(dModel, intField(c, "n_layer", null), vocab, roundUp(vocab, mult),
                intField(ssm, "d_state", 128), intField(ssm, "d_conv", 4), expand, headdim, dSsm / headdim,
                intField(ssm, "ngroups", 1), intField(ssm, "chunk_size", 256), limit[0], limit[1],
                floatField(c, "norm_epsilon", 1e-5f), 1e-5f,
                boolField(c, "tie_embeddings", true), boolField(ssm, "conv_bias", true),
                boolField(ssm, "bias", false), boolField(ssm, "norm_before_gate", false));
    }

    /** The same configuration with a different number of embedding rows. */
    public Mamba2Config withPaddedVocab(int rows) {
        return new Mamba2Config(dModel, nLayer, vocabSize, rows, dState, dConv, expand, headdim, nheads, ngroups,
                chunkSize, dtMin, dtMax, normEps, mixerNormEps, tieEmbeddings, useConvBias, useBias, normBeforeGate);
    }

    static int roundUp(int n, int mult) {
        if (mult <= 0) throw new IllegalArgumentException("pad_vocab_size_multiple must be positive, got " + mult);
        return (int) Math.min(Integer.MAX_VALUE, ((long) n + mult - 1) / mult * mult);
    }

    /** [min, max]; each bound a number, a bare Infinity, or {"__float__": "Infinity"}. */
    static float[] timeStepLimit(JsonNode n) {
        if (n == null || n.isNull() || n.isMissingNode()) return new float[] {0f, Float.POSITIVE_INFINITY};
        if (!n.isArray() || n.size() != 2) throw new IllegalArgumentException("time_step_limit must be [min, max], got " + n);
        float lo = floatValue(n.get(0), "time_step_limit[0]"), hi = floatValue(n.get(1), "time_step_limit[1]");
        if (Float.isNaN(lo) || Float.isNaN(hi) || lo > hi || lo < 0) throw new IllegalArgumentException("time_step_limit " + n + " is not a range [min, max] with 0 <= min <= max");
        return new float[] {lo, hi};
    }

    private static float floatValue(JsonNode v, String name) {
        if (v.isNumber()) return v.floatValue();
        if (v.isObject() && v.size() == 1 && v.get("__float__") != null && v.get("__float__").isTextual()) {
            String s = v.get("__float__").asText();
            return switch (s) {
                case "Infinity", "inf" -> Float.POSITIVE_INFINITY;
                case "-Infinity", "-inf" -> Float.NEGATIVE_INFINITY;
                default -> {
                    try {
                        yield Float.parseFloat(s);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException(name + " is not a number: " + v);
                    }
                }
            };
        }
        throw new IllegalArgumentException(name + " is not a number: " + v);
    }

    private static int intField(JsonNode c, String name, Integer dflt) {
        JsonNode v = c.get(name);
        if (v == null || v.isNull()) {
            if (dflt == null) throw new IllegalArgumentException("'" + name + "' is missing");
            return dflt;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) throw new IllegalArgumentException("'" + name + "' is not an integer: " + v);
        return v.intValue();
    }

    private static float floatField(JsonNode c, String name, float dflt) {
        JsonNode v = c.get(name);
        if (v == null || v.isNull()) return dflt;
        float f = floatValue(v, name);
        if (!(f > 0) || Float.isInfinite(f)) throw new IllegalArgumentException("'" + name + "' must be a positive number, got " + v);
        return f;
    }

    private static boolean boolField(JsonNode c, String name, boolean dflt) {
        JsonNode v = c.get(name);
        if (v == null || v.isNull()) return dflt;
        if (!v.isBoolean()) throw new IllegalArgumentException("'" + name + "' is not a boolean: " + v);
        return v.booleanValue();
    }
}
