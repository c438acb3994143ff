package org.mamba2j.model;

import org.mamba2j.io.MalformedFileException;
import org.mamba2j.io.SafeTensors;
import org.mamba2j.io.SafeTensorsWriter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Rewrites a model directory (any layout {@link Checkpoint} reads) as HF safetensors with its weights
 * in another {@link WeightType}: every tensor for F32/F16/BF16, the rank-2 ones (projections,
 * embedding, lm_head) as Q8_0 quants and scales with the rest in F32 for Q8_0. A Q8_0 input is
 * dequantized first (so q8_0 → f32 writes the rounded weights as float32). config.json and
 * tokenizer.json are copied.
 */
public final class ModelConvert {

    private ModelConvert() {
    }

    public static void convert(Path in, Path out, WeightType type) throws IOException {
        convert(in, out, type, ModelInit.DEFAULT_SHARD_BYTES);
    }

    static void convert(Path in, Path out, WeightType type, long shardBytes) throws IOException {
        if (in.toAbsolutePath().normalize().equals(out.toAbsolutePath().normalize())) {
            throw new IllegalArgumentException("--out must differ from --in (" + in + ")");
        }
        try (Checkpoint ck = Checkpoint.open(in)) {
            Map<String, SafeTensorsWriter.Source> sources = new LinkedHashMap<>();
            for (Map.Entry<String, SafeTensors.Tensor> e : ck.tensors().entrySet()) {
                if (!isScales(ck, e.getKey())) sources.put(e.getKey(), source(ck, e.getKey(), e.getValue()));
            }
            ModelInit.writeTensors(out, type, shardBytes, sink -> sources.forEach((name, src) ->
                    sink.add(name, ck.tensors().get(name).shape(), src)));
        }
        Files.copy(in.resolve("config.json"), out.resolve("config.json"), StandardCopyOption.REPLACE_EXISTING);
        Path tok = in.resolve("tokenizer.json");
        if (Files.exists(tok)) Files.copy(tok, out.resolve("tokenizer.json"), StandardCopyOption.REPLACE_EXISTING);
    }

    /** A Q8_0 matrix's scales: read with their matrix, not written on their own. */
    private static boolean isScales(Checkpoint ck, String name) {
        if (!name.endsWith(WeightType.SCALES)) return false;
        SafeTensors.Tensor m = ck.tensors().get(name.substring(0, name.length() - WeightType.SCALES.length()));
        return m != null && m.dtype() == SafeTensors.DType.I8;
    }

    /** The tensor's values as float32, in order: widened, or for a Q8_0 matrix dequantized row by row. */
    private static SafeTensorsWriter.Source source(Checkpoint ck, String name, SafeTensors.Tensor t) throws MalformedFileException {
        switch (t.dtype()) {
            case F32, F16, BF16, F64 -> {
                return (start, buf, n) -> t.copyFloats(start, buf, 0, n);
            }
            case I8 -> {
                if (t.shape().length != 2) break;
                int rows = Math.toIntExact(t.shape()[0]), cols = Math.toIntExact(t.shape()[1]);
                Matrix m = ck.matrix(name, rows, cols);
                float[] row = new float[cols];
                return (start, buf, n) -> {
                    for (int i = 0; i < n; i++) {
                        long e = start + i;
                        if (e % cols == 0) m.row((int) (e / cols), row, 0);
                        buf[i] = row[(int) (e % cols)];
                    }
                };
            }
            default -> { }
        }
        throw new MalformedFileException(ck.dir(), "tensor '" + name + "' has dtype " + t.dtype() + "; convert reads float weights or Q8_0 matrices");
    }
}
