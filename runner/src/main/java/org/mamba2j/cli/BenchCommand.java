package org.mamba2j.cli;

import org.mamba2j.model.WeightType;
import org.mamba2j.ssd.SsdBackend;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Run the workload matrix on a list of devices, check every result against the float64 reference,",
                "and write results/<timestamp>/ with results.csv, results.json, results.md and chart.svg.",
                "One device failing does not stop the others: its rows say why."})
final class BenchCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Option(names = "--devices", split = ",", defaultValue = "jvm",
            description = "'all', or device specs: jvm, opencl:<i>, ptx:<i>, spirv:<i>, cuda:<i>, optionally /exact or /fast (default ${DEFAULT-VALUE})")
    List<String> devices;
    @Option(names = "--workloads", split = ",", description = "subset of the workloads (default: all but generate-130m-b64, generate-2.7b and prefill-2.7b); see --list")
    List<String> workloads;
    @Option(names = "--list", description = "list the workloads and exit") boolean list;
    @Option(names = "--weights-dtype", split = ",", defaultValue = "f32",
            description = "weight dtypes of the model workloads, run side by side: f32, f16, bf16, q8_0 (default ${DEFAULT-VALUE})")
    List<String> weightsDtypes;
    @Option(names = "--iters", defaultValue = "10", description = "timed runs per workload (default ${DEFAULT-VALUE})") int iters;
    @Option(names = "--warmup", defaultValue = "3", description = "warm-up runs after the first call (default ${DEFAULT-VALUE})") int warmup;
    @Option(names = "--out", defaultValue = "results", description = "parent folder of the run's folder (default ${DEFAULT-VALUE})") Path out;
    @Option(names = "--chunk", defaultValue = "256", converter = ChunkChoice.Converter.class,
            description = ChunkChoice.HELP + ", for the SSD forward workloads; runs as given (default ${DEFAULT-VALUE})")
    ChunkChoice chunk;
    @Option(names = "--device-config", split = ",", description = "device tuning JSON overriding the one picked by device name; "
            + "several (comma-separated) run side by side, each workload on each device under each in turn") List<Path> deviceConfigs;
    @Option(names = "--rounds", defaultValue = "1", description = "times the whole matrix runs, devices and configs taking turns, so that "
            + "the runs compared share the machine's state; each round starts one place further into the workloads and the configs, so that "
            + "none always runs first (default ${DEFAULT-VALUE})") int rounds;
    @Mixin PrecisionOption precision;
    @Option(names = "--quiet", description = "no progress output") boolean quiet;
    @Option(names = "--profile", description = "on TornadoVM devices, also time the kernels on the device") boolean profile;
    @Option(names = "--verbose", description = "stack traces on errors") boolean verbose;
    @Option(names = "--cache", description = "folder keeping the random-weight models and the JVM's reference logits between runs "
            + "(default: none: written to a temporary folder and deleted after the run)") Path cache;

    @Override
    public Integer call() throws Exception {
        List<Workload> chosen = chooseWorkloads();
        if (list) {
            for (Workload w : Workload.all(weightTypes())) {
                System.out.printf("%-20s %s%s%n", w.name, w.description, w.onRequest() ? " (only when --workloads names it)" : "");
            }
            return 0;
        }
        if (iters < 1 || warmup < 0 || rounds < 1) {
            throw new ParameterException(spec.commandLine(), "--iters and --rounds must be at least 1 and --warmup at least 0");
        }
        if (profile) System.setProperty("mamba2.tornado.profile", "true");
        List<String> specs = expandDevices().stream().map(precision::apply).toList();
        if (cache != null) chosen.forEach(w -> w.cacheIn(cache));
        List<BenchResult> results = new ArrayList<>();
        long start = System.nanoTime();
        try (Progress progress = Progress.forTerminal(quiet)) {
            runAll(specs, chosen, results, progress);
        } finally {
            chosen.forEach(Workload::close);
        }
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Path dir = out.resolve(stamp);
        String command = "mamba2 " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
        BenchReport.write(dir, command, results);
        System.out.print(BenchReport.markdown(command, results));
        System.out.printf("%nwrote %s (results.csv, results.json, results.md, chart.svg) in %.1f s%n",
                dir, (System.nanoTime() - start) / 1e9);
        return results.stream().allMatch(BenchResult::isOk) ? 0 : Mamba2.CHECK_FAILED;
    }

    /**
     * Every workload on every device under every device config, the whole matrix {@code rounds}
     * times; a failure becomes that cell's row and the run goes on. With several configs or rounds
     * a row's device says which (" [file]", " #round"). Round r runs the configs and the workloads
     * from their (r − 1)th ({@link #rotated}): on a machine whose speed drifts, the first of a list
     * was otherwise always measured in the same state (this 2-core machine's prefill: f32 645 and
     * 708 tokens/s run first, 602 and 602 run last).
     */
    private void runAll(List<String> specs, List<Workload> chosen, List<BenchResult> results, Progress progress) {
        List<Path> configs = deviceConfigs == null || deviceConfigs.isEmpty() ? Collections.singletonList(null) : deviceConfigs;
        for (int round = 1; round <= rounds; round++) {
            List<Workload> workloads = rotated(chosen, round - 1);
            for (String device : specs) {
                for (Path config : rotated(configs, round - 1)) {
                    String label = (configs.size() > 1 ? " [" + config.getFileName() + "]" : "") + (rounds > 1 ? " #" + round : "");
                    runOn(device, config, workloads, progress).forEach(r -> results.add(r.labelled(label)));
                }
            }
        }
    }

    /** {@code list} starting at its element {@code by} (mod its size), the ones before it at the end. */
    static <T> List<T> rotated(List<T> list, int by) {
        List<T> out = new ArrayList<>(list);
        if (!out.isEmpty()) Collections.rotate(out, -(by % out.size()));
        return out;
    }

    /** The workloads on one device under one config (null: the one picked by the device's name). */
    private List<BenchResult> runOn(String device, Path config, List<Workload> chosen, Progress progress) {
        List<BenchResult> results = new ArrayList<>();
        SsdBackend backend;
        try {
            progress.update(device + ": opening");
            backend = Devices.ssdBackend(device, config);
        } catch (RuntimeException e) {
            for (Workload w : chosen) results.add(BenchResult.failed(device, w.name, Failures.message(e)));
            return results;
        }
        try (backend) {
            for (Workload w : chosen) {
                progress.update(device + ": " + w.name + " (" + (warmup + iters + 1) + " runs + check)");
                try {
                    results.add(w.run(device, backend, config, chunk, warmup, iters));
                } catch (RuntimeException | LinkageError e) {
                    results.add(BenchResult.failed(device, w.name, Failures.message(e)));
                }
            }
        }
        return results;
    }

    private List<Workload> chooseWorkloads() {
        List<Workload> all = Workload.all(weightTypes());
        if (workloads == null || workloads.isEmpty()) return all.stream().filter(w -> !w.onRequest()).toList();
        List<Workload> chosen = new ArrayList<>();
        for (String name : workloads) {
            List<Workload> matching = all.stream().filter(x -> x.name.equals(name) || x.family.equals(name)).toList();
            if (matching.isEmpty()) throw new ParameterException(spec.commandLine(), "unknown workload '" + name + "' ('mamba2 bench --list' lists them)");
            chosen.addAll(matching);
        }
        return chosen;
    }

    private List<WeightType> weightTypes() {
        List<WeightType> types = new ArrayList<>();
        for (String d : weightsDtypes) types.add(InitCommand.weightType(spec, "--weights-dtype", d));
        return types.stream().distinct().toList();
    }

    private List<String> expandDevices() {
        Set<String> specs = new LinkedHashSet<>();
        for (String d : devices) {
            if (d.equals("all")) specs.addAll(Devices.allSpecs());
            else specs.add(d);
        }
        return new ArrayList<>(specs);
    }
}
