package org.mamba2j.model;

// Run: scripts/jmh MatVec (builds, then runs), or after a build:
//   $JAVA_HOME/bin/java --add-modules jdk.incubator.vector -jar benchmarks/target/benchmarks.jar MatVec -f 1 -wi 3 -i 5
// In the model's package (Matrix is package-private), in the benchmarks module.
// GB/s of weights = stored bytes (reported by setup) / (ms/op · 1e6).

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.mamba2j.io.SafeTensors;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The matrix-vector product per weight dtype (f32, f16, bf16, q8_0) over the 24 in_proj matrices of
 * the 130m preset (3352 × 768 each; 247 MB in f32, well past the last-level cache), as one decode
 * step streams them: on all cores, weights read in place from a mapped safetensors file.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx2g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@State(Scope.Benchmark)
public class MatVecBenchmark {

    static final int LAYERS = 24, ROWS = 3352, COLS = 768;

    @Param({"f32", "f16", "bf16", "q8_0"})
    public String dtype;

    private Path dir;
    private SafeTensors file;
    private Matrix[] matrices;
    private final float[] x = new float[COLS], y = new float[ROWS];

    @Setup(Level.Trial)
    public void setup() throws IOException {
        WeightType type = WeightType.of(dtype);
        dir = Files.createTempDirectory("mamba2-matvec-" + dtype);
        ModelInit.writeTensors(dir, type, Long.MAX_VALUE, sink -> {
            for (int i = 0; i < LAYERS; i++) {
                SplittableRandom r = new SplittableRandom(i);
                sink.add("w" + i, new long[] {ROWS, COLS}, (start, buf, n) -> {
                    for (int k = 0; k < n; k++) buf[k] = (float) (r.nextDouble() * 2 - 1) * 0.036f;
                });
            }
        });
        file = SafeTensors.open(dir.resolve("model.safetensors"));
        matrices = new Matrix[LAYERS];
        for (int i = 0; i < LAYERS; i++) {
            SafeTensors.Tensor t = file.get("w" + i);
            matrices[i] = type == WeightType.Q8_0 ? new Matrix(t, file.get("w" + i + WeightType.SCALES), ROWS, COLS) : new Matrix(t, ROWS, COLS);
        }
        SplittableRandom r = new SplittableRandom(99);
        for (int k = 0; k < COLS; k++) x[k] = (float) r.nextGaussian();
        System.out.printf("%n%s: %.1f MB of weights%n", dtype, Files.size(dir.resolve("model.safetensors")) / 1e6);
    }

    @Benchmark
    public float matvec() {
        float s = 0;
        for (Matrix m : matrices) {
            m.matvec(x, y);
            s += y[0];
        }
        return s;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        file.close();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
