package org.mamba2j.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.mamba2j.io.SafeTensors.DType;
import org.mamba2j.io.SafeTensorsWriter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Writes a random-weight Mamba-2 model in the HF layout (config.json, model.safetensors or shards
 * with an index, tokenizer.json) with the real architecture and sizes of the published checkpoints,
 * for benchmarking and end-to-end tests without downloading weights. Initialisation follows
 * mamba_ssm's in spirit (dt from a log-uniform range, A in [1, 16], D = 1, scaled projections) so
 * activations stay in a realistic range.
 */
public final class ModelInit {

    /** The state-spaces/mamba2-* sizes. */
    public enum Preset {
        M130("130m", 768, 24), M370("370m", 1024, 48), M780("780m", 1536, 48), B1_3("1.3b", 2048, 48), B2_7("2.7b", 2560, 64);

        public final String label;
        final int dModel, nLayer;

        Preset(String label, int dModel, int nLayer) {
            this.label = label;
            this.dModel = dModel;
            this.nLayer = nLayer;
        }

        public static Preset of(String label) {
            for (Preset p : values()) if (p.label.equalsIgnoreCase(label)) return p;
            throw new IllegalArgumentException("unknown preset '" + label + "' (130m, 370m, 780m, 1.3b, 2.7b)");
        }

        public Mamba2Config config() {
            int vocab = 50277, padded = Mamba2Config.roundUp(vocab, 16);
            return new Mamba2Config(dModel, nLayer, padded, padded, 128, 4, 2, 64, 2 * dModel / 64, 1, 256,
                    0f, Float.POSITIVE_INFINITY, 1e-5f, 1e-5f, true, true, false, false);
        }
    }

    /** Shards above this size, as HF's save_pretrained does at its default of a few GB. */
    static final long DEFAULT_SHARD_BYTES = 2L << 30;

    private ModelInit() {
    }

    public static void write(Preset preset, Path out, WeightType type, long seed) throws IOException {
        write(preset.config(), out, type, seed, DEFAULT_SHARD_BYTES);
    }

    /** A random-weight model of config {@code c} (any dimensions: the integration checks' shapes) into {@code out}. */
    public static void write(Mamba2Config c, Path out, WeightType type, long seed) throws IOException {
        write(c, out, type, seed, DEFAULT_SHARD_BYTES);
    }

    static void write(Mamba2Config c, Path out, WeightType type, long seed, long shardBytes) throws IOException {
        writeTensors(out, type, shardBytes, sink -> tensors(c, seed, sink));
        writeConfig(c, out.resolve("config.json"), type);
        writeTokenizer(out.resolve("tokenizer.json"));
    }

    /**
     * Writes the tensors {@code producer} adds in the HF layout: model.safetensors, or shards of at
     * most about {@code shardBytes} with model.safetensors.index.json. Each tensor is stored as
     * {@code type} stores its rank; a Q8_0 matrix becomes its quants and scales, in the same shard.
     */
    static void writeTensors(Path out, WeightType type, long shardBytes, Consumer<TensorSink> producer) throws IOException {
        Files.createDirectories(out);
        List<SafeTensorsWriter> shards = new ArrayList<>();
        List<List<String>> shardNames = new ArrayList<>();
        long[] size = {Long.MAX_VALUE};
        // Consecutive tensors fill a shard until the next would push it past the limit.
        producer.accept((name, shape, src) -> {
            boolean q8 = type.storedAs(shape.length) == DType.I8;
            long numel = 1;
            for (long d : shape) numel *= d;
            long bytes = numel * type.storedAs(shape.length).bytes;
            if (q8) bytes += shape[0] * WeightType.q8Blocks((int) shape[1]) * WeightType.SCALE_DTYPE.bytes;
            if (shards.isEmpty() || (size[0] + bytes > shardBytes && size[0] > 0)) {
                shards.add(new SafeTensorsWriter(type.storedAs(shape.length)));
                shardNames.add(new ArrayList<>());
                size[0] = 0;
            }
            SafeTensorsWriter w = shards.getLast();
            if (q8) {
                Q8Quantizer.Sources q = Q8Quantizer.sources(Math.toIntExact(shape[0]), Math.toIntExact(shape[1]), src);
                w.add(name, shape, DType.I8, q.quants());
                w.add(name + WeightType.SCALES, new long[] {shape[0], WeightType.q8Blocks((int) shape[1])}, WeightType.SCALE_DTYPE, q.scales());
                shardNames.getLast().add(name + WeightType.SCALES);
            } else {
                w.add(name, shape, type.storedAs(shape.length), src);
            }
            shardNames.getLast().add(name);
            size[0] += bytes;
        });
        Map<String, String> meta = Map.of("format", "pt");
        if (shards.size() == 1) {
            shards.getFirst().write(out.resolve("model.safetensors"), meta);
            return;
        }
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode index = json.createObjectNode();
        long total = 0;
        Map<String, String> weightMap = new LinkedHashMap<>();
        for (int i = 0; i < shards.size(); i++) {
            String file = String.format(Locale.ROOT, "model-%05d-of-%05d.safetensors", i + 1, shards.size());
            shards.get(i).write(out.resolve(file), meta);
            total += shards.get(i).dataBytes();
            for (String n : shardNames.get(i)) weightMap.put(n, file);
        }
        index.putObject("metadata").put("total_size", total);
        ObjectNode wm = index.putObject("weight_map");
        weightMap.forEach(wm::put);
        Files.deleteIfExists(out.resolve("model.safetensors"));
        json.writeValue(out.resolve("model.safetensors.index.json").toFile(), index);
    }

