package org.mamba2j.cli;

import org.mamba2j.model.ModelInit;
import org.mamba2j.model.WeightType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "init", mixinStandardHelpOptions = true,
        description = "Write a random-weight Mamba-2 model with the published sizes (HF layout, with a byte-level tokenizer.json).")
final class InitCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Option(names = "--preset", required = true, description = "130m, 370m, 780m, 1.3b or 2.7b") String preset;
    @Option(names = "--out", required = true, description = "output directory") Path out;
    @Option(names = "--dtype", defaultValue = "f32", description = "f32, f16, bf16 or q8_0 (default ${DEFAULT-VALUE})") String dtype;
    @Option(names = "--seed", defaultValue = "0", description = "random seed (default ${DEFAULT-VALUE})") long seed;
    @Option(names = "--verbose", description = "stack traces on errors") boolean verbose;

    @Override
    public Integer call() throws Exception {
        ModelInit.Preset p;
        try {
            p = ModelInit.Preset.of(preset);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        WeightType dt = weightType(spec, "--dtype", dtype);
        long t0 = System.nanoTime();
        ModelInit.write(p, out, dt, seed);
        System.out.printf("wrote %s (%s, %s) to %s in %.1f s%n", p.label, dt, "seed " + seed, out, (System.nanoTime() - t0) / 1e9);
        return 0;
    }

    /** The option's value as a weight type, or a usage error naming the choices. */
    static WeightType weightType(CommandSpec spec, String option, String value) {
        try {
            return WeightType.of(value);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), option + " must be one of " + WeightType.labels() + ", got '" + value + "'");
        }
    }
}
