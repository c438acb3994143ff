package org.mamba2j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.mamba2j.model.GenerationConfig;
import org.mamba2j.model.Decoder;
import org.mamba2j.model.Decoders;
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

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Generate text with a Mamba-2 model directory (HF or mamba_ssm layout), streaming tokens as they come.")
final class GenerateCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    static final class Prompt {
        @Option(names = "--prompt", required = true, description = "prompt text (needs tokenizer.json in the model directory)") String text;
        @Option(names = "--prompt-ids", required = true, split = ",", description = "prompt as token ids, e.g. 1,2,3") int[] ids;
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
    @Option(names = "--verbose", description = "stack traces on errors") boolean verbose;

    @Override
    public Integer call() throws Exception {
        GenerationConfig cfg;
        try {
            cfg = new GenerationConfig(maxTokens, temperature, topK, topP, repetitionPenalty, seed, stop);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        Path tokFile = model.resolve("tokenizer.json");
        if (prompt.text != null && !Files.exists(tokFile)) {
            throw new ParameterException(spec.commandLine(), "--prompt needs " + tokFile + "; use --prompt-ids for a model without a tokenizer");
        }
        if (tokenizerVocabOnly && !Files.exists(tokFile)) {
            throw new ParameterException(spec.commandLine(), "--tokenizer-vocab-only needs " + tokFile);
        }
        if (!ignoreEos) cfg = cfg.withEos(EosTokens.read(model));
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        device = precision.apply(device);
        Devices.validate(device);
        try (Mamba2Model m = Mamba2Model.load(model);
             Decoder decoder = openDecoder(m);
             Tokenizer tok = Files.exists(tokFile) ? Tokenizer.load(tokFile) : null) {
            int[] ids = prompt.text != null ? tok.encode(prompt.text) : prompt.ids;
            if (ids.length == 0) throw new ParameterException(spec.commandLine(), "the prompt encodes to no tokens");
            Generator gen = tokenizerVocabOnly ? new Generator(decoder, tok::knows) : new Generator(decoder);
            StreamingDecoder dec = tok == null ? null : new StreamingDecoder(tok);
            StringBuilder text = new StringBuilder();
            Generator.Result r = gen.generate(ids, cfg, id -> {
                String piece = dec == null ? id + " " : dec.add(id);
                text.append(piece);
                out.print(piece);
                out.flush();
            });
            if (dec != null) {
                String rest = dec.flush();
                text.append(rest);
                out.print(rest);
            }
            out.println();
            if (!json) {
                System.err.printf("prefill %d tokens in %.1f ms; decode %.2f tokens/s on %s; stopped: %s%n",
                        ids.length, r.prefillMs(), r.decodeTokensPerSecond(), decoder.deviceName(), r.stopReason().jsonName());
            } else {
                ObjectMapper om = new ObjectMapper();
                ObjectNode o = om.createObjectNode();
                var p = o.putArray("prompt_ids");
                for (int i : ids) p.add(i);
                var t = o.putArray("tokens");
                for (int i : r.tokens()) t.add(i);
                if (tok != null) o.put("text", tok.decode(r.tokens())); else o.putNull("text");
                var eos = o.putArray("eos_token_ids");
                for (int i : cfg.eosTokens()) eos.add(i);
                o.put("stop_reason", r.stopReason().jsonName()).put("prefill_ms", r.prefillMs())
                        .put("decode_steps", r.decodeSteps()).put("decode_ms", r.decodeMs())
                        .put("decode_tokens_per_s", r.decodeTokensPerSecond())
                        .put("device", device).put("device_name", decoder.deviceName());
                out.println(om.writeValueAsString(o));
            }
            return 0;
        }
    }

    private Decoder openDecoder(Mamba2Model m) {
        try {
            return Decoders.open(m, device, deviceConfig);
        } catch (IllegalStateException e) {
            throw new DeviceUnavailableException(Failures.message(e));
        }
    }
}