    /** Receives a model's tensors as float32 producers. */
    interface TensorSink {
        void add(String name, long[] shape, SafeTensorsWriter.Source src);
    }

    private static void tensors(Mamba2Config c, long seed, TensorSink sink) {
        int D = c.dModel(), H = c.nheads();
        sink.add("backbone.embeddings.weight", new long[] {c.paddedVocab(), D}, uniform(seed, "embeddings", 0.02f * (float) Math.sqrt(3)));
        for (int i = 0; i < c.nLayer(); i++) {
            String p = "backbone.layers." + i + ".";
            String r = "layer" + i + ".";
            sink.add(p + "mixer.A_log", new long[] {H}, (start, buf, n) -> {
                SplittableRandom rnd = rng(seed, r + "A");
                for (int k = 0; k < n; k++) buf[k] = (float) Math.log(1 + 15 * rnd.nextDouble());
            });
            sink.add(p + "mixer.D", new long[] {H}, constant(1f));
            sink.add(p + "mixer.conv1d.bias", new long[] {c.convDim()}, uniform(seed, r + "convb", (float) (1 / Math.sqrt(c.dConv()))));
            sink.add(p + "mixer.conv1d.weight", new long[] {c.convDim(), 1, c.dConv()}, uniform(seed, r + "convw", (float) (1 / Math.sqrt(c.dConv()))));
            sink.add(p + "mixer.dt_bias", new long[] {H}, (start, buf, n) -> {
                SplittableRandom rnd = rng(seed, r + "dt");
                for (int k = 0; k < n; k++) {
                    double dt = Math.max(1e-4, Math.exp(rnd.nextDouble() * (Math.log(0.1) - Math.log(0.001)) + Math.log(0.001)));
                    buf[k] = (float) (dt + Math.log(-Math.expm1(-dt)));   // inverse softplus
                }
            });
            sink.add(p + "mixer.in_proj.weight", new long[] {c.dInProj(), D}, uniform(seed, r + "in", (float) (1 / Math.sqrt(D))));
            sink.add(p + "mixer.norm.weight", new long[] {c.dInner()}, constant(1f));
            sink.add(p + "mixer.out_proj.weight", new long[] {D, c.dInner()},
                    uniform(seed, r + "out", (float) (1 / Math.sqrt(c.dInner()) / Math.sqrt(c.nLayer()))));
            sink.add(p + "norm.weight", new long[] {D}, constant(1f));
        }
        sink.add("backbone.norm_f.weight", new long[] {D}, constant(1f));
    }

    private static SplittableRandom rng(long seed, String name) {
        return new SplittableRandom(seed * 0x9E3779B97F4A7C15L ^ name.hashCode());
    }

