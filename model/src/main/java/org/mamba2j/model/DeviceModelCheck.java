package org.mamba2j.model;

import org.mamba2j.io.SafeTensors;
import org.mamba2j.ssd.tornado.DeviceList;
import org.mamba2j.ssd.tornado.TornadoBackends;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Integration check of the model on TornadoVM devices (and the JVM): the golden tiny-a model in both
 * checkpoint layouts, decoded token by token on each device, against HF's float64 logits (max
 * absolute difference ≤ 1e-4) and its greedy tokens for both prompts. Prints device × layout × result;
 * exits 1 on any failure. Launched by scripts/tornado-it with TornadoVM's JVM flags.
 * Arguments: [--golden DIR] [--device SPEC]... (default: jvm and every TornadoVM device).
 */
public final class DeviceModelCheck {

    static final double TOL = 1e-4;

    public static void main(String[] args) throws Exception {
        Path golden = Path.of("../shared/golden");
        List<String> devices = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--golden" -> golden = Path.of(args[++i]);
                case "--device" -> devices.add(args[++i]);
                default -> {
                    System.err.println("DeviceModelCheck: unknown argument " + args[i] + " (use --golden DIR, --device SPEC)");
                    System.exit(2);
                }
            }
        }
        if (devices.isEmpty()) {
            devices.add("jvm");
            if (TornadoBackends.available()) DeviceList.all().forEach(d -> devices.add(d.spec()));
        }
        Path tiny = golden.resolve("tiny-a");
        boolean ok = true;
        System.out.printf("%-10s %-9s %16s %14s %14s  %s%n", "device", "layout", "max|Δlogit|", "greedy", "text greedy", "result");
        try (SafeTensors g = SafeTensors.open(tiny.resolve("golden.safetensors"))) {
            int[] ids = ints(g, "input_ids"), greedyPrompt = ints(g, "greedy_prompt"), greedy = ints(g, "greedy_tokens");
            int[] textPrompt = ints(g, "text_prompt_ids"), textGreedy = ints(g, "text_greedy_tokens");
            double[] ref = g.get("logits_f64").toDoubles();
            for (String device : devices) {
                for (String layout : List.of("hf", "mamba_ssm")) {
                    String result;
                    double maxDiff = Double.NaN;
                    boolean greedyOk = false, textOk = false;
                    try (Mamba2Model m = Mamba2Model.load(tiny.resolve(layout));
                         Decoder d = Decoders.open(m, device, null)) {
                        int vocab = ref.length / ids.length;
                        maxDiff = 0;
                        for (int t = 0; t < ids.length; t++) {
                            float[] logits = t == 0 ? d.prefill(new int[]{ids[0]}) : d.step(ids[t]);
                            for (int v = 0; v < vocab; v++) {
                                double diff = Math.abs(logits[v] - ref[t * vocab + v]);
                                maxDiff = Double.isNaN(diff) ? Double.POSITIVE_INFINITY : Math.max(maxDiff, diff);
                            }
                        }
                        Generator gen = new Generator(d, vocab);
                        greedyOk = Arrays.equals(greedy, gen.generate(greedyPrompt, GenerationConfig.greedy(greedy.length), x -> { }).tokens());
                        textOk = Arrays.equals(textGreedy, gen.generate(textPrompt, GenerationConfig.greedy(textGreedy.length), x -> { }).tokens());
                        result = maxDiff <= TOL && greedyOk && textOk ? "ok" : "FAILED";
                    } catch (RuntimeException e) {
                        result = "FAILED: " + e.getMessage();
                    }
                    ok &= result.equals("ok");
                    System.out.printf("%-10s %-9s %16.3e %14s %14s  %s%n", device, layout, maxDiff,
                            greedyOk ? "16/16 same" : "differ", textOk ? "same" : "differ", result);
                }
            }
        }
        System.exit(ok ? 0 : 1);
    }

    private static int[] ints(SafeTensors g, String name) throws java.io.IOException {
        long[] v = g.get(name).toLongs();
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) out[i] = Math.toIntExact(v[i]);
        return out;
    }
}
