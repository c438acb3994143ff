package org.mamba2j.model;

// Run: scripts/jmh GreedyPick (builds, then runs), or after a build:
//   $JAVA_HOME/bin/java --add-modules jdk.incubator.vector -jar benchmarks/target/benchmarks.jar GreedyPick -f 1 -wi 3 -i 5

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The greedy pick of a decode step over the 130m and 2.7b vocabulary (50,280 logits, the largest one near the end):
 * {@link Decoding#firstMax} against the compare-and-branch loop it replaced, in one fork, side by side.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Benchmark)
public class GreedyPickBenchmark {

    static final int VOCAB = 50_280;
    private final float[] logits = new float[VOCAB];

    @Setup
    public void setup() {
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < VOCAB; i++) logits[i] = (float) r.nextGaussian();
        logits[VOCAB - 123] = 12f;
    }

    @Benchmark
    public int firstMax() {
        return Decoding.firstMax(logits);
    }

    @Benchmark
    public int plainLoop() {
        int best = 0;
        for (int i = 1; i < logits.length; i++) if (logits[i] > logits[best] || Float.isNaN(logits[best]) && !Float.isNaN(logits[i])) best = i;
        return best;
    }
}
