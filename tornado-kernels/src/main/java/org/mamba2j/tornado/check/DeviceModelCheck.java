package org.mamba2j.tornado.check;

import org.mamba2j.tornado.Packed16;
import org.mamba2j.model.GenerationConfig;
import org.mamba2j.model.Generator;

import org.mamba2j.tornado.TornadoDevices;

import org.mamba2j.device.Accelerators;

import org.mamba2j.model.BatchCheck;
import org.mamba2j.model.BatchDecoder;
import org.mamba2j.model.Decoder;
import org.mamba2j.model.Decoders;
import org.mamba2j.model.JvmDecoder;
import org.mamba2j.model.Mamba2Config;
import org.mamba2j.model.Mamba2Model;
import org.mamba2j.model.ModelInit;
import org.mamba2j.model.WeightType;
import org.mamba2j.tornado.model.Decode;
import org.mamba2j.tornado.model.DeviceWeights;
import org.mamba2j.tornado.model.MixerKernels;
import org.mamba2j.tornado.model.RoomyTaskGraph;
import org.mamba2j.tornado.model.TornadoBatchDecoder;
import org.mamba2j.tornado.model.TornadoDecoder;
import org.mamba2j.tornado.model.WeightFormat;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.annotations.Parallel;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.LongArray;

import org.mamba2j.io.SafeTensors;
import org.mamba2j.tornado.DeviceConfig;
import org.mamba2j.device.DeviceSpec;
import org.mamba2j.device.Precision;
import org.mamba2j.tornado.ssd.TornadoSsd;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Integration check of the model on TornadoVM devices (and the JVM): the golden tiny-a model in both
 * checkpoint layouts, against HF's float64 logits (max absolute difference ≤ 1e-4) and its greedy
 * tokens for both prompts. Prints device × layout × result; exits 1 on any failure. Launched by
 * scripts/tornado-it with TornadoVM's JVM flags.
 * <ul>
 * <li>decode: a one-token prompt, then the rest token by token, every position's logits;</li>
 * <li>prefill: on TornadoVM devices, prompts of {@link #PREFILL_LENGTHS} tokens through the device
 * prefill (the logits after the prompt against HF's), then the rest of the sequence decoded from the
 * states it hands over (each step against HF's and against the JVM decoder doing the same); with
 * the device's config, then with chunk 8 and passes of 16 tokens (prompts cross chunks and passes)
 * in the config's kernel variants and in the loop, tiled, blocked, blocked8, blocked84 and fused ones (the cumsum as
 * the loop kernel in "loop", as the scan in the others; "fused": blocked84 with the state passing in the chunk states:
 * {@link DeviceConfig#withVariant});</li>
 * <li>prefill replay set (prefill "cudaGraph"): prompts of {@link #REPLAYED_LENGTHS} tokens, the
 * repeated pass length through the second plan (CUDA graphs on PTX and CUDA, plain graphs elsewhere),
 * the others through the first, each against HF's and the JVM's; also at precision fast;</li>
 * <li>greedy: both golden prompts, after each of the above;</li>
 * <li>precision fast (PTX and CUDA: the projections and the SSD on tensor cores, fp16 operands): the prefill
 * paths above at {@link Precision#FAST}, logits within {@link #FAST_TOL} of HF's and of the JVM's,
 * greedy tokens as HF's;</li>
 * <li>batch: prompts of different lengths and stops decoded together ({@link BatchCheck}) against
 * the same device decoding each alone, in the config's GEMM and in the blocked one (the norms folded
 * in), with float32 and with bf16 weights, and at precision fast (PTX and CUDA: the step's split-k
 * projections on tensor cores) within {@link #FAST_TOL}, tokens identical;</li>
 * <li>16-bit weights: every pattern of F16 and BF16 through the decode the backend gets ({@link Decode#of})
 * and the table, bit for bit against the host's decode; then tiny-a rounded to F16 and BF16 against
 * the JVM decoder on the same patterns.</li>
 * </ul>
 * Arguments: [--golden DIR] [--device SPEC]... (default: jvm and every TornadoVM device)
 * [--variants V,...] (the forced prefill variants among loop, tiled, blocked, blocked8, blocked84, fused to run;
 * default all six; other names, such as the SSD check's config, scan and preferred, are ignored).
 */
public final class DeviceModelCheck {

    static final double TOL = 1e-4;
    /**
     * Precision fast: max |Δlogit| against HF's float64 and the JVM's float32 logits. fp16 operands
     * carry 11 significant bits (relative rounding 2^-12 per operand); tiny-a's logits are of order 1.
     */
    static final double FAST_TOL = 2e-2;
    /** Rows printed and rows failed (a forced row of a path its config turns off counts here too). */
    private static int rows, failed;
    /** One token, chunk and pass boundaries of the chunk-8, 16-token configuration, and the whole sequence. */
    static final int[] PREFILL_LENGTHS = {1, 2, 7, 8, 9, 16, 17, 24, 29};
    static final int SHORT_CHUNK = 8, SHORT_PASS = 16;

    public static void main(String[] args) throws Exception {
        Path golden = Path.of("testdata");
        List<String> devices = new ArrayList<>();
        List<String> variants = new ArrayList<>(List.of("loop", "tiled", "blocked", "blocked8", "blocked84", "fused"));
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--golden" -> golden = Path.of(args[++i]);
                case "--device" -> devices.add(args[++i]);
                case "--variants" -> variants.retainAll(List.of(args[++i].split(",")));
                default -> {
                    System.err.println("DeviceModelCheck: unknown argument " + args[i] + " (use --golden DIR, --device SPEC, --variants V,...)");
                    System.exit(2);
                }
            }
        }
        if (devices.isEmpty()) {
            devices.add("jvm");
            Accelerators.active().ifPresent(a -> a.devices().forEach(d -> devices.add(d.spec())));
        }
        Path tiny = golden.resolve("tiny-a");
        boolean ok = true;
        System.out.printf("%-10s %-9s %-24s %14s %16s %14s %14s  %s%n", "device", "layout", "path", "max|Δlogit|",
                "after: Δ vs JVM", "greedy", "text greedy", "result");
        try (SafeTensors g = SafeTensors.open(tiny.resolve("golden.safetensors"))) {
            Golden ref = new Golden(ints(g, "input_ids"), g.get("logits_f64").toDoubles(), ints(g, "greedy_prompt"),
                    ints(g, "greedy_tokens"), ints(g, "text_prompt_ids"), ints(g, "text_greedy_tokens"));
            for (String device : devices) {
                for (String layout : List.of("hf", "mamba_ssm")) {
                    Path dir = tiny.resolve(layout);
                    ok &= report(device, layout, "decode + greedy", () -> decodeAndGreedy(dir, device, ref));
                    if (device.equals("jvm")) continue;
                    DeviceSpec spec = DeviceSpec.parse(device);
                    DeviceConfig own = ownConfig(spec, 0, 0);
                    String path = own.prefill().runsOn(spec.backend()) ? "prefill" : "prefill (off: token by token)";
                    ok &= report(device, layout, path, () -> prefillThenDecode(dir, spec, own, ref, TOL));
                    // where the device config turns the device prefill off, forcing it on still runs and
                    // prints, but does not count: it is not what this backend ships
                    boolean counted = own.prefill().runsOn(spec.backend());
                    String note = counted ? "" : " (off here, not counted)";
                    boolean forced = report(device, layout, "prefill chunk 8, pass 16" + note,
                            () -> prefillThenDecode(dir, spec, ownConfig(spec, SHORT_CHUNK, SHORT_PASS), ref, TOL));
                    if (layout.equals("hf")) { // the variants compute the same for both layouts
                        for (String variant : variants) {
                            forced &= report(device, layout, "  the same, " + variant + note,
                                    () -> prefillThenDecode(dir, spec, ownConfig(spec, SHORT_CHUNK, SHORT_PASS).withVariant(DeviceConfig.Variant.parse(variant)), ref, TOL));
                        }
                    }
                    ok &= forced || !counted;
                    if (layout.equals("hf") && counted) { // which plan a prompt takes is the same question for both layouts
                        DeviceConfig shortPasses = ownConfig(spec, SHORT_CHUNK, SHORT_PASS);
                        DeviceConfig replayed = shortPasses.withPrefill(SHORT_CHUNK, shortPasses.prefill().withCudaGraph(true));
                        ok &= report(device, layout, "prefill replay set, pass 16", () -> prefillReplayed(dir, spec, replayed, ref, TOL));
                        DeviceConfig replayedFast = replayed.at(Precision.FAST, spec.backend());
                        if (replayedFast.precision() == Precision.FAST) {
                            ok &= report(device, layout, "  the same, fast", () -> prefillReplayed(dir, spec, replayedFast, ref, FAST_TOL));
                        }
                    }
                    if (layout.equals("hf") && own.at(Precision.FAST, spec.backend()).precision() == Precision.FAST) {
                        ok &= report(device, layout, "prefill, precision fast",
                                () -> prefillThenDecode(dir, spec, own.at(Precision.FAST, spec.backend()), ref, FAST_TOL));
                        ok &= report(device, layout, "  chunk 8, pass 16, fast",
                                () -> prefillThenDecode(dir, spec, ownConfig(spec, SHORT_CHUNK, SHORT_PASS).at(Precision.FAST, spec.backend()), ref, FAST_TOL));
                    }
                    if (layout.equals("hf")) { // batching is the same question for both layouts
                        DeviceConfig shipped = DeviceConfig.forDevice(TornadoDevices.deviceName(TornadoDevices.device(spec)), spec.backend(), null);
                        ok &= report(device, layout, "batch vs alone", () -> batch(dir, spec, shipped, BATCH_TOL));
                        ok &= report(device, layout, "  the same, blocked", () -> batch(dir, spec, shipped.withVariant(DeviceConfig.Variant.BLOCKED), BATCH_TOL));
                        DeviceConfig fast = shipped.at(Precision.FAST, spec.backend());
                        if (fast.precision() == Precision.FAST) { // the step's projections on tensor cores, against the float32 step alone
                            ok &= report(device, layout, "  the same, fast", () -> batch(dir, spec, fast, FAST_TOL));
                        }
                        ok &= report(device, layout, "  the same, bf16 weights", () -> {
                            Path rounded = RoundedCopy.of(dir, SafeTensors.DType.BF16);
                            try {
                                return batch(rounded, spec, shipped.withVariant(DeviceConfig.Variant.BLOCKED), BATCH_TOL);
                            } finally {
                                deleteFolder(rounded);
                            }
                        });
                    }
                    if (layout.equals("hf")) { // a property of the launcher and TornadoVM, not of the layout
                        ok &= report(device, layout, "graph code past 8 KiB", () -> graphCode(spec));
                        ok &= report(device, layout, MANY_BLOCKS + " blocks, one graph", () -> manyBlocks(spec));
                    }
                    if (layout.equals("hf")) { // the weights' format is the same question for both layouts
                        // where the backend holds 16-bit checkpoints as float32, no kernel decodes a pattern
                        boolean patterns = DeviceWeights.Storage.reads16Bit(spec.backend());
                        for (SafeTensors.DType dtype : List.of(SafeTensors.DType.F16, SafeTensors.DType.BF16)) {
                            WeightFormat f = WeightFormat.of(dtype);
                            Decode chosen = Decode.of(f, spec.backend());
                            if (patterns) {
                                for (Decode d : chosen == Decode.TABLE ? List.of(Decode.TABLE) : List.of(chosen, Decode.TABLE)) {
                                    ok &= report(device, layout, "  " + f.name().toLowerCase() + " patterns, " + d.label(), () -> decodeAll(spec, f, d));
                                }
                            }
                            ok &= report(device, layout, dtype.name().toLowerCase() + " weights vs JVM, " + (patterns ? chosen.label() : "held as float32"),
                                    () -> sixteenBit(dir, spec, ownConfig(spec, SHORT_CHUNK, SHORT_PASS), dtype));
                        }
                    }
                }
            }
        }
        System.out.printf("%d rows, %d failed (tolerance %.0e)%n", rows, failed, TOL);
        System.exit(ok ? 0 : 1);
    }

    /**
     * The device's own config with every prompt through the prefill (minTokens 1); with {@code chunk}
     * and passes of {@code pass} positions where they are not 0.
     */
    private static DeviceConfig ownConfig(DeviceSpec spec, int chunk, int pass) {
        DeviceConfig own = DeviceConfig.forDevice(TornadoDevices.deviceName(TornadoDevices.device(spec)), spec.backend(), null);
        DeviceConfig.Prefill p = chunk > 0 ? new DeviceConfig.Prefill(pass, 1, 0) // forced onto the device prefill
                : new DeviceConfig.Prefill(own.prefill().maxTokens(), 1, 0, own.prefill().skipBackends());
        return own.withPrefill(chunk > 0 ? chunk : own.chunkSize(), p);
    }

    record Golden(int[] ids, double[] logits, int[] greedyPrompt, int[] greedy, int[] textPrompt, int[] textGreedy) {
        int vocab() {
            return logits.length / ids.length;
        }

        /** max |logits − HF's at position t|. */
        double diff(float[] got, int t) {
            double max = 0;
            for (int v = 0; v < vocab(); v++) max = Math.max(max, absDiff(got[v], logits[t * vocab() + v]));
            return max;
        }
    }

    /** What one check found; NaN where it does not apply. */
    record Outcome(double maxDiff, double vsJvm, String greedy, String textGreedy, boolean ok) {
    }

    interface Check {
        Outcome run() throws Exception;
    }

    private static boolean report(String device, String layout, String path, Check check) {
        Outcome o;
        String result;
        try {
            o = check.run();
            result = o.ok() ? "ok" : "FAILED";
        } catch (Exception e) {
            o = new Outcome(Double.NaN, Double.NaN, "-", "-", false);
            result = "FAILED: " + e.getMessage();
        }
        System.out.printf("%-10s %-9s %-24s %14s %16s %14s %14s  %s%n", device, layout, path, sci(o.maxDiff()), sci(o.vsJvm()),
                o.greedy(), o.textGreedy(), result);
        rows++;
        if (!o.ok()) failed++;
        return o.ok();
    }

    /** A one-token prompt, every later position by a decode step (the device's config as the CLI runs it); then greedy decoding. */
    private static Outcome decodeAndGreedy(Path dir, String device, Golden ref) throws Exception {
        try (Mamba2Model m = Mamba2Model.load(dir); Decoder d = Decoders.open(m, device, null)) {
            double maxDiff = 0;
            for (int t = 0; t < ref.ids().length; t++) {
                float[] logits = t == 0 ? d.prefill(new int[]{ref.ids()[0]}) : d.step(ref.ids()[t]);
                maxDiff = Math.max(maxDiff, ref.diff(logits, t));
            }
            return greedy(d, ref, maxDiff, Double.NaN, TOL);
        }
    }

    /** Greedy decoding of both golden prompts on {@code d}, with the logit differences found before. */
    private static Outcome greedy(Decoder d, Golden ref, double maxDiff, double vsJvm, double tol) {
        Generator gen = new Generator(d);
        boolean greedyOk = Arrays.equals(ref.greedy(), gen.generate(ref.greedyPrompt(), GenerationConfig.greedy(ref.greedy().length), x -> { }).tokens());
        boolean textOk = Arrays.equals(ref.textGreedy(), gen.generate(ref.textPrompt(), GenerationConfig.greedy(ref.textGreedy().length), x -> { }).tokens());
        return new Outcome(maxDiff, vsJvm, greedyOk ? ref.greedy().length + "/" + ref.greedy().length + " same" : "differ",
                textOk ? "same" : "differ", maxDiff <= tol && !(vsJvm > tol) && greedyOk && textOk);
    }

    /**
     * For each prompt length n: the first n tokens through the device prefill, then the rest decoded
     * on the device from the states it handed over; logits against HF's at every position and
     * against the JVM decoder fed the same way; then greedy decoding of both golden prompts.
     */
    private static Outcome prefillThenDecode(Path dir, DeviceSpec spec, DeviceConfig config, Golden ref, double tol) throws Exception {
        return prefillThenDecode(dir, spec, config, ref, tol, PREFILL_LENGTHS, Integer.MAX_VALUE);
    }

    /**
     * The prefill with its replay set ({@code config}'s prefill "cudaGraph" on) through
     * {@link #REPLAYED_LENGTHS}, three decode steps after each prompt.
     */
    private static Outcome prefillReplayed(Path dir, DeviceSpec spec, DeviceConfig config, Golden ref, double tol) throws Exception {
        return prefillThenDecode(dir, spec, config, ref, tol, REPLAYED_LENGTHS, 3);
    }

    /** Prompts of {@code lengths} tokens, each followed by at most {@code steps} decode steps, then greedy decoding. */
    private static Outcome prefillThenDecode(Path dir, DeviceSpec spec, DeviceConfig config, Golden ref, double tol, int[] lengths, int steps)
            throws Exception {
        int[] ids = ref.ids();
        double maxDiff = 0, vsJvm = 0;
        try (Mamba2Model m = Mamba2Model.load(dir); Decoder d = TornadoDecoder.open(m, spec, config); Decoder jvm = new JvmDecoder(m)) {
            for (int n : lengths) {
                int[] prompt = Arrays.copyOf(ids, n);
                float[] got = d.prefill(prompt);
                maxDiff = Math.max(maxDiff, ref.diff(got, n - 1));
                vsJvm = Math.max(vsJvm, diff(got, jvm.prefill(prompt)));
                for (int t = n; t < Math.min(ids.length, (long) n + steps); t++) {
                    got = d.step(ids[t]);
                    maxDiff = Math.max(maxDiff, ref.diff(got, t));
                    vsJvm = Math.max(vsJvm, diff(got, jvm.step(ids[t])));
                }
            }
            return greedy(d, ref, maxDiff, vsJvm, tol);
        }
    }

    /**
     * Prompt lengths for the prefill's replay set at chunk 8 and passes of 16: 9 and 29 run passes of
     * 16 rows (29 two of them, the second continuing from the first's states), 7 one of 8. The second
     * prefill of 9 is the first repeat: the replay set takes 16 rows from there (captured as CUDA
     * graphs on PTX and CUDA, replayed after), and hands states to and from the main set as lengths change.
     */
    static final int[] REPLAYED_LENGTHS = {9, 9, 9, 29, 7, 29, 9};

    /**
     * tiny-a rounded to {@code dtype} ({@link RoundedCopy}): the device keeps the 16-bit patterns and
     * the JVM decoder reads the same ones, both in float32 math, so they agree to summation order
     * (tolerance {@link #TOL}) through every prefill length and the decode steps after it, and
     * greedy decoding of both golden prompts gives the JVM's tokens. HF's logits are for the float32
     * weights: not compared.
     */
    private static Outcome sixteenBit(Path dir, DeviceSpec spec, DeviceConfig config, SafeTensors.DType dtype) throws Exception {
        Path rounded = RoundedCopy.of(dir, dtype);
        try (Mamba2Model m = Mamba2Model.load(rounded); Decoder d = TornadoDecoder.open(m, spec, config); Decoder jvm = new JvmDecoder(m)) {
            String name = dtype.name().toLowerCase();
            String want = DeviceWeights.Storage.reads16Bit(spec.backend())
                    ? "weights " + name + " (" + Decode.of(WeightFormat.of(dtype), spec.backend()).label() + "; projections " + name
                    : "weights f32 (projections f32";
            if (!d.deviceName().contains(want)) throw new IllegalStateException("device weights are not " + dtype + ": " + d.deviceName());
            double vsJvm = 0;
            int[] ids = SIXTEEN_BIT_IDS;
            for (int n : PREFILL_LENGTHS) {
                if (n > ids.length) break;
                int[] prompt = Arrays.copyOf(ids, n);
                vsJvm = Math.max(vsJvm, diff(d.prefill(prompt), jvm.prefill(prompt)));
                for (int t = n; t < ids.length; t++) vsJvm = Math.max(vsJvm, diff(d.step(ids[t]), jvm.step(ids[t])));
            }
            int[] gotTokens = new Generator(d).generate(ids, GenerationConfig.greedy(16), x -> { }).tokens();
            int[] jvmTokens = new Generator(jvm).generate(ids, GenerationConfig.greedy(16), x -> { }).tokens();
            boolean same = Arrays.equals(gotTokens, jvmTokens);
            return new Outcome(Double.NaN, vsJvm, same ? "16/16 as JVM" : "differ", "-", vsJvm <= TOL && same);
        } finally {
            deleteFolder(rounded);
        }
    }

    /**
     * Every 16-bit pattern of {@code f} through {@code d} on the device, as the model's kernels read
     * weights: {@link MixerKernels#embed16} of token 0 with a row of all 65536 patterns. Passes when
     * each finite pattern gives the host's value ({@link WeightFormat#toFloat}) bit for bit.
     */
    private static Outcome decodeAll(DeviceSpec spec, WeightFormat f, Decode d) throws Exception {
        int n = 1 << 16;
        LongArray all = Packed16.allocate(n);
        for (int i = 0; i < n; i++) Packed16.set(all, i, (short) i);
        FloatArray table = FloatArray.fromArray(f.table()), out = new FloatArray(n);
        out.init(Float.NaN);
        IntArray control = IntArray.fromElements(0, 0);
        TaskGraph g = new TaskGraph("decode16").transferToDevice(DataTransferMode.FIRST_EXECUTION, control, all, table)
                .task("embed", MixerKernels::embed16, control, all, table, out, n, d.arg())
                .transferToHost(DataTransferMode.EVERY_EXECUTION, out);
        try (TornadoExecutionPlan plan = new TornadoExecutionPlan(g.snapshot())) {
            plan.withDevice(TornadoDevices.device(spec)).execute();
        }
        int wrong = 0, finite = 0;
        for (int i = 0; i < n; i++) {
            float want = f.toFloat((short) i);
            if (!Float.isFinite(want)) continue;
            finite++;
            if (Float.floatToRawIntBits(want) != Float.floatToRawIntBits(out.get(i))) wrong++;
        }
        return new Outcome(Double.NaN, Double.NaN, wrong + "/" + finite + " wrong", "-", wrong == 0);
    }

    /** Tasks of the graph-code check: {@value} × (15 + 15 × 5) = 9,000 bytes of graph code, past TornadoVM's own 8,192. */
    static final int CODE_CHECK_TASKS = 100;

    /**
     * One graph of {@link #CODE_CHECK_TASKS} tasks of {@link #addInputs}, more graph code than TornadoVM 5.2's task graphs
     * hold ({@link RoomyTaskGraph}); every sum exact.
     */
    private static Outcome graphCode(DeviceSpec spec) throws Exception {
        if (RoomyTaskGraph.codeSize() < CODE_CHECK_TASKS * 90) {
            return new Outcome(Double.NaN, Double.NaN, "code " + RoomyTaskGraph.codeSize() + " B", "-", false);
        }
        int n = 256;
        FloatArray acc = new FloatArray(n);
        acc.init(0f);
        FloatArray[] in = new FloatArray[14];
        for (int j = 0; j < in.length; j++) {
            in[j] = new FloatArray(n);
            for (int i = 0; i < n; i++) in[j].set(i, j + 1 + i);
        }
        TaskGraph g = new RoomyTaskGraph("graphCode").transferToDevice(DataTransferMode.FIRST_EXECUTION, (Object[]) in)
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, acc);
        for (int t = 0; t < CODE_CHECK_TASKS; t++) {
            g.task("add" + t, DeviceModelCheck::addInputs, acc, in[0], in[1], in[2], in[3], in[4], in[5], in[6], in[7], in[8], in[9], in[10],
                    in[11], in[12], in[13]);
        }
        g.transferToHost(DataTransferMode.EVERY_EXECUTION, acc);
        try (TornadoExecutionPlan plan = new TornadoExecutionPlan(g.snapshot())) {
            plan.withDevice(TornadoDevices.device(spec)).execute();
        }
        int wrong = 0;
        for (int i = 0; i < n; i++) if (acc.get(i) != (float) CODE_CHECK_TASKS * (105 + 14 * i)) wrong++;
        return new Outcome(Double.NaN, Double.NaN, wrong + "/" + n + " wrong", "-", wrong == 0);
    }

    /** Blocks of the graph-nodes check's model: the 2.7b model's 64, at tiny widths. */
    static final int MANY_BLOCKS = 64;

    /**
     * A random model of {@link #MANY_BLOCKS} blocks of tiny widths, decoded token by token on the device against the JVM:
     * its step must be one graph (TornadoVM holds 1,024 nodes a graph; DecodePlan budgets a block at 12) and its logits
     * within {@link #TOL}.
     */
    private static Outcome manyBlocks(DeviceSpec spec) throws Exception {
        Path dir = java.nio.file.Files.createTempDirectory("mamba2-many-blocks");
        try {
            ModelInit.write(new Mamba2Config(64, MANY_BLOCKS, 256, 256, 16, 4, 2, 16, 8, 1, 64, 0f, Float.POSITIVE_INFINITY, 1e-5f, 1e-5f,
                    true, true, false, false), dir, WeightType.F32, 11);
            try (Mamba2Model m = Mamba2Model.load(dir); TornadoDecoder d = TornadoDecoder.open(m, spec, (Path) null); JvmDecoder j = new JvmDecoder(m)) {
                int[] ids = {1, 17, 42, 99, 5, 200, 31, 8};
                double maxDiff = 0;
                for (int t = 0; t < ids.length; t++) {
                    float[] got = t == 0 ? d.prefill(new int[]{ids[0]}) : d.step(ids[t]);
                    float[] want = t == 0 ? j.prefill(new int[]{ids[0]}) : j.step(ids[t]);
                    maxDiff = Math.max(maxDiff, diff(got, want));
                }
                int graphs = d.lastStep().graphs();
                return new Outcome(Double.NaN, maxDiff, graphs + (graphs == 1 ? " graph" : " graphs"), "-", maxDiff <= TOL && graphs == 1);
            }
        } finally {
            deleteFolder(dir);
        }
    }

    /** acc[i] += the fourteen inputs' i-th entries (the graph-code check's task). */
    public static void addInputs(FloatArray acc, FloatArray a, FloatArray b, FloatArray c, FloatArray d, FloatArray e, FloatArray f, FloatArray g,
                                 FloatArray h, FloatArray k, FloatArray l, FloatArray m, FloatArray o, FloatArray p, FloatArray q) {
        for (@Parallel int i = 0; i < acc.getSize(); i++) {
            acc.set(i, acc.get(i) + a.get(i) + b.get(i) + c.get(i) + d.get(i) + e.get(i) + f.get(i) + g.get(i) + h.get(i) + k.get(i) + l.get(i)
                    + m.get(i) + o.get(i) + p.get(i) + q.get(i));
        }
    }

    /** Removes a folder of plain files: a {@link RoundedCopy}, or a model {@link ModelInit} wrote. */
    private static void deleteFolder(Path dir) throws java.io.IOException {
        try (var files = java.nio.file.Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) java.nio.file.Files.delete(f);
        }
        java.nio.file.Files.delete(dir);
    }

    /**
     * {@link BatchCheck}: the prompts of different lengths (some decoded token by token into their
     * slot, one through the device prefill, by the config's minTokens) and stops batched in 6 slots
     * (2 never filled), against the same device decoding each alone: tokens identical, logits
     * within {@link #BATCH_TOL} of the largest logit.
     */
    private static Outcome batch(Path dir, DeviceSpec spec, DeviceConfig config, double tol) throws Exception {
        try (Mamba2Model m = Mamba2Model.load(dir); Decoder alone = TornadoDecoder.open(m, spec, config);
             BatchDecoder together = TornadoBatchDecoder.open(m, spec, config, 6)) {
            BatchCheck.Outcome o = BatchCheck.run(together, alone, BatchCheck.PROMPTS, BatchCheck.configs(alone));
            return new Outcome(Double.NaN, o.maxLogitError(), o.mismatched().isEmpty() ? "same" : "differ " + o.mismatched(), "-",
                    o.passes(tol));
        }
    }

    static final double BATCH_TOL = 1e-5;

    /** A prompt for the 16-bit checks (token ids of tiny-a's vocabulary). */
    static final int[] SIXTEEN_BIT_IDS = {3, 17, 5, 40, 11, 2, 29, 8, 33, 14, 7, 21, 9, 1, 26, 12, 4, 38, 6, 19, 10, 31, 15, 27, 13, 35, 16, 22, 18};

    /** 3-digit scientific, "-" where a check does not apply. */
    private static String sci(double v) {
        return Double.isNaN(v) ? "-" : String.format("%.3e", v);
    }

    private static double diff(float[] a, float[] b) {
        double max = 0;
        for (int i = 0; i < b.length; i++) max = Math.max(max, absDiff(a[i], b[i]));
        return max;
    }

    /** |a − b|, infinite when either is NaN (so NaN fails every tolerance). */
    private static double absDiff(double a, double b) {
        double d = Math.abs(a - b);
        return Double.isNaN(d) ? Double.POSITIVE_INFINITY : d;
    }

    private static int[] ints(SafeTensors g, String name) throws java.io.IOException {
        long[] v = g.get(name).toLongs();
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) out[i] = Math.toIntExact(v[i]);
        return out;
    }
}
