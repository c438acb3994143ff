package org.mamba2j.bench;

// Run: scripts/jmh (builds, then runs every benchmark), or after a build:
//   $JAVA_HOME/bin/java --add-modules jdk.incubator.vector -jar benchmarks/target/benchmarks.jar SsdForward -f 1 -wi 3 -i 5
// tokens/s = batch·seqlen / (ms/op / 1000); GFLOP/s = SsdShape.flops() / (ms/op · 1e6).

import org.mamba2j.ssd.JvmSsd;
import org.mamba2j.ssd.RandomInputs;
import org.mamba2j.ssd.SsdInputs;
import org.mamba2j.ssd.SsdShape;
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
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/** The JVM SSD (chunked forward over all cores, and the decode step) at Mamba-2 layer shapes. */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx8g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class SsdForwardBenchmark {

    /** A layer shape by name: batch, seqlen, nheads, headdim, ngroups, dstate, chunk. */
    static SsdShape shape(String name) {
        return switch (name) {
            case "130m-layer" -> new SsdShape(1, 2048, 24, 64, 1, 128, 256);
            case "2.7b-layer" -> new SsdShape(1, 4096, 80, 64, 1, 128, 256);
            default -> throw new IllegalArgumentException("unknown shape " + name);
        };
    }

    @State(Scope.Benchmark)
    public static class Forward {
        @Param({"130m-layer", "2.7b-layer"})
        public String shape;

        SsdShape s;
        SsdInputs in;
        float[] y, finalState;

        @Setup(Level.Trial)
        public void setup() {
            s = shape(shape);
            in = RandomInputs.generate(s, 1);
            y = new float[(int) s.xSize()];
            finalState = new float[(int) s.stateSize()];
        }
    }

    @Benchmark
    public float forward(Forward f) {
        JvmSsd.INSTANCE.forward(f.s, f.in, f.y, f.finalState);
        return f.y[0];
    }

    /** One decode token of a 2.7b layer: batch 1, 80 heads of 64, dstate 128. */
    @State(Scope.Benchmark)
    public static class Step {
        SsdShape s;
        SsdInputs in;
        float[] state, y;

        @Setup(Level.Trial)
        public void setup() {
            s = new SsdShape(1, 1, 80, 64, 1, 128, 256);
            in = RandomInputs.generate(s, 2, 1f, true, false);
            state = RandomInputs.gaussian(new java.util.SplittableRandom(3), s.stateSize(), 0.5f);
            y = new float[(int) s.xSize()];
        }
    }

    @Benchmark
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public float decodeStep(Step st) {
        JvmSsd.INSTANCE.step(st.s, st.in, st.state, st.y);
        return st.y[0];
    }
}
