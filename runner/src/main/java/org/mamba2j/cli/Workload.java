package org.mamba2j.cli;

import org.mamba2j.model.BatchDecoder;
import org.mamba2j.model.Decoder;
import org.mamba2j.model.Decoders;
import org.mamba2j.model.Decoding;
import org.mamba2j.model.JvmDecoder;
import org.mamba2j.model.Mamba2Model;
import org.mamba2j.model.ModelInit;
import org.mamba2j.model.WeightType;
import org.mamba2j.ssd.RandomInputs;
import org.mamba2j.ssd.SsdBackend;
import org.mamba2j.ssd.SsdInputs;
import org.mamba2j.ssd.SsdReference;
import org.mamba2j.ssd.SsdShape;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** One row of the benchmark matrix: what runs, how its throughput is counted, how it is checked. */
abstract class Workload {

    /** The row's name: the family, with the weight dtype appended where it is not f32. */
    final String name;
    /** The workload without its weight dtype, as --workloads names it. */
    final String family;
    final String description;

    Workload(String name, String description) {
        this(name, name, description);
    }

    Workload(String family, String name, String description) {
        this.family = family;
        this.name = name;
        this.description = description;
    }

    /**
     * Whether the workload runs only when --workloads names it: the batch of 64 and the 2.7b model
     * take minutes on a CPU and gigabytes of disk, memory and device memory.
     */
    boolean onRequest() {
        return this instanceof BatchGenerate || (this instanceof ModelWorkload m && m.preset != ModelInit.Preset.M130);
    }

    /** The workloads `mamba2 bench` knows with float32 model weights, in the order they run. */
    static List<Workload> all() {
        return all(List.of(WeightType.F32));
    }

    /** The workloads, each model workload once per weight dtype (side by side, in the order given). */
    static List<Workload> all(List<WeightType> weights) {
        List<Workload> all = new ArrayList<>(List.of(
                new SsdForward("ssd-130m", new SsdShape(1, 2048, 24, 64, 1, 128, 256)),
                new SsdForward("ssd-2.7b", new SsdShape(1, 4096, 80, 64, 1, 128, 256)),
                new DecodeStep("decode-step", new SsdShape(1, 1, 80, 64, 1, 128, 256))));
        for (WeightType w : weights) all.add(new Generate("generate-130m", ModelInit.Preset.of("130m"), w));
        for (WeightType w : weights) all.add(new BatchGenerate("generate-130m-b64", ModelInit.Preset.of("130m"), w, 64));
        for (WeightType w : weights) all.add(new Generate("generate-2.7b", ModelInit.Preset.of("2.7b"), w));
        for (WeightType w : weights) all.add(new Prefill("prefill-130m", ModelInit.Preset.of("130m"), w));
        for (WeightType w : weights) all.add(new Prefill("prefill-2.7b", ModelInit.Preset.of("2.7b"), w));
        return all;
    }

    /**
     * @param deviceConfig the --device-config override, or null
     * @param chunk        the --chunk choice, for workloads that run the chunked SSD themselves
     */
    abstract BenchResult run(String device, SsdBackend backend, Path deviceConfig, ChunkChoice chunk, int warmup, int iters);

    /** Releases what the workload built once for every device (a model on disk). */
    void close() {
    }

    /** Keeps what the workload builds once (a model, the JVM's reference) in {@code dir}, to reuse in later runs. */
    void cacheIn(Path dir) {
    }

    /**
     * SSD forward on random inputs, at the --chunk choice (the shape's chunk size is the one for
     * {@code auto} where the device config names none); throughput in tokens/s, GFLOP/s from the
     * chunk size that ran; checked against the float64 recurrence.
     */
    static final class SsdForward extends Workload {
        final SsdShape shape;

        SsdForward(String name, SsdShape shape) {
            super(name, "SSD forward, " + shape);
            this.shape = shape;
        }

