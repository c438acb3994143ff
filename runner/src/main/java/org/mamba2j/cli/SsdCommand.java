package org.mamba2j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.mamba2j.ssd.RandomInputs;
import org.mamba2j.ssd.SsdBackend;
import org.mamba2j.ssd.SsdInputs;
import org.mamba2j.ssd.SsdReference;
import org.mamba2j.ssd.SsdShape;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;

@Command(name = "ssd", mixinStandardHelpOptions = true,
        description = "Run the chunked SSD forward on random inputs and time it; optionally check it against the float64 recurrence.")
final class SsdCommand implements Callable<Integer> {

    /** The chunk size --chunk auto means where the device config names none (Mamba-2 checkpoints' default). */
    static final int AUTO_FALLBACK = 256;

    @Spec CommandSpec spec;

    @Option(names = "--batch", defaultValue = "1", description = "batch size (default ${DEFAULT-VALUE})") int batch;
    @Option(names = "--seqlen", defaultValue = "2048", description = "sequence length (default ${DEFAULT-VALUE})") int seqlen;
    @Option(names = "--heads", defaultValue = "24", description = "number of heads (default ${DEFAULT-VALUE})") int heads;
    @Option(names = "--headdim", defaultValue = "64", description = "head dimension P (default ${DEFAULT-VALUE})") int headdim;
    @Option(names = "--dstate", defaultValue = "128", description = "state size N (default ${DEFAULT-VALUE})") int dstate;
    @Option(names = "--groups", defaultValue = "1", description = "B/C groups (default ${DEFAULT-VALUE})") int groups;
    @Option(names = "--chunk", defaultValue = "256", converter = ChunkChoice.Converter.class,
            description = ChunkChoice.HELP + "; runs as given, 'auto' on the JVM is " + SsdCommand.AUTO_FALLBACK + " (default ${DEFAULT-VALUE})")
    ChunkChoice chunk;
    @Option(names = "--device", defaultValue = "jvm", description = "jvm, or a TornadoVM device: opencl:<i>, ptx:<i>, spirv:<i>, cuda:<i>, optionally /exact or /fast (default ${DEFAULT-VALUE})") String device;
    @Option(names = "--device-config", description = "device tuning JSON overriding the one picked by device name") Path deviceConfig;
    @Mixin PrecisionOption precision;
    @Option(names = "--iters", defaultValue = "10", description = "timed runs (default ${DEFAULT-VALUE})") int iters;
    @Option(names = "--warmup", defaultValue = "3", description = "untimed runs after the first call (default ${DEFAULT-VALUE})") int warmup;
    @Option(names = "--seed", defaultValue = "1", description = "random seed for the inputs (default ${DEFAULT-VALUE})") long seed;
    @Option(names = "--check", description = "compare with the float64 recurrence and print the relative error") boolean check;
    @Option(names = "--json", description = "print one JSON object on the last line") boolean json;
    @Option(names = "--profile", description = "on a TornadoVM device, also time the kernels on the device (TornadoVM's profiler)") boolean profile;
    @Option(names = "--verbose", description = "stack traces on errors") boolean verbose;

    @Override
    public Integer call() throws Exception {
        if (iters < 1) throw new ParameterException(spec.commandLine(), "--iters must be at least 1");
        SsdShape requested;
        try {
            requested = new SsdShape(batch, seqlen, heads, headdim, groups, dstate, chunk.isAuto() ? AUTO_FALLBACK : chunk.size());
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        SsdInputs in = RandomInputs.generate(requested, seed, 1f, false, false);
        float[] y = new float[(int) requested.xSize()], state = new float[(int) requested.stateSize()];
        if (profile) System.setProperty("mamba2.tornado.profile", "true");
        device = precision.apply(device);
        try (SsdBackend backend = Devices.ssdBackend(device, deviceConfig)) {
            SsdShape shape = chunk.apply(requested, backend);
            Arrays.fill(y, Float.NaN);
            Arrays.fill(state, Float.NaN);
            double[] relErr = {Double.NaN};
            KernelTimes kernels = new KernelTimes(backend, iters);
            Timings t = Timings.measure(() -> {
                backend.forward(shape, in, y, state);
                kernels.record();
            }, warmup, iters, () -> {
                if (check) {
                    SsdReference.Exact ref = SsdReference.forward(shape, in);
                    relErr[0] = Math.max(SsdReference.relativeError(y, ref.y()), SsdReference.relativeError(state, ref.finalState()));
                }
            });
            double median = t.median(), firstMs = t.firstMs();
            double tokensPerS = shape.batch() * shape.seqlen() / (median / 1e3);
            double gflops = shape.flops() / (median / 1e3) / 1e9;
            System.out.printf("device     %s (%s)%n", device, backend.deviceName());
            System.out.printf("shape      %s%s%n", shape, chunk.isAuto() ? " (--chunk auto)" : "");
            System.out.printf("first call %.2f ms (includes JIT)%n", firstMs);
            System.out.printf("median     %.3f ms over %d runs (min %.3f, max %.3f)%n", median, iters, t.min(), t.max());
            System.out.printf("throughput %.0f tokens/s, %.1f GFLOP/s%n", tokensPerS, gflops);
            if (kernels.measured()) System.out.printf("kernels    %.3f ms median on the device (%.1f GFLOP/s of kernel time)%n",
                    kernels.median(), shape.flops() / (kernels.median() / 1e3) / 1e9);
            if (check) System.out.printf("rel_err    %.3e vs float64 recurrence (tolerance %.0e at precision %s)%n", relErr[0],
                    BenchResult.tolerance(backend.precision()), backend.precision().label());
            if (json) {
                ObjectMapper om = new ObjectMapper();
                ObjectNode o = om.createObjectNode();
                o.put("device", device).put("device_name", backend.deviceName())
                        .put("batch", batch).put("seqlen", seqlen).put("heads", heads).put("headdim", headdim)
                        .put("dstate", dstate).put("groups", groups).put("chunk", shape.chunkSize())
                        .put("chunk_option", chunk.toString())
                        .put("iters", iters).put("ms_median", median).put("ms_min", t.min()).put("ms_max", t.max())
                        .put("first_call_ms", firstMs).put("tokens_per_s", tokensPerS).put("gflops", gflops);
                o.put("precision", backend.precision().label());
                if (check) o.put("rel_err", relErr[0]); else o.putNull("rel_err");
                if (kernels.measured()) o.put("kernel_ms_median", kernels.median()); else o.putNull("kernel_ms_median");
                System.out.println(om.writeValueAsString(o));
            }
            return check && !(relErr[0] <= BenchResult.tolerance(backend.precision())) ? Mamba2.CHECK_FAILED : 0;
        }
    }
}