    /** Uniform in [-a, a], deterministic in (seed, name) and independent of the chunking. */
    private static SafeTensorsWriter.Source uniform(long seed, String name, float a) {
        SplittableRandom rnd = rng(seed, name);
        return (start, buf, n) -> {
            for (int k = 0; k < n; k++) buf[k] = (float) ((2 * rnd.nextDouble() - 1) * a);
        };
    }

    private static SafeTensorsWriter.Source constant(float v) {
        return (start, buf, n) -> java.util.Arrays.fill(buf, 0, n, v);
    }

    private static void writeConfig(Mamba2Config c, Path file, WeightType type) throws IOException {
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode o = json.createObjectNode();
        o.putArray("architectures").add("Mamba2ForCausalLM");
        o.put("model_type", "mamba2");
        o.put("hidden_size", c.dModel());
        o.put("num_hidden_layers", c.nLayer());
        o.put("vocab_size", c.vocabSize());
        o.put("pad_vocab_size_multiple", 16);
        o.put("state_size", c.dState());
        o.put("expand", c.expand());
        o.put("head_dim", c.headdim());
        o.put("num_heads", c.nheads());
        o.put("n_groups", c.ngroups());
        o.put("conv_kernel", c.dConv());
        o.put("chunk_size", c.chunkSize());
        ArrayNode limit = o.putArray("time_step_limit");
        limit.add(0.0);
        limit.addObject().put("__float__", "Infinity");   // as transformers 5 writes it
        o.put("layer_norm_epsilon", c.normEps());
        o.put("tie_word_embeddings", true);
        o.put("rms_norm", true);
        o.put("residual_in_fp32", true);
        o.put("use_conv_bias", c.useConvBias());
        o.put("use_bias", c.useBias());
        o.put("norm_before_gate", false);
        o.put("hidden_act", "silu");
        o.put("bos_token_id", 0);
        o.put("eos_token_id", 0);
        o.put("pad_token_id", 0);
        o.put("dtype", switch (type) { case F16 -> "float16"; case BF16 -> "bfloat16"; default -> "float32"; });
        if (type == WeightType.Q8_0) o.put("quantization", "q8_0");
        json.writeValue(file.toFile(), o);
    }

    /**
     * A valid byte-level BPE tokenizer.json: {@code <|endoftext|>} (id 0) and the 256 byte tokens,
     * no merges. It round-trips any text, one token per byte; the real checkpoints' GPT-NeoX
     * tokenizer has the same format with 50k merged tokens.
     */
    static void writeTokenizer(Path file) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ObjectNode eos = root.putArray("added_tokens").addObject();
        eos.put("id", 0).put("content", "<|endoftext|>").put("single_word", false).put("lstrip", false)
                .put("rstrip", false).put("normalized", false).put("special", true);
        root.putNull("normalizer");
        ObjectNode pre = root.putObject("pre_tokenizer");
        pre.put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", true).put("use_regex", true);
        ObjectNode post = root.putObject("post_processor");
        post.put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", false).put("use_regex", true);
        ObjectNode dec = root.putObject("decoder");
        dec.put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", true).put("use_regex", true);
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE").putNull("dropout").putNull("unk_token").putNull("continuing_subword_prefix")
                .putNull("end_of_word_suffix").put("fuse_unk", false).put("byte_fallback", false).put("ignore_merges", false);
        ObjectNode vocab = model.putObject("vocab");
        vocab.put("<|endoftext|>", 0);
        int[] byteToChar = byteLevelAlphabet();
        for (int b = 0; b < 256; b++) vocab.put(new String(Character.toChars(byteToChar[b])), b + 1);
        model.putArray("merges");
        json.writeValue(file.toFile(), root);
    }

    /** GPT-2's bytes_to_unicode: printable bytes map to themselves, the rest to U+0100 upwards. */
    static int[] byteLevelAlphabet() {
        int[] map = new int[256];
        boolean[] printable = new boolean[256];
        for (int b = '!'; b <= '~'; b++) printable[b] = true;
        for (int b = 0xA1; b <= 0xAC; b++) printable[b] = true;
        for (int b = 0xAE; b <= 0xFF; b++) printable[b] = true;
        int next = 256;
        for (int b = 0; b < 256; b++) map[b] = printable[b] ? b : next++;
        return map;
    }
}