        @Override
        BenchResult run(String device, SsdBackend backend, Path deviceConfig, ChunkChoice chunk, int warmup, int iters) {
            SsdShape shape = chunk.apply(this.shape, backend);
            SsdInputs in = RandomInputs.generate(shape, 11);
            float[] y = new float[(int) shape.xSize()], state = new float[(int) shape.stateSize()];
            Arrays.fill(y, Float.NaN);
            double[] err = {Double.NaN};
            KernelTimes kernels = new KernelTimes(backend, iters);
            Timings t = Timings.measure(() -> {
                backend.forward(shape, in, y, state);
                kernels.record();
            }, warmup, iters, () -> {
                SsdReference.Exact ref = SsdReference.forward(shape, in);
                err[0] = Math.max(SsdReference.relativeError(y, ref.y()), SsdReference.relativeError(state, ref.finalState()));
            });
            double perS = shape.batch() * shape.seqlen() / (t.median() / 1e3);
            return BenchResult.ok(device, backend.deviceName(), name, shape.chunkSize(), t, kernels.median(), perS, "tokens/s",
                    shape.flops() / (t.median() / 1e3) / 1e9, err[0], backend.precision());
        }
    }

    /** One recurrent decode step (all heads of one layer), state kept where the backend keeps it; steps/s. */
    static final class DecodeStep extends Workload {
        static final int STEPS = 50;
        final SsdShape shape;

        /** The same token's inputs {@code n} times over (batch 1): what {@code n} identical steps consume. */
        static SsdInputs repeated(SsdInputs in, int n) {
            return new SsdInputs(tile(in.x(), n), tile(in.dt(), n), in.A(), tile(in.B(), n), tile(in.C(), n), in.D(),
                    in.z() == null ? null : tile(in.z(), n), null, in.timeStep());
        }

        private static float[] tile(float[] a, int n) {
            float[] out = new float[a.length * n];
            for (int i = 0; i < n; i++) System.arraycopy(a, 0, out, i * a.length, a.length);
            return out;
        }

        DecodeStep(String name, SsdShape shape) {
            super(name, "SSD decode step, " + shape);
            this.shape = shape;
        }

        @Override
        BenchResult run(String device, SsdBackend backend, Path deviceConfig, ChunkChoice chunk, int warmup, int iters) {
            SsdInputs in = RandomInputs.generate(shape, 12);
            float[] start = RandomInputs.generate(shape, 13, 1f, false, true).initialState();
            float[] state = new float[start.length];
            float[] y = new float[(int) shape.xSize()];
            Arrays.fill(y, Float.NaN);
            Arrays.fill(state, Float.NaN);
            double[] err = {Double.NaN};
            KernelTimes kernels = new KernelTimes(backend, iters);
            try (SsdBackend.StepSession session = backend.openSteps(shape, in, start)) {
                // A timed call is STEPS steps: one step is too short for the clock and for the JIT to settle.
                Timings t = Timings.measure(() -> {
                    for (int i = 0; i < STEPS; i++) {
                        session.step(in, y);
                        kernels.record();
                    }
                }, warmup, iters, () -> {
                    // Checked after the first STEPS steps (same token each time): the state read back from where it lives.
                    session.readState(state);
                    SsdReference.Exact ref = SsdReference.forward(shape.withSeqlen(STEPS), repeated(in, STEPS).withInitialState(start));
                    double[] lastY = Arrays.copyOfRange(ref.y(), (STEPS - 1) * y.length, STEPS * y.length);
                    err[0] = Math.max(SsdReference.relativeError(y, lastY), SsdReference.relativeError(state, ref.finalState()));
                }).perUnit(STEPS);
                // One step per layer: H·P·N state updates and dot products, 2 FLOP each.
                double flops = 4.0 * shape.batch() * shape.nheads() * shape.headdim() * shape.dstate();
                return BenchResult.ok(device, backend.deviceName(), name, BenchResult.NO_CHUNK, t, kernels.median(), 1e3 / t.median(), "steps/s",
                        flops / (t.median() / 1e3) / 1e9, err[0], backend.precision());
            }
        }
    }

