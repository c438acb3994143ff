package org.mamba2j.cli;

import org.mamba2j.model.ModelConvert;
import org.mamba2j.model.WeightType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "convert", mixinStandardHelpOptions = true,
        description = {"Rewrite a model directory (HF safetensors, sharded, or mamba_ssm pytorch_model.bin) as HF safetensors",
                "with its weights in another dtype. q8_0: the projections, embedding and lm_head as int8 blocks of 32",
                "with one float16 scale each (<name> I8 + <name>.scales F16), everything else float32."})
final class ConvertCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Option(names = "--in", required = true, description = "model directory to read") Path in;
    @Option(names = "--out", required = true, description = "output directory") Path out;
    @Option(names = "--dtype", required = true, description = "f32, f16, bf16 or q8_0") String dtype;
    @Option(names = "--verbose", description = "stack traces on errors") boolean verbose;

    @Override
    public Integer call() throws Exception {
        WeightType type = InitCommand.weightType(spec, "--dtype", dtype);
        long t0 = System.nanoTime();
        ModelConvert.convert(in, out, type);
        System.out.printf("wrote %s (%s) to %s in %.1f s%n", in, type, out, (System.nanoTime() - t0) / 1e9);
        return 0;
    }
}
