package org.mamba2j.tornado.check;

import org.mamba2j.io.SafeTensors;
import org.mamba2j.io.SafeTensorsWriter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A copy of a single-file checkpoint with every tensor rounded to F16 or BF16 (as SafeTensorsWriter
 * rounds), beside its config and tokenizer: a 16-bit model whose float32 reading the JVM decoder
 * and the device both take, so the two can be compared on the same weights.
 */
public final class RoundedCopy {

    private RoundedCopy() {
    }

    /** Writes dir's model.safetensors rounded to {@code dtype} into a new temporary folder; returns it. */
    public static Path of(Path dir, SafeTensors.DType dtype) throws IOException {
        Path out = Files.createTempDirectory("mamba2-" + dtype.name().toLowerCase() + "-");
        SafeTensorsWriter w = new SafeTensorsWriter(dtype);
        try (SafeTensors src = SafeTensors.open(dir.resolve("model.safetensors"))) {
            for (SafeTensors.Tensor t : src.tensors().values()) {
                w.add(t.name(), t.shape(), (start, buf, n) -> t.copyFloats(start, buf, 0, n));
            }
            w.write(out.resolve("model.safetensors"), Map.of("format", "pt"));
        }
        try (var files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (!f.getFileName().toString().endsWith(".safetensors")) Files.copy(f, out.resolve(f.getFileName()));
            }
        }
        return out;
    }
}