    /**
     * A workload on a random-weight model of a preset, written once to a temporary folder, or, with a cache
     * ({@link #cacheIn}), to {@code <cache>/<preset>-<dtype>-seed1} once for every run (marked complete by a file
     * written last), beside the JVM decoder's logits after the workload's prompt.
     */
    abstract static class ModelWorkload extends Workload {
        /** The seed of the random weights. */
        static final long SEED = 1;
        /** The file whose presence marks a cached model as completely written. */
        static final String COMPLETE = ".complete";

        final ModelInit.Preset preset;
        final WeightType weights;
        private Path dir;
        private Path cache;

        ModelWorkload(String family, String description, ModelInit.Preset preset, WeightType weights) {
            super(family, weights == WeightType.F32 ? family : family + "-" + weights.label,
                    description + ", " + preset.label + " preset (random weights, " + weights.label + ")");
            this.preset = preset;
            this.weights = weights;
        }

        @Override
        void cacheIn(Path dir) {
            this.cache = dir;
        }

        Path model() {
            if (dir == null) {
                try {
                    if (cache == null) {
                        dir = Files.createTempDirectory("mamba2-bench-" + preset.label + "-" + weights.label);
                        ModelInit.write(preset, dir, weights, SEED);
                    } else {
                        dir = cache.resolve(preset.label + "-" + weights.label + "-seed" + SEED);
                        if (!Files.exists(dir.resolve(COMPLETE))) {
                            delete(dir);
                            Files.createDirectories(dir);
                            ModelInit.write(preset, dir, weights, SEED);
                            Files.createFile(dir.resolve(COMPLETE));
                        }
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot write the " + preset.label + " model: " + e.getMessage(), e);
                }
            }
            return dir;
        }

        private double[] reference;

        /** The prompt every device gets. */
        abstract int[] prompt();

        /** Opens the model on the device and times the workload there; {@code ref}: the JVM decoder's logits, {@link #reference}. */
        abstract BenchResult measure(String device, Mamba2Model m, Path deviceConfig, double[] ref, int warmup, int iters);

        @Override
        BenchResult run(String device, SsdBackend backend, Path deviceConfig, ChunkChoice chunk, int warmup, int iters) {
            try (Mamba2Model m = Mamba2Model.load(model())) {
                if (reference == null) reference = cachedReference(m);
                return measure(device, m, deviceConfig, reference, warmup, iters);
            } catch (IOException e) {
                throw new UncheckedIOException(e.getMessage(), e);
            }
        }

        /** The JVM decoder's logits after the prompt: read from the cache where a run left them, else computed (and cached). */
        private double[] cachedReference(Mamba2Model m) throws IOException {
            Path file = cache == null ? null : model().resolve("reference-" + name + "-" + Integer.toHexString(Arrays.hashCode(prompt())) + "-"
                    + referenceKind() + ".bin");
            if (file != null && Files.exists(file)) {
                DoubleBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).asDoubleBuffer();
                double[] r = new double[b.remaining()];
                b.get(r);
                return r;
            }
            double[] r;
            try (Decoder jvm = new JvmDecoder(m)) {
                r = reference(jvm);
            }
            if (file != null) {
                ByteBuffer bytes = ByteBuffer.allocate(r.length * Double.BYTES);
                bytes.asDoubleBuffer().put(r);
                Path part = file.resolveSibling(file.getFileName() + ".part");
                Files.write(part, bytes.array());
                Files.move(part, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
            return r;
        }

        /**
         * Whether the check takes a decode step too: the prompt alone may take the device prefill and leave the decode
         * step unchecked (the decode workloads).
         */
        boolean checksStep() {
            return false;
        }

        /** What {@link #reference} holds, part of its cache file's name. */
        final String referenceKind() {
            return checksStep() ? "prompt-step" : "prompt";
        }

        /**
         * The JVM decoder's logits the workload's result is checked against: after the prompt, and where {@link #checksStep}
         * then after one step of their greedy token (vocab more).
         */
        final double[] reference(Decoder jvm) {
            float[] first = jvm.prefill(prompt());
            if (!checksStep()) return doubles(first);
            float[] next = jvm.step(Decoding.firstMax(first));
            double[] r = Arrays.copyOf(doubles(first), 2 * first.length);
            System.arraycopy(doubles(next), 0, r, first.length, next.length);
            return r;
        }

        static double[] doubles(float[] v) {
            double[] r = new double[v.length];
            for (int i = 0; i < v.length; i++) r[i] = v[i];
            return r;
        }

        /** {@link Decoding#firstMax} of a reference's logits (float values held as doubles, exactly): the pick the reference continued with. */
        static int argmax(double[] logits) {
            float[] f = new float[logits.length];
            for (int i = 0; i < f.length; i++) f[i] = (float) logits[i];
            return Decoding.firstMax(f);
        }

        @Override
        void close() {
            if (dir != null && cache == null) delete(dir);
        }

        /** Deletes a folder and what it holds, if it exists; a leftover is harmless. */
        private static void delete(Path folder) {
            if (!Files.exists(folder)) return;
            try (Stream<Path> files = Files.walk(folder)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                // a leftover folder is harmless
            }
        }
    }

    /** A workload on one sequence at a time, through a {@link Decoder}. */
    abstract static class SingleSequence extends ModelWorkload {

        SingleSequence(String family, String description, ModelInit.Preset preset, WeightType weights) {
            super(family, description, preset, weights);
        }

        /** Times the workload on an opened decoder. */
        abstract BenchResult measure(String device, Decoder d, double[] ref, int warmup, int iters);

        @Override
        BenchResult measure(String device, Mamba2Model m, Path deviceConfig, double[] ref, int warmup, int iters) {
            try (Decoder d = Decoders.open(m, device, deviceConfig)) {
                return measure(device, d, ref, warmup, iters);
            }
        }
    }

    /** The prompt pass alone: {@link #TOKENS} tokens from fresh states; checked by its last logits against the JVM's. */
    static final class Prefill extends SingleSequence {
        static final int TOKENS = 2048;

        Prefill(String name, ModelInit.Preset preset, WeightType weights) {
            super(name, "prefill of " + TOKENS + " tokens", preset, weights);
        }

        @Override
        int[] prompt() {
            int[] p = new int[TOKENS];
            for (int i = 0; i < p.length; i++) p[i] = 1 + (int) ((37L * i) % 50000);
            return p;
        }

        @Override
        BenchResult measure(String device, Decoder d, double[] ref, int warmup, int iters) {
            double[] err = {Double.NaN};
            Timings t = Timings.measure(() -> d.prefill(prompt()), warmup, iters,
                    () -> err[0] = SsdReference.relativeError(d.prefill(prompt()), ref));
            return BenchResult.ok(device, d.deviceName(), name, BenchResult.NO_CHUNK, t, Double.NaN, TOKENS / (t.median() / 1e3), "tokens/s",
                    Double.NaN, err[0], d.precision());
        }
    }

    /**
     * Greedy decoding with a random-weight model of a real preset (written once to a temporary
     * folder): a 16-token prompt, then timed calls of STEPS decode steps; tokens/s. Checked by the
     * logits after the prompt and after one decode step (of the JVM's greedy token) against the JVM
     * decoder's: the prompt alone may take the device prefill and leave the decode step unchecked.
     */
    static final class Generate extends SingleSequence {
        static final int STEPS = 32;

        Generate(String name, ModelInit.Preset preset, WeightType weights) {
            super(name, "greedy decoding, " + STEPS + " tokens per call", preset, weights);
        }

        @Override
        int[] prompt() {
            int[] p = new int[16];
            for (int i = 0; i < p.length; i++) p[i] = 100 + 37 * i;
            return p;
        }

        @Override
        boolean checksStep() {
            return true;
        }

        @Override
        BenchResult measure(String device, Decoder d, double[] ref, int warmup, int iters) {
            int vocab = ref.length / 2;
            double[] afterPrompt = Arrays.copyOf(ref, vocab), afterStep = Arrays.copyOfRange(ref, vocab, 2 * vocab);
            float[] first = d.prefill(prompt());
            double err = Math.max(SsdReference.relativeError(first, afterPrompt),
                    SsdReference.relativeError(d.step(argmax(afterPrompt)), afterStep));
            int[] token = {Decoding.firstMax(first)};
            Timings t = Timings.measure(() -> {
                for (int i = 0; i < STEPS; i++) token[0] = Decoding.firstMax(d.step(token[0]));
            }, warmup, iters, () -> { }).perUnit(STEPS);
            return BenchResult.ok(device, d.deviceName(), name, BenchResult.NO_CHUNK, t, Double.NaN, 1e3 / t.median(), "tokens/s", Double.NaN, err,
                    d.precision()).withStep(d.lastStep());
        }
    }

    /**
     * Greedy decoding of a batch of {@code batch} prompts together (12 to 20 tokens, the first one
     * {@link Generate}'s prompt), each prefilled into its slot, then timed calls of STEPS batched
     * steps; tokens/s counted over all sequences. Checked by the first slot's logits after its
     * prompt and after one batched step (of the JVM's greedy token) against the JVM decoder's: the
     * prompts go through the device prefill, which leaves the step's kernels unchecked otherwise.
     */
    static final class BatchGenerate extends ModelWorkload {
        static final int STEPS = 32;
        final int batch;

        BatchGenerate(String name, ModelInit.Preset preset, WeightType weights, int batch) {
            super(name, "greedy decoding of a batch of " + batch + ", " + STEPS + " steps per call", preset, weights);
            this.batch = batch;
        }

        @Override
        int[] prompt() {
            return prompt(0);
        }

        /** Slot b's prompt: 16 tokens for slot 0 (as {@link Generate}'s), 12 to 20 for the others. */
        private int[] prompt(int b) {
            int[] p = new int[b == 0 ? 16 : 12 + b % 9];
            for (int i = 0; i < p.length; i++) p[i] = 100 + 37 * i + 11 * b;
            return p;
        }

        @Override
        boolean checksStep() {
            return true;
        }

        @Override
        BenchResult measure(String device, Mamba2Model m, Path deviceConfig, double[] ref, int warmup, int iters) {
            try (BatchDecoder d = Decoders.openBatch(m, device, deviceConfig, batch)) {
                return measure(device, d, ref, warmup, iters);
            }
        }

        /** Times the workload on an opened batch decoder of this workload's batch. */
        BenchResult measure(String device, BatchDecoder d, double[] ref, int warmup, int iters) {
            int vocab = ref.length / 2;
            double[] afterPrompt = Arrays.copyOf(ref, vocab), afterStep = Arrays.copyOfRange(ref, vocab, 2 * vocab);
            int[] tokens = new int[batch];
            boolean[] all = new boolean[batch];
            Arrays.fill(all, true);
            double err = Double.NaN;
            for (int b = 0; b < batch; b++) {
                float[] logits = d.prefill(b, prompt(b));
                if (b == 0) err = SsdReference.relativeError(logits, afterPrompt);
                tokens[b] = Decoding.firstMax(logits);
            }
            tokens[0] = argmax(afterPrompt); // the checked step: slot 0 takes the JVM's pick, as the reference did
            d.step(tokens, all);
            err = Math.max(err, SsdReference.relativeError(d.logits(0), afterStep));
            for (int b = 0; b < batch; b++) tokens[b] = d.argmax(b);
            Timings t = Timings.measure(() -> {
                for (int i = 0; i < STEPS; i++) {
                    d.step(tokens, all);
                    for (int b = 0; b < batch; b++) tokens[b] = d.argmax(b);
                }
            }, warmup, iters, () -> { }).perUnit(STEPS);
            return BenchResult.ok(device, d.deviceName(), name, BenchResult.NO_CHUNK, t, Double.NaN, batch * 1e3 / t.median(), "tokens/s",
                    Double.NaN, err, d.precision()).withStep(d.lastStep());
        }
    }
}
