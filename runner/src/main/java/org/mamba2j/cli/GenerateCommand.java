package org.mamba2j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.mamba2j.model.BatchDecoder;
import org.mamba2j.model.BatchGenerator;
import org.mamba2j.model.GenerationConfig;
import org.mamba2j.model.Decoder;
import org.mamba2j.model.Decoders;
import org.mamba2j.model.Decoding;
import org.mamba2j.model.EosTokens;
import org.mamba2j.model.Generator;
import org.mamba2j.model.Mamba2Model;
import org.mamba2j.tokenizer.StreamingDecoder;
import org.mamba2j.tokenizer.Tokenizer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "generate", mixinStandardHelpOptions = true,
        description = {"Generate text with a Mamba-2 model directory (HF or mamba_ssm layout), streaming tokens as they come.",
                "Several prompts (--prompt or --prompt-ids repeated, or --prompts-file) are decoded together as one batch,",
                "each sequence printed when the batch ends (with --json one JSON object per sequence)."})
final class GenerateCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    static final class Prompt {
        @Option(names = "--prompt", required = true, description = "prompt text (needs tokenizer.json in the model directory); repeat for a batch") List<String> texts;
        @Option(names = "--prompt-ids", required = true, description = "prompt as token ids, e.g. 1,2,3; repeat for a batch") List<String> ids;
        @Option(names = "--prompts-file", required = true, description = "a batch: one prompt per line, plain text or a JSON object with \"prompt\" or \"prompt_ids\" and optionally \"max_tokens\" and \"stop\" (ids)") Path file;

