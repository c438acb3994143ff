package org.mamba2j.tornado;

import org.mamba2j.device.DeviceSpec;
import org.mamba2j.device.Precision;
import org.mamba2j.ssd.SsdShape;
import org.mamba2j.tornado.model.BatchKernels;
import org.mamba2j.tornado.model.BatchStates;
import org.mamba2j.tornado.model.PrefillKernels;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Tuning values for one kind of device, read from a JSON file of {@code device-configs/}: which
 * kernel variant to run, local work sizes, tile sizes, the preferred chunk size. The kernels and
 * plans take every such number from here; none is written in code. Plain Java.
 *
 * <p>Files are found in {@code $mamba2.home/device-configs} (system property {@code mamba2.home}),
 * else {@code ./device-configs} or {@code ../device-configs} of the working directory, and as
 * resources {@code device-configs/*.json} of the tornado-kernels jar (a file in a directory wins
 * over the resource of the same name). A file is picked when one of its {@code match} substrings
 * occurs in the device name (case-insensitive) and none of its {@code exclude} substrings does;
 * among several, the highest {@code priority} wins. {@code generic.json} is the fallback. An optional
 * {@code backends} list (device-spec names: opencl, ptx, cuda, spirv) restricts a file to devices
 * of those TornadoVM backends: one device seen through two backends (PoCL through OpenCL and
 * SPIR-V) can get a file for each.
 * Optional {@code decodeBlocksPerGraph}: Mamba-2 blocks per decode task graph; 0 (the default) = as
 * many as TornadoVM's graph limits allow. {@code prefill}: how the model's prefill runs on the device.
 * Optional {@code decode}: how the token step runs ({@link Decode}). Optional {@code precision}
 * ("exact", the default, or "fast") and {@code fast}: the kernels that replace {@code kernels}' at
 * precision fast on some backends ({@link Fast}); {@link #at} applies them. Optional {@code batch}:
 * the batched decode step's split-k GEMMs and SSD step ({@link Batch}).
 */
public record DeviceConfig(String name, String source, List<String> match, List<String> exclude, Set<DeviceSpec.Backend> backends, int priority,
                           int chunkSize, Map<KernelKey, Kernel> kernels, int decodeBlocksPerGraph, Prefill prefill, Decode decode,
                           Precision precision, Fast fast, Batch batch) {

    /**
     * The kernels a file tunes, by their keys in its "kernels" section (and in "fast" and its "fewChunks"): the SSD's (cumsum,
     * chunkCB, chunkStates, statePassing, chunkScores, chunkOutput), the decode step's row kernels and the prefill's. Every
     * one is required but {@link #OUT_PROJ}, which launches as {@link #MAT_VEC} where the file leaves it out.
     */
    public enum KernelKey {
        CUMSUM("cumsum"), CHUNK_CB("chunkCB"), CHUNK_STATES("chunkStates"), STATE_PASSING("statePassing"), CHUNK_SCORES("chunkScores"),
        CHUNK_OUTPUT("chunkOutput"), STEP("step"), RMS_NORM("rmsNorm"), MAT_VEC("matVec"), GATED_NORM("gatedNorm"), GEMM("gemm"),
        BATCH_GEMM("batchGemm"), CONV("conv"), COPY("copy"), OUT_PROJ("outProj");

        private final String json;

        KernelKey(String json) {
            this.json = json;
        }

        /** The kernel a file's key names, or null. */
        static KernelKey named(String key) {
            for (KernelKey k : values()) {
                if (k.json.equals(key)) return k;
            }
            return null;
        }

        /** The key as files write it. */
        @Override
        public String toString() {
            return json;
        }
    }

    /**
     * Kernels a file may leave out, and the entry they then take: "outProj" (the decode's gated
     * out_proj, whose rows are d_inner long against d_model for in_proj and the lm_head) launches
     * as "matVec" unless the file tunes it apart.
     */
    public static final Map<KernelKey, KernelKey> OPTIONAL_KERNELS = Map.of(KernelKey.OUT_PROJ, KernelKey.MAT_VEC);

    /** The kernels every file's "kernels" names (all but the optional ones), which "fast" may replace. */
    public static final Set<KernelKey> REQUIRED_KERNELS = Collections.unmodifiableSet(EnumSet.complementOf(EnumSet.copyOf(OPTIONAL_KERNELS.keySet())));

    /** The kernels of the chunked SSD (what a fast section's "fewChunks" may replace). */
    public static final Set<KernelKey> SSD_KERNELS = keys(KernelKey.CUMSUM, KernelKey.CHUNK_CB, KernelKey.CHUNK_STATES, KernelKey.STATE_PASSING,
            KernelKey.CHUNK_SCORES, KernelKey.CHUNK_OUTPUT);

    /** Kernels that have KernelContext variants (tiled, blocked, blocked8) besides the loop-parallel one. */
    public static final Set<KernelKey> TILED_KERNELS = keys(KernelKey.CHUNK_STATES, KernelKey.CHUNK_OUTPUT);

    /**
     * Kernels that have a "blocked" variant: the tiled ones, chunkCB, the prefill's gemm (which have no "tiled" variant) and the
     * batched decode's batchGemm ("blocked": the norms folded into a blocked GEMM; "loop": norm tasks of their own and the gemm entry's GEMM).
     */
    public static final Set<KernelKey> BLOCKED_KERNELS = keys(KernelKey.CHUNK_CB, KernelKey.CHUNK_STATES, KernelKey.CHUNK_OUTPUT, KernelKey.GEMM,
            KernelKey.BATCH_GEMM);

    /**
     * The decode step's row kernels (the matrix-vector products and the SSD step): a power of two of
     * work items a row, from {@link WorkGroups#LANES} up to "local" / "minRows" ("local" a power
     * of two from LANES to 1024; "minRows" the entry's own, optional, else decode "minRows"), chosen so
     * that each reads about "tile" elements of the row (0: LANES work items a row; see
     * {@link WorkGroups#rowLanes}). A row kernel's own "minRows" sets how many work-groups its matrix
     * makes (rows / minRows at most), apart from the others' (the 2.7b out_proj has 2560 rows).
     */
    public static final Set<KernelKey> ROW_KERNELS = keys(KernelKey.MAT_VEC, KernelKey.OUT_PROJ, KernelKey.STEP);

    /** Kernels that have a "blocked8" variant: the SSD's three matrix products. */
    public static final Set<KernelKey> BLOCKED8_KERNELS = keys(KernelKey.CHUNK_CB, KernelKey.CHUNK_STATES, KernelKey.CHUNK_OUTPUT);

    /** Kernels that have a "blocked84" variant: the SSD's chunk states and chunk output. */
    public static final Set<KernelKey> BLOCKED84_KERNELS = keys(KernelKey.CHUNK_STATES, KernelKey.CHUNK_OUTPUT);

    /** Kernels that have a "scan" variant (a work-group per chunk and head, scanning in local memory): the cumsum. */
    public static final Set<KernelKey> SCAN_KERNELS = keys(KernelKey.CUMSUM);

    /** Kernels that have an "mma" variant (tensor cores, fp16 operands: precision fast only): the prefill's gemm, the SSD's chunk states and output. */
    public static final Set<KernelKey> MMA_KERNELS = keys(KernelKey.GEMM, KernelKey.CHUNK_STATES, KernelKey.CHUNK_OUTPUT);

    /**
     * Kernels that have a "fused" variant, carried out inside another kernel: the state passing, by a "blocked" or
     * "blocked84" chunkStates that walks the chunks of a (batch, head) in order (where the shape gives that grid at least the
     * entry's "minGroups" work-groups; else the loop kernel runs with the entry's "local").
     */
    public static final Set<KernelKey> FUSED_KERNELS = keys(KernelKey.STATE_PASSING);

    /** An unmodifiable set of kernels that iterates in the enum's order (the order error messages list them in). */
    private static Set<KernelKey> keys(KernelKey first, KernelKey... rest) {
        return Collections.unmodifiableSet(EnumSet.of(first, rest));
    }

    /** Output tile edge and work-group size of the "mma" variant: 64×64 outputs, four warps. */
    public static final int MMA_TILE = 64;
    public static final int MMA_LOCAL = 128;

    /** The files shipped as jar resources (a classpath folder cannot be listed portably). */
    static final List<String> SHIPPED = List.of("nvidia.json", "amd.json", "intel-gpu.json", "pocl-cpu.json", "pocl-spirv.json", "generic.json");

    /** Output tile edge of the "blocked", "blocked8" and "blocked84" variants (SsdBlockedKernels.TILE, SsdBlocked8Kernels.TILE, SsdBlocked84Kernels.TILE). */
    public static final int BLOCKED_TILE = 64;

    /** Work-group size of the "blocked" variant: 16×16 work items of 4×4 outputs (SsdBlockedKernels.THREADS²). */
    public static final int BLOCKED_LOCAL = 256;

    /** Work-group size of the "blocked8" variant: 8×8 work items of 8×8 outputs (SsdBlocked8Kernels.THREADS²). */
    public static final int BLOCKED8_LOCAL = 64;

    /** Work-group size of the "blocked84" variant: 16×8 work items of 8×4 outputs (SsdBlocked84Kernels.THREADS_X·THREADS_Y). */
    public static final int BLOCKED84_LOCAL = 128;

    /** Largest work-group of the "scan" variant (SsdKernels.SCAN_MAX_LOCAL). */
    public static final int SCAN_MAX_LOCAL = 1024;

    /**
     * A kernel's implementation, as a config names it ("variant"): {@link #LOOP} (a @Parallel loop, 1-D local size),
     * {@link #TILED} (KernelContext, tile × tile), {@link #BLOCKED} (KernelContext, register-blocked: 16×16 work items of
     * 4×4 outputs), {@link #BLOCKED8} (8×8 work items of 8×8 outputs), {@link #BLOCKED84} (16×8 work items of 8×4
     * outputs; the three with 64×64 output tiles), {@link #REDUCE} (KernelContext reducing in local memory: a
     * power-of-two group of at most 1024), {@link #SCAN} (KernelContext, a work-group of 1 to 1024 work items per
     * (batch, chunk, head) scanning in local memory; the cumsum only), {@link #MMA} (KernelContext on tensor cores:
     * four warps, a 64×64 output tile; only in {@link Fast}) or {@link #FUSED} (done inside another kernel: {@link #FUSED_KERNELS}).
     */
    public enum Variant {
        LOOP("loop", 0, 0, ""), TILED("tiled", 0, 0, ""), BLOCKED("blocked", BLOCKED_LOCAL, BLOCKED_TILE, "16x16 work items of 4x4 outputs"),
        BLOCKED8("blocked8", BLOCKED8_LOCAL, BLOCKED_TILE, "8x8 work items of 8x8 outputs"),
        BLOCKED84("blocked84", BLOCKED84_LOCAL, BLOCKED_TILE, "16x8 work items of 8x4 outputs"), REDUCE("reduce", 0, 0, ""),
        SCAN("scan", 0, 0, ""), MMA("mma", MMA_LOCAL, MMA_TILE, "four warps, 64x64 outputs"), FUSED("fused", 0, 0, "");

        private final String json;
        private final int fixedLocal;
        private final int fixedTile;
        private final String shape;

        Variant(String json, int fixedLocal, int fixedTile, String shape) {
            this.json = json;
            this.fixedLocal = fixedLocal;
            this.fixedTile = fixedTile;
            this.shape = shape;
        }

        /** The variant a config names; IllegalArgumentException with the names there are otherwise. */
        public static Variant parse(String name) {
            for (Variant v : values()) {
                if (v.json.equals(name)) return v;
            }
            List<String> names = new ArrayList<>();
            for (Variant v : values()) names.add("\"" + v.json + "\"");
            throw new IllegalArgumentException("kernel variant must be " + String.join(", ", names.subList(0, names.size() - 1))
                    + " or " + names.get(names.size() - 1) + ", got \"" + name + "\"");
        }

        /** Whether the kernel of this config key has this variant (any has "loop" and "reduce": those are checked where they launch). */
        public boolean runs(KernelKey kernel) {
            return this == LOOP || this == REDUCE || kernels().contains(kernel);
        }

        /** The kernels that have this variant, for the variants that not every kernel has (else every required kernel). */
        public Set<KernelKey> kernels() {
            return switch (this) {
                case TILED -> TILED_KERNELS;
                case BLOCKED -> BLOCKED_KERNELS;
                case BLOCKED8 -> BLOCKED8_KERNELS;
                case BLOCKED84 -> BLOCKED84_KERNELS;
                case SCAN -> SCAN_KERNELS;
                case MMA -> MMA_KERNELS;
                case FUSED -> FUSED_KERNELS;
                case LOOP, REDUCE -> REQUIRED_KERNELS;
            };
        }

        /** The work-group size of a variant with a fixed launch shape (64×64 output tiles), else 0. */
        public int fixedLocal() {
            return fixedLocal;
        }

        /** The output tile edge of a variant with a fixed launch shape, else 0. */
        public int fixedTile() {
            return fixedTile;
        }

        @Override
        public String toString() {
            return json;
        }
    }

    /**
     * One kernel's launch: its {@link Variant}, local size and tile (the register-blocked and tensor-core variants have
     * fixed ones, only checked here). {@code minRows}: a row kernel's own fewest rows a work-group ({@link #ROW_KERNELS};
     * 0: decode "minRows"). {@code minGroups}: a {@link Variant#FUSED} entry's fewest work-groups for the fused way (1 at least).
     */
    public record Kernel(Variant variant, int local, int tile, int minRows, int minGroups) {

        /** An entry without its own "minRows" (a row kernel then keeps decode "minRows"). */
        public Kernel(Variant variant, int local, int tile) {
            this(variant, local, tile, 0);
        }

        /** An entry without its own "minGroups" (1: a fused kernel fuses at every shape). */
        public Kernel(Variant variant, int local, int tile, int minRows) {
            this(variant, local, tile, minRows, 1);
        }

        public Kernel {
            if (minRows < 0) throw new IllegalArgumentException("\"minRows\" must be at least 1 (0: decode's), got " + minRows);
            if (minGroups < 1) throw new IllegalArgumentException("\"minGroups\" must be at least 1, got " + minGroups);
            if (variant == Variant.FUSED && local <= 0) {
                throw new IllegalArgumentException("a fused kernel needs \"local\" > 0 (its loop kernel's, where the shape gives fewer than \"minGroups\")");
            }
            int fixed = variant.fixedLocal();
            if (fixed > 0 && (tile != variant.fixedTile() || local != fixed)) {
                throw new IllegalArgumentException((variant == Variant.MMA ? "an " : "a ") + variant + " kernel has \"tile\" " + variant.fixedTile()
                        + " and \"local\" " + fixed + " (" + variant.shape + "), got tile " + tile + ", local " + local);
            }
            if (variant == Variant.REDUCE && (local <= 0 || local > 1024 || Integer.bitCount(local) != 1)) {
                throw new IllegalArgumentException("a reduce kernel needs \"local\" a power of two up to 1024, got " + local);
            }
            if (variant == Variant.SCAN && (local <= 0 || local > SCAN_MAX_LOCAL)) {
                throw new IllegalArgumentException("a scan kernel needs \"local\" from 1 to " + SCAN_MAX_LOCAL + ", got " + local);
            }
            if (variant == Variant.LOOP && local <= 0) throw new IllegalArgumentException("a loop kernel needs \"local\" > 0");
            if (variant == Variant.TILED && tile <= 0) throw new IllegalArgumentException("a tiled kernel needs \"tile\" > 0");
        }

        public boolean tiled() {
            return variant == Variant.TILED;
        }

        public boolean blocked() {
            return variant == Variant.BLOCKED;
        }

        public boolean blocked8() {
            return variant == Variant.BLOCKED8;
        }

        public boolean blocked84() {
            return variant == Variant.BLOCKED84;
        }

        public boolean scan() {
            return variant == Variant.SCAN;
        }

        /** On tensor cores ("mma"). */
        public boolean mma() {
            return variant == Variant.MMA;
        }

        public boolean fused() {
            return variant == Variant.FUSED;
        }
    }

    /**
     * The kernels of precision fast ({@code "fast"} in the file, optional): on devices of the listed
     * backends (TornadoVM's MMA runs on PTX and CUDA only) they replace the same keys of
     * {@code kernels}; elsewhere precision fast runs the exact kernels. {@code f16Weights}: BF16
     * weights go to the device as F16 at precision fast (converted once at upload, as the tensor-core
     * GEMM's staging would convert them at every use), so that the GEMM stages them as they are.
     * {@code batchStates} ("f32", "f16" or "bf16", float32 where absent): how the batched decode holds its SSM states at
     * precision fast on the CUDA backend ({@link BatchStates}; elsewhere they stay float32): a 16-bit format halves the
     * traffic of its SSD step. {@code fewChunks}: the SSD kernels for SSDs of few chunks ({@link FewChunks}).
     */
    public record Fast(Set<DeviceSpec.Backend> backends, Map<KernelKey, Kernel> kernels, boolean f16Weights, BatchStates batchStates,
                       FewChunks fewChunks) {

        public static final Fast NONE = new Fast(Set.of(), Map.of(), false, BatchStates.F32, FewChunks.NONE);

        public Fast {
            backends = Set.copyOf(backends);
            kernels = Map.copyOf(kernels);
        }

        /** {@code exact}'s kernels with these in place of the same keys: what runs at fast. */
        Map<KernelKey, Kernel> over(Map<KernelKey, Kernel> exact) {
            Map<KernelKey, Kernel> k = new LinkedHashMap<>(exact);
            k.putAll(kernels);
            return k;
        }

        /** Whether the fast kernels run on this backend. */
        public boolean runsOn(DeviceSpec.Backend backend) {
            return !kernels.isEmpty() && backend != null && backends.contains(backend);
        }

        static Fast parse(JsonNode f) {
            if (f.isMissingNode()) return NONE;
            if (!f.isObject()) throw new IllegalArgumentException("\"fast\" must be an object");
            Set<DeviceSpec.Backend> backends = parseBackends(f.path("backends"), "fast \"backends\"");
            Map<KernelKey, Kernel> kernels = new LinkedHashMap<>();
            JsonNode ks = required(f, "kernels");
            ks.fieldNames().forEachRemaining(name -> {
                KernelKey key = KernelKey.named(name);
                if (key == null || !REQUIRED_KERNELS.contains(key)) {
                    throw new IllegalArgumentException("fast \"kernels\" names an unknown kernel \"" + name + "\"");
                }
                kernels.put(key, kernel(key, ks.get(name)));
            });
            JsonNode states = f.path("batchStates");
            if (!states.isMissingNode() && !states.isTextual()) {
                throw new IllegalArgumentException("fast \"batchStates\" must be a string, got " + states);
            }
            BatchStates batchStates = states.isMissingNode() ? BatchStates.F32 : BatchStates.named(states.asText());
            return new Fast(backends, kernels, flag(f, "fast", "f16Weights"), batchStates, FewChunks.parse(f.path("fewChunks")));
        }

        Fast withoutFewChunks() {
            return new Fast(backends, kernels, f16Weights, batchStates, FewChunks.NONE);
        }
    }

    /**
     * The SSD kernels of precision fast for an SSD of few chunks ({@code "fewChunks"} in the fast section, optional): where
     * an SSD has at most {@code maxChunkHeads} (batch, chunk, head) blocks (a prefill's at its plan's capacity, the
     * prefill's maxTokens), these replace the fast section's SSD kernels ({@link #forSsd}). A grid of few blocks leaves
     * part of a large GPU idle with the kernels that are fastest on many: the blocked kernels' 256-item work-groups fill
     * it where blocked8's 64 and blocked84's 128 do not. Only {@link #SSD_KERNELS}.
     */
    public record FewChunks(int maxChunkHeads, Map<KernelKey, Kernel> kernels) {

        public static final FewChunks NONE = new FewChunks(0, Map.of());

        public FewChunks {
            kernels = Map.copyOf(kernels);
        }

        /** {@code fast}'s kernels with these in place of the same keys: what runs at fast on an SSD these cover. */
        Map<KernelKey, Kernel> over(Map<KernelKey, Kernel> fast) {
            Map<KernelKey, Kernel> k = new LinkedHashMap<>(fast);
            k.putAll(kernels);
            return k;
        }

        /** Whether an SSD of this shape takes these kernels. */
        public boolean covers(SsdShape s) {
            return !kernels.isEmpty() && (long) s.batch() * s.nchunks() * s.nheads() <= maxChunkHeads;
        }

        static FewChunks parse(JsonNode f) {
            if (f.isMissingNode()) return NONE;
            if (!f.isObject()) throw new IllegalArgumentException("fast \"fewChunks\" must be an object");
            JsonNode max = required(f, "maxChunkHeads");
            if (!(max.isInt() && max.asInt() >= 1)) {
                throw new IllegalArgumentException("fast fewChunks \"maxChunkHeads\" must be a whole number of at least 1, got " + max);
            }
            Map<KernelKey, Kernel> kernels = new LinkedHashMap<>();
            JsonNode ks = required(f, "kernels");
            ks.fieldNames().forEachRemaining(name -> {
                KernelKey key = KernelKey.named(name);
                if (key == null || !SSD_KERNELS.contains(key)) {
                    throw new IllegalArgumentException("fast fewChunks \"kernels\" are the SSD's " + SSD_KERNELS + ", got \"" + name + "\"");
                }
                kernels.put(key, kernel(key, ks.get(name)));
            });
            if (kernels.isEmpty()) throw new IllegalArgumentException("fast fewChunks \"kernels\" names none");
            return new FewChunks(max.asInt(), kernels);
        }
    }

    /**
     * This config at precision {@code requested} (null: the file's {@link #precision}) on a device of
     * {@code backend}: at fast, with the {@link Fast} kernels where they run on that backend, and
     * {@link #precision} then says what runs (exact where no fast kernel applies).
     */
    public DeviceConfig at(Precision requested, DeviceSpec.Backend backend) {
        Precision p = requested != null ? requested : precision;
        if (p != Precision.FAST || !fast.runsOn(backend)) {
            return precision == Precision.EXACT ? this : with(kernels, Precision.EXACT, name);
        }
        return with(fast.over(kernels), Precision.FAST, name + " [fast]");
    }

    /**
     * This config for an SSD of shape {@code s} (the standalone SSD's, a prefill plan's at its capacity): at precision fast
     * with the fast section's {@link FewChunks} kernels where they cover the shape, else as it is. The result holds no
     * few-chunk kernels any more, so it is its own answer for any shape.
     */
    public DeviceConfig forSsd(SsdShape s) {
        FewChunks few = fast.fewChunks();
        if (few.kernels().isEmpty()) return this;
        if (precision != Precision.FAST || !few.covers(s)) return withoutFewChunks(kernels, name);
        return withoutFewChunks(few.over(kernels), name + " [few chunks]");
    }

    private DeviceConfig withoutFewChunks(Map<KernelKey, Kernel> k, String newName) {
        return new DeviceConfig(newName, source, match, exclude, backends, priority, chunkSize, k, decodeBlocksPerGraph, prefill, decode, precision,
                fast.withoutFewChunks(), batch);
    }

    /** Whether BF16 weights go to the device as F16: at precision fast where the "fast" section asks ({@link Fast#f16Weights}). */
    public boolean f16Weights() {
        return precision == Precision.FAST && fast.f16Weights();
    }

    /**
     * How the batched decode holds its SSM states on a device of {@code backend}: at precision fast as the "fast" section
     * asks ({@link Fast#batchStates}), on the CUDA backend; float32 otherwise.
     */
    public BatchStates batchStates(DeviceSpec.Backend backend) {
        return precision == Precision.FAST && backend == DeviceSpec.Backend.CUDA ? fast.batchStates() : BatchStates.F32;
    }

    private DeviceConfig with(Map<KernelKey, Kernel> k, Precision p, String newName) {
        return new DeviceConfig(newName, source, match, exclude, backends, priority, chunkSize, k, decodeBlocksPerGraph, prefill, decode, p, fast,
                batch);
    }

    /**
     * The token step on the device ({@code "decode"} in the file, optional): {@code memoryBandwidthGBs}
     * is the peak the per-token report measures the weights read against (GB/s; NaN: not named);
     * {@code cudaGraph} replays
     * each decode task graph as one CUDA graph (TornadoExecutionPlan.withCUDAGraph) on the PTX and
     * CUDA backends; other backends ignore it (TornadoVM refuses it on OpenCL). {@code minRows}: the
     * fewest rows a row-kernel work-group computes when its rows get more than a warp of work items
     * (each work-group stages and normalizes the shared vector once; see RowLaunch).
     */
    public record Decode(boolean cudaGraph, double memoryBandwidthGBs, int minRows) {

        /** 8 rows a work-group: the 2.7b model's out_proj at 2 rows a work-group of 1024 took its token from 6.8 to 12.0 ms on the H200. */
        public static final int DEFAULT_MIN_ROWS = 8;
        public static final Decode DEFAULT = new Decode(false, Double.NaN, DEFAULT_MIN_ROWS);

        public Decode {
            if (minRows < 1) throw new IllegalArgumentException("decode \"minRows\" must be at least 1, got " + minRows);
        }

        /** Whether the decode graphs replay as CUDA graphs on this backend. */
        public boolean cudaGraphOn(DeviceSpec.Backend backend) {
            return cudaGraph && backend.capturesCudaGraphs();
        }

        static Decode parse(JsonNode d) {
            if (d.isMissingNode()) return DEFAULT;
            if (!d.isObject()) throw new IllegalArgumentException("\"decode\" must be an object");
            d.fieldNames().forEachRemaining(f -> {
                if (!f.equals("cudaGraph") && !f.equals("memoryBandwidthGBs") && !f.equals("minRows")) {
                    throw new IllegalArgumentException("\"decode\" has an unknown entry \"" + f + "\"");
                }
            });
            JsonNode bw = d.path("memoryBandwidthGBs");
            if (!bw.isMissingNode() && !(bw.isNumber() && bw.asDouble() > 0)) {
                throw new IllegalArgumentException("decode \"memoryBandwidthGBs\" must be a positive number, got " + bw);
            }
            return new Decode(flag(d, "decode", "cudaGraph"), bw.isMissingNode() ? Double.NaN : bw.asDouble(),
                    wholeNumber(d, "decode", "minRows", DEFAULT_MIN_ROWS));
        }
    }

    /**
     * The batched decode step with batchGemm "blocked" ({@code "batch"} in the file, optional; every
     * entry optional): {@code gemmGroups}, the work-groups a batch GEMM aims for: its k is split
     * (the grid's z) until its 64×64 output tiles times the splits reach it, at most {@code maxSplit}
     * splits (1: never split); {@code ssdLocal} (a power of two up to 1024) and {@code ssdLanes} (a
     * power of two up to ssdLocal): the SSD step's work-group and the work items per (slot, head,
     * channel) row (a warp on a GPU, so a row's state loads are coalesced); {@code argmaxLocal} (a
     * power of two up to 1024): the work-group of each row's greedy pick over the vocabulary.
     */
    public record Batch(int gemmGroups, int maxSplit, int ssdLocal, int ssdLanes, int argmaxLocal) {

        public static final Batch DEFAULT = new Batch(128, 8, 128, 32, 256);

        public Batch {
            if (gemmGroups < 1) throw new IllegalArgumentException("batch \"gemmGroups\" must be at least 1, got " + gemmGroups);
            if (maxSplit < 1) throw new IllegalArgumentException("batch \"maxSplit\" must be at least 1, got " + maxSplit);
            if (ssdLocal < 1 || ssdLocal > 1024 || Integer.bitCount(ssdLocal) != 1) {
                throw new IllegalArgumentException("batch \"ssdLocal\" must be a power of two up to 1024, got " + ssdLocal);
            }
            if (ssdLanes < 1 || ssdLanes > ssdLocal || Integer.bitCount(ssdLanes) != 1) {
                throw new IllegalArgumentException("batch \"ssdLanes\" must be a power of two up to ssdLocal, got " + ssdLanes);
            }
            if (argmaxLocal < 1 || argmaxLocal > 1024 || Integer.bitCount(argmaxLocal) != 1) {
                throw new IllegalArgumentException("batch \"argmaxLocal\" must be a power of two up to 1024, got " + argmaxLocal);
            }
        }

        /**
         * The k of one split of a product of k (in {@code groups} norm groups, no split across two)
         * whose output has {@code tiles} 64×64 tiles: the fewest splits that reach gemmGroups
         * work-groups, at most maxSplit; a multiple of 16 (the GEMM's k-slice) with one group, else a
         * divisor of k / groups (the group's whole k when none fits).
         */
        public int splitLength(int k, int groups, int tiles) {
            int want = Math.max(1, Math.min(maxSplit, (gemmGroups + tiles - 1) / tiles));
            if (groups <= 1) {
                int len = Math.min(k, Grids.roundUp((k + want - 1) / want, 16));
                return Math.max(len, 1);
            }
            int gk = k / groups;
            int perGroup = Math.max(1, want / groups);
            for (int d = (gk + perGroup - 1) / perGroup; d < gk; d++) {
                if (gk % d == 0) return d;
            }
            return gk;
        }

        static Batch parse(JsonNode b) {
            if (b.isMissingNode()) return DEFAULT;
            if (!b.isObject()) throw new IllegalArgumentException("\"batch\" must be an object");
            b.fieldNames().forEachRemaining(f -> {
                if (!List.of("gemmGroups", "maxSplit", "ssdLocal", "ssdLanes", "argmaxLocal").contains(f)) {
                    throw new IllegalArgumentException("\"batch\" has an unknown entry \"" + f + "\"");
                }
                if (!b.get(f).isInt()) throw new IllegalArgumentException("batch \"" + f + "\" must be an integer, got " + b.get(f));
            });
            return new Batch(b.path("gemmGroups").asInt(DEFAULT.gemmGroups), b.path("maxSplit").asInt(DEFAULT.maxSplit),
                    b.path("ssdLocal").asInt(DEFAULT.ssdLocal), b.path("ssdLanes").asInt(DEFAULT.ssdLanes),
                    b.path("argmaxLocal").asInt(DEFAULT.argmaxLocal));
        }
    }

    /**
     * The model's prefill on the device ({@code "prefill"} in the file): a pass holds at most
     * {@code maxTokens} positions (rounded down to a multiple of the chunk size; device memory for
     * the activations grows with it, longer prompts continue in passes of that size); prompts
     * shorter than {@code minTokens} go token by token through the decode step instead;
     * {@code blocksPerGraph} caps the Mamba-2 blocks per prefill task graph (0: as many as TornadoVM's
     * graph limits allow); {@code cudaGraph}: a second set of the prefill graphs replays as CUDA graphs
     * the pass length that repeats (PTX and CUDA; elsewhere the set runs as plain graphs), for models
     * whose prefill buffers take at most {@code cudaGraphMaxMB} of device memory (the set doubles them;
     * absent: any model).
     */
    public record Prefill(int maxTokens, int minTokens, int blocksPerGraph, Set<DeviceSpec.Backend> skipBackends, boolean cudaGraph,
                          int cudaGraphMaxMB) {
        public Prefill {
            if (maxTokens <= 0) throw new IllegalArgumentException("prefill \"maxTokens\" must be positive, got " + maxTokens);
            if (minTokens < 1) throw new IllegalArgumentException("prefill \"minTokens\" must be at least 1, got " + minTokens);
            if (blocksPerGraph < 0) throw new IllegalArgumentException("prefill \"blocksPerGraph\" must be 0 or positive, got " + blocksPerGraph);
            if (cudaGraphMaxMB <= 0) throw new IllegalArgumentException("prefill \"cudaGraphMaxMB\" must be positive, got " + cudaGraphMaxMB);
            skipBackends = Set.copyOf(skipBackends);
        }

        public Prefill(int maxTokens, int minTokens, int blocksPerGraph) {
            this(maxTokens, minTokens, blocksPerGraph, Set.of(), false, Integer.MAX_VALUE);
        }

        public Prefill(int maxTokens, int minTokens, int blocksPerGraph, Set<DeviceSpec.Backend> skipBackends) {
            this(maxTokens, minTokens, blocksPerGraph, skipBackends, false, Integer.MAX_VALUE);
        }

        /** This prefill with the replay set on (for any model) or off. */
        public Prefill withCudaGraph(boolean on) {
            return new Prefill(maxTokens, minTokens, blocksPerGraph, skipBackends, on, Integer.MAX_VALUE);
        }

        /** Whether a model whose prefill buffers take {@code bytes} gets the replay set. */
        public boolean replays(long bytes) {
            return cudaGraph && bytes <= cudaGraphMaxMB * 1_000_000L;
        }

        /** Whether the replay set's graphs are captured as CUDA graphs on this backend. */
        public boolean cudaGraphOn(DeviceSpec.Backend backend) {
            return cudaGraph && backend.capturesCudaGraphs();
        }

        /** Whether the device prefill runs on this backend (else prompts go token by token through the decode step). */
        public boolean runsOn(DeviceSpec.Backend backend) {
            return !skipBackends.contains(backend);
        }
    }

    /** The launch of kernel {@code key}. */
    public Kernel kernel(KernelKey key) {
        Kernel k = kernels.get(key);
        if (k == null) throw new IllegalStateException("device config " + source + " has no entry for kernel \"" + key + "\"");
        return k;
    }

    /** The chunk size to use for a call whose shape asks for {@code requested}: the preferred one, or the request when 0. */
    public int chunkSizeFor(int requested) {
        return chunkSize > 0 ? chunkSize : requested;
    }

    /**
     * This config with every kernel that has a {@code variant} version forced to it (for checks that
     * exercise each variant): "tiled" switches chunkStates and chunkOutput, "loop" and "blocked" also
     * chunkCB, gemm and batchGemm, "blocked8" chunkCB, chunkStates and chunkOutput, "blocked84" chunkStates and chunkOutput
     * (chunkCB then "blocked"), "fused" as "blocked84" with the state passing fused into the chunk states at every shape
     * (minGroups 1); a "fused" state passing stays where the forced chunk states carry it ("blocked", "blocked84", "scan")
     * and is the loop kernel elsewhere. The cumsum goes along: "loop"
     * forces its loop version, the KernelContext variants ("tiled", "blocked", "blocked8", "blocked84") its "scan"
     * one; "scan" switches the cumsum alone. Either keeps the cumsum's local size (capped at
     * {@link #SCAN_MAX_LOCAL} for the scan). "mma" switches the SSD's chunk states and output to their tensor-core kernels
     * (a fused state passing stays fused, in the tensor-core chunk states), on a config at precision fast only; "fused"
     * after it fuses the state passing into those at every shape.
     */
    public DeviceConfig withVariant(Variant variant) {
        if (!fast.fewChunks().kernels().isEmpty()) return withoutFewChunks(kernels, name).withVariant(variant); // forced at every shape
        if (variant == Variant.REDUCE) {
            throw new IllegalArgumentException("no kernels are forced to \"" + variant + "\": force loop, tiled, blocked, blocked8, blocked84, fused, scan or mma");
        }
        if (variant == Variant.MMA) {
            if (precision != Precision.FAST) {
                throw new IllegalArgumentException("the tensor-core SSD kernels run at precision fast: " + name + " is at " + precision);
            }
            Map<KernelKey, Kernel> k = new LinkedHashMap<>(kernels);
            for (KernelKey ssd : List.of(KernelKey.CHUNK_STATES, KernelKey.CHUNK_OUTPUT)) k.put(ssd, new Kernel(Variant.MMA, MMA_LOCAL, MMA_TILE));
            return with(k, precision, name + " [mma]");
        }
        if (variant == Variant.FUSED) {
            // tensor-core chunk states carry it as they are; others become blocked84
            DeviceConfig carrier = kernel(KernelKey.CHUNK_STATES).variant() == Variant.MMA ? this : withVariant(Variant.BLOCKED84);
            Map<KernelKey, Kernel> k = new LinkedHashMap<>(carrier.kernels);
            k.put(KernelKey.STATE_PASSING, new Kernel(Variant.FUSED, kernel(KernelKey.STATE_PASSING).local(), 0, 0, 1));
            return with(k, precision, name + " [" + variant + "]");
        }
        Map<KernelKey, Kernel> k = new LinkedHashMap<>(kernels);
        Kernel passing = kernel(KernelKey.STATE_PASSING);
        if (passing.fused() && variant != Variant.BLOCKED && variant != Variant.BLOCKED84 && variant != Variant.SCAN) {
            k.put(KernelKey.STATE_PASSING, new Kernel(Variant.LOOP, passing.local(), 0));
        }
        int cumsumLocal = kernel(KernelKey.CUMSUM).local();
        k.put(KernelKey.CUMSUM, variant == Variant.LOOP ? new Kernel(Variant.LOOP, cumsumLocal, 0) : new Kernel(Variant.SCAN, Math.min(cumsumLocal, SCAN_MAX_LOCAL), 0));
        if (variant == Variant.SCAN) {
            return with(k, precision, name + " [scan]");
        }
        if (variant == Variant.BLOCKED84) {
            k.put(KernelKey.CHUNK_CB, new Kernel(Variant.BLOCKED, BLOCKED_LOCAL, BLOCKED_TILE));
        }
        for (KernelKey key : variant == Variant.LOOP ? BLOCKED_KERNELS : variant.kernels()) {
            Kernel old = kernel(key);
            int local = old.local() > 0 ? old.local() : old.tile() * old.tile();
            // a blocked kernel's tile counts outputs, not work items: the tiled variant takes the work-group edge instead
            // (a square one: blocked84's 16 × 8 group is taken as blocked's 16 × 16)
            boolean anyBlocked = old.blocked() || old.blocked8() || old.blocked84();
            int tile = old.tile() > 0 && !anyBlocked ? old.tile() : (int) Math.round(Math.sqrt(old.blocked84() ? BLOCKED_LOCAL : old.local()));
            if (variant.fixedLocal() > 0) {
                tile = variant.fixedTile();
                local = variant.fixedLocal();
            }
            k.put(key, new Kernel(variant, local, tile));
        }
        return with(k, precision, name + " [" + variant + "]");
    }

    /** This config with another chunk size and prefill (for checks that force short passes). */
    public DeviceConfig withPrefill(int chunk, Prefill p) {
        return new DeviceConfig(name + " [chunk " + chunk + ", prefill " + p.maxTokens() + "]", source, match, exclude, backends, priority,
                chunk, kernels, decodeBlocksPerGraph, p, decode, precision, fast, batch);
    }

    public boolean matches(String deviceName) {
        return matches(deviceName, null);
    }

    /**
     * Whether this file applies to a device of this name on this backend (null: the backend is not
     * known, and only files without a {@code backends} list apply).
     */
    public boolean matches(String deviceName, DeviceSpec.Backend backend) {
        if (!backends.isEmpty() && (backend == null || !backends.contains(backend))) {
            return false;
        }
        String d = deviceName.toLowerCase(Locale.ROOT);
        return match.stream().anyMatch(m -> d.contains(m.toLowerCase(Locale.ROOT)))
                && exclude.stream().noneMatch(m -> d.contains(m.toLowerCase(Locale.ROOT)));
    }

    // ---- loading ----

    public static DeviceConfig load(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return parse(in, file.toString());
        } catch (NoSuchFileException e) {
            throw new UncheckedIOException("no device config " + file + " (no such file)", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read device config " + file + ": " + e.getMessage(), e);
        }
    }

    static DeviceConfig parse(InputStream in, String source) throws IOException {
        JsonNode j = new ObjectMapper().readTree(in);
        try {
            Map<KernelKey, Kernel> kernels = new LinkedHashMap<>();
            JsonNode ks = required(j, "kernels");
            for (KernelKey key : REQUIRED_KERNELS) {
                Kernel k = kernel(key, required(ks, key.toString()));
                if (k.mma()) throw new IllegalArgumentException("kernel " + key + ": the \"" + k.variant() + "\" variant belongs in \"fast\" (precision fast)");
                kernels.put(key, k);
            }
            for (Map.Entry<KernelKey, KernelKey> o : OPTIONAL_KERNELS.entrySet()) {
                JsonNode k = ks.get(o.getKey().toString());
                kernels.put(o.getKey(), k == null || k.isNull() ? kernels.get(o.getValue()) : kernel(o.getKey(), k));
            }
            JsonNode p = required(j, "prefill");
            Prefill prefill = new Prefill(required(p, "maxTokens").asInt(), required(p, "minTokens").asInt(), p.path("blocksPerGraph").asInt(0),
                    parseBackends(p.path("skipBackends"), "prefill \"skipBackends\""), flag(p, "prefill", "cudaGraph"),
                    wholeNumber(p, "prefill", "cudaGraphMaxMB", Integer.MAX_VALUE));
            Set<DeviceSpec.Backend> backends = parseBackends(j.path("backends"), "\"backends\"");
            Fast fast = Fast.parse(j.path("fast"));
            fusedPassingIsCarried(kernels, "");
            Map<KernelKey, Kernel> atFast = fast.over(kernels);
            fusedPassingIsCarried(atFast, "at precision fast, ");
            fusedPassingIsCarried(fast.fewChunks().over(atFast), "at precision fast on few chunks, ");
            Batch batch = Batch.parse(j.path("batch"));
            if (fast.batchStates() == BatchStates.BF16 && batch.ssdLocal() > BatchKernels.MAX_BF16_STEP_LOCAL) {
                throw new IllegalArgumentException("batch \"ssdLocal\" must be at most " + BatchKernels.MAX_BF16_STEP_LOCAL
                        + " where fast \"batchStates\" is \"bf16\" (a larger work-group of that step does not launch), got " + batch.ssdLocal());
            }
            return new DeviceConfig(required(j, "name").asText(), source, strings(j.path("match")), strings(j.path("exclude")), backends,
                    j.path("priority").asInt(0), j.path("chunkSize").asInt(0), kernels, j.path("decodeBlocksPerGraph").asInt(0), prefill,
                    Decode.parse(j.path("decode")), Precision.parse(j.path("precision").asText("exact")), fast, batch);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("device config " + source + ": " + e.getMessage(), e);
        }
    }

    /** A "fused" state passing needs the chunk states that carry it: a "blocked", "blocked84" or "mma" chunkStates. */
    private static void fusedPassingIsCarried(Map<KernelKey, Kernel> k, String where) {
        Kernel states = k.get(KernelKey.CHUNK_STATES);
        if (k.get(KernelKey.STATE_PASSING).fused() && !states.blocked() && !states.blocked84() && states.variant() != Variant.MMA) {
            throw new IllegalArgumentException(where + "kernel statePassing: \"fused\" is carried by a \"blocked\", \"blocked84\" or \"mma\" chunkStates, got \""
                    + states.variant() + "\"");
        }
    }

    /** The optional whole number {@code field} (at least 1) of kernel {@code key}'s entry, which only {@code kinds} may have; {@code absent} where absent. */
    private static int positiveOnly(JsonNode k, String field, KernelKey key, Set<KernelKey> kinds, String what, int absent) {
        JsonNode v = k.path(field);
        if (v.isMissingNode()) return absent;
        if (!kinds.contains(key)) throw new IllegalArgumentException("\"" + field + "\" is for the " + what + " " + kinds + " only");
        if (!(v.canConvertToInt() && v.isIntegralNumber() && v.asInt() >= 1)) {
            throw new IllegalArgumentException("\"" + field + "\" must be a whole number of at least 1, got " + v);
        }
        return v.asInt();
    }

    /** One kernel entry; a variant the kernel does not have would otherwise run silently as its loop version. */
    private static Kernel kernel(KernelKey key, JsonNode k) {
        Kernel kernel;
        try {
            int rows = positiveOnly(k, "minRows", key, ROW_KERNELS, "row kernels", 0);
            int groups = positiveOnly(k, "minGroups", key, FUSED_KERNELS, "fused kernels", 1);
            kernel = new Kernel(Variant.parse(k.path("variant").asText("loop")), k.path("local").asInt(0), k.path("tile").asInt(0), rows, groups);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("kernel " + key + ": " + e.getMessage(), e);
        }
        if (!kernel.variant().runs(key)) {
            throw new IllegalArgumentException("kernel " + key + " has no \"" + kernel.variant() + "\" variant");
        }
        if (ROW_KERNELS.contains(key) && (kernel.local() < WorkGroups.LANES || kernel.local() > 1024 || Integer.bitCount(kernel.local()) != 1)) {
            throw new IllegalArgumentException("kernel " + key + " computes rows of at least " + WorkGroups.LANES + " work items: \"local\" must be a power of two from "
                    + WorkGroups.LANES + " to 1024, got " + kernel.local());
        }
        if (key == KernelKey.CONV && (kernel.tile() < 0 || kernel.tile() > 1 && kernel.tile() != PrefillKernels.CONV_ROWS)) {
            throw new IllegalArgumentException("kernel conv: \"tile\" (rows of the prefill's conv a work item) must be 1 or "
                    + PrefillKernels.CONV_ROWS + ", got " + kernel.tile());
        }
        if (ROW_KERNELS.contains(key) && kernel.tile() < 0) {
            throw new IllegalArgumentException("kernel " + key + ": \"tile\" (elements a work item reads of a row; 0 = " + WorkGroups.LANES
                    + " work items a row) must be 0 or more, got " + kernel.tile());
        }
        return kernel;
    }

    /** The backends a list of device-spec names (opencl, ptx, cuda, spirv; any case) names; {@code what} names the list in the refusal of an unknown one. */
    private static Set<DeviceSpec.Backend> parseBackends(JsonNode names, String what) {
        Set<DeviceSpec.Backend> out = EnumSet.noneOf(DeviceSpec.Backend.class);
        for (String b : strings(names)) {
            DeviceSpec.Backend backend = DeviceSpec.Backend.named(b);
            if (backend == null) throw new IllegalArgumentException(what + " names an unknown backend \"" + b + "\"");
            out.add(backend);
        }
        return Collections.unmodifiableSet(out);
    }

    private static JsonNode required(JsonNode j, String field) {
        JsonNode v = j.get(field);
        if (v == null || v.isNull()) throw new IllegalArgumentException("missing \"" + field + "\"");
        return v;
    }

    /** The optional true or false {@code field} of {@code section} (false where absent); any other value is refused. */
    private static boolean flag(JsonNode section, String sectionName, String field) {
        JsonNode v = section.path(field);
        if (!v.isMissingNode() && !v.isBoolean()) {
            throw new IllegalArgumentException(sectionName + " \"" + field + "\" must be true or false, got " + v);
        }
        return v.asBoolean(false);
    }

    /** The optional whole-number {@code field} of {@code section} ({@code absent} where absent); any other value is refused. */
    private static int wholeNumber(JsonNode section, String sectionName, String field, int absent) {
        JsonNode v = section.path(field);
        if (!v.isMissingNode() && !v.isInt()) {
            throw new IllegalArgumentException(sectionName + " \"" + field + "\" must be a whole number, got " + v);
        }
        return v.asInt(absent);
    }

    private static List<String> strings(JsonNode arr) {
        List<String> out = new ArrayList<>();
        arr.forEach(n -> out.add(n.asText()));
        return out;
    }

    /** The first existing device-configs directory, or null. */
    public static Path configDir() {
        List<Path> candidates = new ArrayList<>();
        String home = System.getProperty("mamba2.home");
        if (home != null) candidates.add(Path.of(home, "device-configs"));
        candidates.add(Path.of("device-configs"));
        candidates.add(Path.of("..", "device-configs"));
        return candidates.stream().filter(Files::isDirectory).findFirst().orElse(null);
    }

    /** Every config found: files of {@link #configDir()}, then shipped resources not shadowed by a file. */
    public static List<DeviceConfig> all() {
        Map<String, DeviceConfig> byFile = new LinkedHashMap<>();
        Path dir = configDir();
        if (dir != null) {
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                    byFile.put(f.getFileName().toString(), load(f));
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
            }
        }
        for (String name : SHIPPED) {
            if (byFile.containsKey(name)) continue;
            try (InputStream in = DeviceConfig.class.getResourceAsStream("/device-configs/" + name)) {
                if (in != null) byFile.put(name, parse(in, "classpath:device-configs/" + name));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read resource device-configs/" + name + ": " + e.getMessage(), e);
            }
        }
        return List.copyOf(byFile.values());
    }

    /** The config for a device named by {@code spec}, at the spec's precision ({@link #at}). */
    public static DeviceConfig forSpec(String deviceName, DeviceSpec spec, Path override) {
        return forDevice(deviceName, spec.backend(), override).at(spec.precision(), spec.backend());
    }

    /** {@link #forDevice(String, DeviceSpec.Backend, Path)} for a device of no known backend. */
    public static DeviceConfig forDevice(String deviceName, Path override) {
        return forDevice(deviceName, null, override);
    }

    /**
     * The config for a device: {@code override} when given (the CLI's --device-config FILE), else
     * the best match of {@link #all()} by the device's reported name and its backend, else generic.json.
     */
    public static DeviceConfig forDevice(String deviceName, DeviceSpec.Backend backend, Path override) {
        if (override != null) return load(override);
        List<DeviceConfig> all = all();
        return all.stream().filter(c -> c.matches(deviceName, backend))
                .max(Comparator.comparingInt(DeviceConfig::priority))
                .or(() -> all.stream().filter(c -> c.source().endsWith("generic.json")).findFirst())
                .orElseThrow(() -> new IllegalStateException("no device config matches device '" + deviceName
                        + "' and no generic.json was found; pass --device-config FILE"));
    }
}
