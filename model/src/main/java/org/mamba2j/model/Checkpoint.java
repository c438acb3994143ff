package org.mamba2j.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import org.mamba2j.io.MalformedFileException;
import org.mamba2j.io.SafeTensors;
import org.mamba2j.io.TorchCheckpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model directory's config and tensors, in either layout: HF ({@code model.safetensors}, or shards
 * listed in {@code model.safetensors.index.json}) or mamba_ssm ({@code pytorch_model.bin}). Tensor
 * names are normalised to HF's ({@code backbone.embeddings.weight}). The tensors stay views of the
 * mapped files, which live until {@link #close()}.
 */
public final class Checkpoint implements AutoCloseable {

    public enum Layout { HF_SAFETENSORS, HF_SHARDED, MAMBA_SSM_TORCH }

    private final Path dir;
    private final Mamba2Config config;
    private final Layout layout;
    private final Map<String, SafeTensors.Tensor> tensors;
    private final Map<String, Path> sources;
    private final List<AutoCloseable> open;

    private Checkpoint(Path dir, Mamba2Config config, Layout layout, Map<String, SafeTensors.Tensor> tensors,
                       Map<String, Path> sources, List<AutoCloseable> open) {
        this.dir = dir;
        this.config = config;
        this.layout = layout;
        this.tensors = tensors;
        this.sources = sources;
        this.open = open;
    }

    public static Checkpoint open(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) throw new MalformedFileException(dir, "is not a model directory");
        Mamba2Config config = Mamba2Config.read(dir.resolve("config.json"));
        Map<String, SafeTensors.Tensor> tensors = new LinkedHashMap<>();
        Map<String, Path> sources = new HashMap<>();
        List<AutoCloseable> open = new ArrayList<>();
        Layout layout;
        try {
            Path single = dir.resolve("model.safetensors"), index = dir.resolve("model.safetensors.index.json"),
                    torch = dir.resolve("pytorch_model.bin");
            if (Files.exists(single)) {
                layout = Layout.HF_SAFETENSORS;
                addAll(SafeTensors.open(single), tensors, sources, open);
            } else if (Files.exists(index)) {
                layout = Layout.HF_SHARDED;
                openShards(dir, index, tensors, sources, open);
            } else if (Files.exists(torch)) {
                layout = Layout.MAMBA_SSM_TORCH;
                TorchCheckpoint ckpt = TorchCheckpoint.open(torch);
                open.add(ckpt);
                for (SafeTensors.Tensor t : ckpt.tensors().values()) put(t, torch, tensors, sources);
            } else {
                throw new MalformedFileException(dir, "has no weights: expected model.safetensors, model.safetensors.index.json or pytorch_model.bin");
            }
        } catch (IOException | RuntimeException e) {
            closeAll(open);
            throw e;
        }
        return new Checkpoint(dir, config, layout, tensors, sources, open);
    }

    private static void openShards(Path dir, Path index, Map<String, SafeTensors.Tensor> tensors,
                                   Map<String, Path> sources, List<AutoCloseable> open) throws IOException {
        JsonNode root;
        try {
            root = Mamba2Config.JSON.readTree(Files.readAllBytes(index));
        } catch (JsonProcessingException e) {
            throw new MalformedFileException(index, "not valid JSON (" + e.getOriginalMessage() + ")");
        }
        JsonNode map = root == null ? null : root.get("weight_map");
        if (map == null || !map.isObject()) throw new MalformedFileException(index, "has no weight_map object");
        Map<String, SafeTensors> shards = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String file = e.getValue().asText("");
            Path shard = dir.resolve(file).normalize();
            if (!e.getValue().isTextual() || file.isEmpty() || !shard.getParent().equals(dir.normalize())) {
                throw new MalformedFileException(index, "weight_map entry '" + e.getKey() + "' names a bad shard " + e.getValue());
            }
            SafeTensors st = shards.get(file);
            if (st == null) {
                try {
                    st = SafeTensors.open(shard);
                } catch (NoSuchFileException ex) {
                    throw new MalformedFileException(shard, "missing (listed in " + index.getFileName() + ")");
                }
                open.add(st);
                shards.put(file, st);
            }
            put(st.get(e.getKey()), shard, tensors, sources);
        }
    }

    private static void addAll(SafeTensors st, Map<String, SafeTensors.Tensor> tensors, Map<String, Path> sources,
                               List<AutoCloseable> open) {
        open.add(st);
        for (SafeTensors.Tensor t : st.tensors().values()) put(t, st.path(), tensors, sources);
    }

    /** mamba_ssm calls the embedding {@code embedding}, HF {@code embeddings}. */
    private static void put(SafeTensors.Tensor t, Path from, Map<String, SafeTensors.Tensor> tensors, Map<String, Path> sources) {
        String name = t.name().equals("backbone.embedding.weight") ? "backbone.embeddings.weight" : t.name();
        tensors.put(name, t);
        sources.put(name, from);
    }

    public Path dir() { return dir; }
    public Mamba2Config config() { return config; }
    public Layout layout() { return layout; }
    public Map<String, SafeTensors.Tensor> tensors() { return tensors; }

    /** The tensor, checked to have exactly the given shape; a clear one-line error otherwise. */
    SafeTensors.Tensor require(String name, long... shape) throws MalformedFileException {
        SafeTensors.Tensor t = tensors.get(name);
        if (t == null) throw new MalformedFileException(dir, "checkpoint has no tensor '" + name + "'");
        requireShape(name, t, shape);
        if (t.dtype() != SafeTensors.DType.F32 && t.dtype() != SafeTensors.DType.F16 && t.dtype() != SafeTensors.DType.BF16) {
            throw new MalformedFileException(sources.get(name), "tensor '" + name + "' has dtype " + t.dtype()
                    + "; weights must be F32, F16 or BF16" + (shape.length == 2 ? " (or I8 with F16 .scales for Q8_0)" : ""));
        }
        long bad = Matrix.firstNonFinite(t);
        if (bad >= 0) throw new MalformedFileException(sources.get(name), "tensor '" + name + "' has a non-finite value (NaN or Inf) at element " + bad);
        return t;
    }

    /**
     * A (rows, cols) weight matrix: a float tensor checked as {@link #require} checks it, or a Q8_0
     * pair (an I8 tensor and its F16 {@code .scales}, shape (rows, ceil(cols / 32))).
     */
    Matrix matrix(String name, int rows, int cols) throws MalformedFileException {
        SafeTensors.Tensor t = tensors.get(name);
        if (t == null || t.dtype() != SafeTensors.DType.I8) return new Matrix(require(name, rows, cols), rows, cols);
        requireShape(name, t, rows, cols);
        String scalesName = name + WeightType.SCALES;
        if (!tensors.containsKey(scalesName)) {
            throw new MalformedFileException(sources.get(name), "tensor '" + name + "' is I8 (Q8_0) but the checkpoint has no '" + scalesName + "'");
        }
        SafeTensors.Tensor scales = tensors.get(scalesName);
        if (scales.dtype() != WeightType.SCALE_DTYPE) {
            throw new MalformedFileException(sources.get(scalesName), "tensor '" + scalesName + "' has dtype " + scales.dtype() + "; Q8_0 scales must be " + WeightType.SCALE_DTYPE);
        }
        require(scalesName, rows, WeightType.q8Blocks(cols));
        return new Matrix(t, scales, rows, cols);
    }

    private void requireShape(String name, SafeTensors.Tensor t, long... shape) throws MalformedFileException {
        if (!java.util.Arrays.equals(t.shape(), shape)) {
            throw new MalformedFileException(sources.get(name), "tensor '" + name + "' has shape " + java.util.Arrays.toString(t.shape())
                    + " but the config needs " + java.util.Arrays.toString(shape));
        }
    }

    boolean has(String name) { return tensors.containsKey(name); }

    @Override
    public void close() {
        closeAll(open);
    }

    private static void closeAll(List<AutoCloseable> list) {
        for (AutoCloseable c : list) {
            try {
                c.close();
            } catch (Exception ignored) {
                // Unmapping read-only files cannot lose data; the first failure is not worth masking others.
            }
        }
    }
}