        List<PromptSpec> specs() throws IOException {
            if (file != null) return PromptSpec.readFile(file);
            if (texts != null) return texts.stream().map(PromptSpec::text).toList();
            return ids.stream().map(PromptSpec::ids).toList();
        }
    }

    @Option(names = "--model", required = true, description = "model directory") Path model;
    @ArgGroup(exclusive = true, multiplicity = "1") Prompt prompt;
    @Option(names = "--max-tokens", defaultValue = "64", description = "tokens to generate (default ${DEFAULT-VALUE})") int maxTokens;
    @Option(names = "--temperature", defaultValue = "0", description = "0 = greedy (default ${DEFAULT-VALUE})") float temperature;
    @Option(names = "--top-k", defaultValue = "0", description = "keep the k most likely tokens, 0 = all (default ${DEFAULT-VALUE})") int topK;
    @Option(names = "--top-p", defaultValue = "1", description = "nucleus sampling mass, 1 = off (default ${DEFAULT-VALUE})") float topP;
    @Option(names = "--repetition-penalty", defaultValue = "1", description = "HF-style penalty, 1 = off (default ${DEFAULT-VALUE})") float repetitionPenalty;
    @Option(names = "--seed", defaultValue = "0", description = "sampling seed (default ${DEFAULT-VALUE})") long seed;
    @Option(names = "--stop", arity = "1..*", split = ",", description = "token ids that also end generation, besides the model's end of sequence") int[] stop;
    @Option(names = "--ignore-eos", description = "do not stop at the model's end-of-sequence id (eos_token_id of generation_config.json or config.json)") boolean ignoreEos;
    @Option(names = "--tokenizer-vocab-only", description = "pick only ids that tokenizer.json can decode (default: the model's whole vocabulary, as mamba_ssm and HF transformers)") boolean tokenizerVocabOnly;
    @Option(names = "--device", defaultValue = "jvm", description = "jvm, or a TornadoVM device: opencl:<i>, ptx:<i>, spirv:<i>, cuda:<i>, optionally /exact or /fast (default ${DEFAULT-VALUE})") String device;
    @Option(names = "--device-config", description = "device tuning JSON") Path deviceConfig;
    @Mixin PrecisionOption precision;
    @Option(names = "--json", description = "print one JSON object on the last line") boolean json;
    @Option(names = "--profile", description = "on TornadoVM devices, time the kernels and print a per-step line (tasks, graph executions, kernel and host time, weights read) to stderr") boolean profile;
    @Option(names = "--verbose", description = "stack traces on errors") boolean verbose;

    @Override
    public Integer call() throws Exception {
        GenerationConfig cfg;
        try {
            cfg = new GenerationConfig(maxTokens, temperature, topK, topP, repetitionPenalty, seed, stop);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        List<PromptSpec> prompts = prompt.specs();
        if (prompts.size() > BatchDecoder.MAX_BATCH) {
            throw new ParameterException(spec.commandLine(), prompts.size() + " prompts: a batch holds at most " + BatchDecoder.MAX_BATCH);
        }
        Path tokFile = model.resolve("tokenizer.json");
        if (prompts.stream().anyMatch(p -> p.text() != null) && !Files.exists(tokFile)) {
            throw new ParameterException(spec.commandLine(), "a text prompt needs " + tokFile + "; use --prompt-ids for a model without a tokenizer");
        }
        if (tokenizerVocabOnly && !Files.exists(tokFile)) {
            throw new ParameterException(spec.commandLine(), "--tokenizer-vocab-only needs " + tokFile);
        }
        if (!ignoreEos) cfg = cfg.withEos(EosTokens.read(model));
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        device = precision.apply(device);
        if (profile) System.setProperty("mamba2.tornado.profile", "true");
        Devices.validate(device);
        boolean batch = prompts.size() > 1 || prompt.file != null;
        try (Mamba2Model m = Mamba2Model.load(model);
             Tokenizer tok = Files.exists(tokFile) ? Tokenizer.load(tokFile) : null) {
            List<int[]> ids = new ArrayList<>();
            for (int i = 0; i < prompts.size(); i++) {
                PromptSpec p = prompts.get(i);
                int[] t = p.text() != null ? tok.encode(p.text()) : p.ids();
                if (t.length == 0) throw new ParameterException(spec.commandLine(), "prompt " + (i + 1) + " encodes to no tokens");
                ids.add(t);
            }
            if (batch) return generateBatch(m, tok, ids, prompts, cfg, out);
            try (Decoder decoder = open(() -> Decoders.open(m, device, deviceConfig))) {
                return generateOne(decoder, tok, ids.get(0), cfg, out);
            }
        }
    }

    private int generateOne(Decoder decoder, Tokenizer tok, int[] ids, GenerationConfig cfg, PrintStream out) throws IOException {
        Generator gen = tokenizerVocabOnly ? new Generator(decoder, tok::knows) : new Generator(decoder);
        StreamingDecoder dec = tok == null ? null : new StreamingDecoder(tok);
        Generator.Result r = gen.generate(ids, cfg, id -> {
            out.print(dec == null ? id + " " : dec.add(id));
            out.flush();
        });
        if (dec != null) out.print(dec.flush());
        out.println();
        if (!json) {
            System.err.printf("prefill %d tokens in %.1f ms; decode %.2f tokens/s on %s; stopped: %s%n",
                    ids.length, r.prefillMs(), r.decodeTokensPerSecond(), decoder.deviceName(), r.stopReason().jsonName());
            printProfile(decoder, r.decodeSteps(), r.decodeMs());
        } else {
            out.println(new ObjectMapper().writeValueAsString(resultJson(r, tok, cfg, decoder.deviceName())));
        }
        return 0;
    }

    /** Every prompt in one batch, each with its own max tokens and stops where its line gives them; printed when all are done. */
    private int generateBatch(Mamba2Model m, Tokenizer tok, List<int[]> ids, List<PromptSpec> prompts, GenerationConfig cfg, PrintStream out)
            throws IOException {
        List<GenerationConfig> configs = new ArrayList<>();
        for (PromptSpec p : prompts) {
            configs.add(new GenerationConfig(p.maxTokens() != null ? p.maxTokens() : cfg.maxTokens(), cfg.temperature(), cfg.topK(), cfg.topP(),
                    cfg.repetitionPenalty(), cfg.seed(), p.stop() != null ? p.stop() : cfg.stopTokens(), cfg.eosTokens()));
        }
        try (BatchDecoder decoder = open(() -> Decoders.openBatch(m, device, deviceConfig, ids.size()))) {
            BatchGenerator gen = tokenizerVocabOnly ? new BatchGenerator(decoder, tok::knows) : new BatchGenerator(decoder);
            List<Generator.Result> results = gen.generate(ids, configs, (s, t) -> { });
            ObjectMapper om = new ObjectMapper();
            int tokens = 0;
            double decodeMs = 0;
            for (int i = 0; i < results.size(); i++) {
                Generator.Result r = results.get(i);
                tokens += r.decodeSteps();
                decodeMs = Math.max(decodeMs, r.decodeMs());
                if (json) {
                    out.println(om.writeValueAsString(resultJson(r, tok, configs.get(i), decoder.deviceName()).put("sequence", i)));
                } else {
                    out.println("[" + i + "] " + (tok != null ? tok.decode(r.tokens()) : Arrays.toString(r.tokens())));
                }
            }
            if (!json) {
                System.err.printf("batch of %d: decode %.2f tokens/s over all sequences (%d steps in %.1f ms) on %s%n", results.size(),
                        decodeMs == 0 ? 0 : tokens / (decodeMs / 1000), tokens, decodeMs, decoder.deviceName());
                printProfile(decoder, results.stream().mapToInt(Generator.Result::decodeSteps).max().orElse(0), decodeMs);
            }
            return 0;
        }
    }

    /** With --profile on a device: the last step's profile, against the mean wall time of a step. */
    private void printProfile(Decoding decoder, int steps, double decodeMs) {
        if (profile && decoder.lastStep() != null && steps > 0) System.err.println(decoder.lastStep().describe(decodeMs / steps));
    }

    /** A sequence's JSON object (the fields the README lists). */
    private ObjectNode resultJson(Generator.Result r, Tokenizer tok, GenerationConfig cfg, String deviceName) {
        ObjectNode o = new ObjectMapper().createObjectNode();
        var p = o.putArray("prompt_ids");
        for (int i : r.promptIds()) p.add(i);
        var t = o.putArray("tokens");
        for (int i : r.tokens()) t.add(i);
        if (tok != null) o.put("text", tok.decode(r.tokens())); else o.putNull("text");
        var eos = o.putArray("eos_token_ids");
        for (int i : cfg.eosTokens()) eos.add(i);
        return o.put("stop_reason", r.stopReason().jsonName()).put("prefill_ms", r.prefillMs())
                .put("decode_steps", r.decodeSteps()).put("decode_ms", r.decodeMs())
                .put("decode_tokens_per_s", r.decodeTokensPerSecond())
                .put("device", device).put("device_name", deviceName);
    }

    /** Opens a decoder; a device that cannot be had is one line and exit code 3. */
    private static <T> T open(java.util.function.Supplier<T> opener) {
        try {
            return opener.get();
        } catch (IllegalStateException e) {
            throw new DeviceUnavailableException(Failures.message(e));
        }
    }
}
