package org.mamba2j.tornado.model;

import org.mamba2j.device.DeviceSpec;
import org.mamba2j.io.SafeTensors.DType;
import org.mamba2j.model.LayerWeights;
import org.mamba2j.model.Mamba2Model;
import org.mamba2j.model.MixerDims;
import org.mamba2j.model.MixerWeights;
import org.mamba2j.model.MixerWeights.StoredMatrix;
import org.mamba2j.tornado.DeviceConfig;
import org.mamba2j.tornado.Packed16;
import org.mamba2j.tornado.mma.MmaTiles;
import org.mamba2j.tornado.ssd.OffHeap;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.LongArray;
import uk.ac.manchester.tornado.api.types.arrays.TornadoNativeArray;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * A model's weights as the decode and prefill graphs read them, one device copy of each: the
 * {@link #WEIGHTS_GRAPH} graph uploads them all once and persists them, and every other graph of
 * the execution plan consumes them. The projections (in_proj | out_proj of every block, packed in
 * as few arrays as int indexing allows: "slabs"), the embedding and an untied lm_head stay in the
 * checkpoint's format ({@link WeightFormat}: FloatArray for F32, the raw 16-bit patterns four to a
 * long for F16/BF16 ({@link Packed16}), decoded in the kernels with float32 math); the small vectors (norms,
 * conv, dt bias, A, D, the final norm) are float32 in one array, {@link #small}, whose head is the
 * 16-bit decode table. A model has one 16-bit format on the device: a matrix stored in another
 * dtype than the first 16-bit one found is widened to float32, as are the projections unless all
 * share one 16-bit format ({@link #describe} says what went where), and all of them when a row of
 * in_proj or out_proj would not start on a long ({@link #packable}). How the kernels decode that
 * format is chosen here too, for the backend the plans run on ({@link Decode#of}), and goes to every
 * 16-bit kernel as its {@code decode} argument ({@link #decode}). {@link Storage} says what goes
 * otherwise: every matrix widened, or BF16 ones as F16.
 */
public final class DeviceWeights {

    /** How the device holds the checkpoint's matrices. */
    public enum Storage {
        /** In the checkpoint's format (one 16-bit format, as above). */
        AS_STORED,
        /** Every matrix as float32, whatever the checkpoint stores. */
        FLOAT32,
        /**
         * As stored, but BF16 patterns as the nearest F16 ones ({@link MmaTiles#halfOfBf16}: exact in
         * fp16's normal range), what the tensor-core GEMM's staging makes of them: precision fast with
         * {@link DeviceConfig#f16Weights}.
         */
        F16_FOR_BF16;

        /**
         * The storage a decoder at {@code config} uses on {@code backend}; {@code widen}: float32
         * whatever the config says. Float32 too where the backend cannot read 16-bit patterns.
         */
        public static Storage of(DeviceConfig config, boolean widen, DeviceSpec.Backend backend) {
            return widen || !reads16Bit(backend) ? FLOAT32 : config.f16Weights() ? F16_FOR_BF16 : AS_STORED;
        }

        /**
         * Whether kernels on {@code backend} can read 16-bit patterns: not on SPIR-V, whose TornadoVM
         * 5.2 backend emits every shift of a long (the four patterns a load reads) with a 32-bit
         * amount, a module the SPIR-V consumer rejects (docs/spirv.md).
         */
        public static boolean reads16Bit(DeviceSpec.Backend backend) {
            return backend != DeviceSpec.Backend.SPIRV;
        }
    }

    /** The most elements of one device array: kernels index with ints. */
    public static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;
    public static final String WEIGHTS_GRAPH = "weights";
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Where the weights come from: the small vectors of block l (projections not needed) and the stored matrices. */
    public interface Source {
        LayerWeights vectors(int layer);
        StoredMatrix inProj(int layer);
        StoredMatrix outProj(int layer);
        StoredMatrix embedding();
        /** null when tied to the embedding. */
        StoredMatrix lmHead();
        float[] normF();
    }

    private final PackedBlock layout;
    /** The 16-bit format on the device, and the stored one it holds (BF16 for F16 under {@link Storage#F16_FOR_BF16}). */
    private final WeightFormat half, stored16;
    private final Decode decode;
    private final FloatArray small;
    private final TornadoNativeArray[] slabs;
    private final int[] smallAt, slabOf, bigAt;
    private final int normF;
    private final TornadoNativeArray embedding, lmHead;

    /** Held as {@code storage} says; decoded as {@code backend} allows ({@link Decode#of}). */
    public static DeviceWeights of(Mamba2Model model, Storage storage, DeviceSpec.Backend backend) {
        return new DeviceWeights(MixerWeights.dims(model.config()), source(model), storage, f -> Decode.of(f, backend));
    }

    /** With the decode {@code decodeOf} gives for the 16-bit format (tests pick each). */
    static DeviceWeights of(Mamba2Model model, Storage storage, Function<WeightFormat, Decode> decodeOf) {
        return new DeviceWeights(MixerWeights.dims(model.config()), source(model), storage, decodeOf);
    }

    static Source source(Mamba2Model model) {
        return new Source() {
            public LayerWeights vectors(int l) { return MixerWeights.layerVectors(model, l); }
            public StoredMatrix inProj(int l) { return MixerWeights.inProj(model, l); }
            public StoredMatrix outProj(int l) { return MixerWeights.outProj(model, l); }
            public StoredMatrix embedding() { return MixerWeights.storedEmbedding(model); }
            public StoredMatrix lmHead() { return MixerWeights.storedLmHead(model); }
            public float[] normF() { return MixerWeights.finalNorm(model); }
        };
    }

    /** {@code decodeOf}: the decode of the 16-bit format (given F32 when there is none), one that reads it. */
    public DeviceWeights(MixerDims dims, Source src, Storage storage, Function<WeightFormat, Decode> decodeOf) {
        int n = dims.nLayer();
        this.layout = PackedBlock.of(dims);
        this.stored16 = storage == Storage.FLOAT32 || !packable(dims) ? WeightFormat.F32 : halfFormat(src, n);
        this.half = storage == Storage.F16_FOR_BF16 && stored16 == WeightFormat.BF16 ? WeightFormat.F16 : stored16;
        this.decode = decodeOf.apply(half);
        if (half.is16Bit() && !decode.reads(half)) throw new IllegalArgumentException(decode + " does not read " + half + " patterns");
        boolean halfProjections = half.is16Bit();
        for (int l = 0; l < n && halfProjections; l++) {
            halfProjections = WeightFormat.of(src.inProj(l).dtype()) == stored16 && WeightFormat.of(src.outProj(l).dtype()) == stored16;
        }
        // small: decode table | block 0 | ... | block n-1 | norm_f
        this.smallAt = new int[n];
        long at = WeightFormat.TABLE_SIZE;
        for (int l = 0; l < n; l++, at += layout.smallSize()) smallAt[l] = (int) at;
        if (at + dims.dModel() > MAX_ELEMENTS) throw new IllegalArgumentException("the small weights (" + at + " floats) do not fit one array");
        this.normF = (int) at;
        this.small = new FloatArray(normF + dims.dModel());
        if (half.is16Bit()) OffHeap.copy(half.table(), small, 0);
        for (int l = 0; l < n; l++) layout.packSmall(src.vectors(l), dims, small, smallAt[l]);
        OffHeap.copy(src.normF(), small, normF);
        // slabs: whole blocks of projections, a new slab where the next block would overflow int indexing
        this.slabOf = new int[n];
        this.bigAt = new int[n];
        List<Long> sizes = new ArrayList<>();
        long fill = MAX_ELEMENTS;
        for (int l = 0; l < n; l++) {
            if (fill + layout.bigSize() > MAX_ELEMENTS) { sizes.add(0L); fill = 0; }
            slabOf[l] = sizes.size() - 1;
            bigAt[l] = (int) fill;
            fill += layout.bigSize();
            sizes.set(sizes.size() - 1, fill);
        }
        WeightFormat slabFormat = halfProjections ? half : WeightFormat.F32;
        this.slabs = sizes.stream().map(s -> allocate(slabFormat, s)).toArray(TornadoNativeArray[]::new);
        for (int l = 0; l < n; l++) {
            put(src.inProj(l), slabs[slabOf[l]], bigAt[l] + layout.inProj());
            put(src.outProj(l), slabs[slabOf[l]], bigAt[l] + layout.outProj());
        }
        this.embedding = matrix(src.embedding());
        this.lmHead = src.lmHead() == null ? embedding : matrix(src.lmHead());
    }

    /** Matrix {@code m} (a FloatArray or a 16-bit LongArray) as a kernel's float32 weight argument, or {@code standIn} where it is 16-bit. */
    static FloatArray asFloat32(Object m, FloatArray standIn) {
        return m instanceof FloatArray f ? f : standIn;
    }

    /** Matrix {@code m} as a kernel's 16-bit weight argument, or {@code standIn} where it is float32. */
    static LongArray as16Bit(Object m, LongArray standIn) {
        return m instanceof LongArray h ? h : standIn;
    }

    /**
     * Whether 16-bit matrices can sit on the device: the decode's row kernels read a row four patterns
     * at a time, so every row (d_model or d_inner long, at offsets that are sums of whole matrices)
     * must start on a long. Every published Mamba-2 has d_model a multiple of 256.
     */
    static boolean packable(MixerDims dims) {
        return dims.dModel() % 4 == 0 && dims.dInner() % 4 == 0;
    }

    /** The first 16-bit format among the matrices (embedding first), F32 when all are float32. */
    private static WeightFormat halfFormat(Source src, int layers) {
        List<StoredMatrix> ms = new ArrayList<>();
        ms.add(src.embedding());
        if (src.lmHead() != null) ms.add(src.lmHead());
        for (int l = 0; l < layers; l++) { ms.add(src.inProj(l)); ms.add(src.outProj(l)); }
        return ms.stream().map(m -> WeightFormat.of(m.dtype())).filter(WeightFormat::is16Bit).findFirst().orElse(WeightFormat.F32);
    }

    private TornadoNativeArray matrix(StoredMatrix m) {
        WeightFormat f = WeightFormat.of(m.dtype()) == stored16 ? half : WeightFormat.F32;
        TornadoNativeArray a = allocate(f, m.elements());
        put(m, a, 0);
        return a;
    }

    private static TornadoNativeArray allocate(WeightFormat f, long elements) {
        if (elements > MAX_ELEMENTS) throw new IllegalArgumentException("a weight matrix of " + elements + " elements does not fit one device array");
        return f.is16Bit() ? Packed16.allocate(elements) : new FloatArray((int) elements);
    }

    /** m's elements into dst from element {@code at}: as stored when the formats agree, BF16 as F16 into an F16 array, else widened to float32. */
    private void put(StoredMatrix m, TornadoNativeArray dst, int at) {
        long n = m.elements();
        MemorySegment data = m.data();
        if (dst instanceof LongArray s && WeightFormat.of(m.dtype()) != half) {
            for (long i = 0; i < n; i++) Packed16.set(s, (int) (at + i), (short) MmaTiles.halfOfBf16(data.getAtIndex(LE_SHORT, i) & 0xFFFF));
        } else if (dst instanceof LongArray s) {
            Packed16.copy(data, n, s, at);
        } else if (m.dtype() == DType.F32) {
            MemorySegment.copy(data, 0, dst.getSegment(), (long) at * Float.BYTES, n * Float.BYTES);
        } else {
            WeightFormat f = WeightFormat.of(m.dtype());
            FloatArray d = (FloatArray) dst;
            for (long i = 0; i < n; i++) d.set((int) (at + i), f.toFloat(data.getAtIndex(LE_SHORT, i)));
        }
    }

    /** Every device array, each once: what the weights graph uploads and every other graph consumes. */
    public Object[] all() {
        List<Object> out = new ArrayList<>(Arrays.asList(slabs));
        out.add(0, small);
        out.add(embedding);
        if (lmHead != embedding) out.add(lmHead);
        return out.toArray();
    }

    /**
     * The graph that uploads every weight once (first execution) and persists it; a task per array
     * reads its first element into a probe array, as TornadoVM moves only what a task uses.
     */
    public TaskGraph upload() {
        Object[] all = all();
        FloatArray probe = new FloatArray(all.length);
        TaskGraph g = new TaskGraph(WEIGHTS_GRAPH).transferToDevice(DataTransferMode.FIRST_EXECUTION, all);
        for (int i = 0; i < all.length; i++) {
            if (all[i] instanceof LongArray s) g.task("first" + i, MixerKernels::first16, s, probe, i);
            else g.task("first" + i, MixerKernels::first, (FloatArray) all[i], probe, i);
        }
        return g.persistOnDevice(all);
    }

    /** How {@code a}, one of these arrays, holds its weights: F32, or the model's 16-bit format ({@link Packed16}). */
    public WeightFormat format(TornadoNativeArray a) {
        return a instanceof LongArray ? half : WeightFormat.F32;
    }

    /** How the kernels read the 16-bit arrays: their {@code decode} argument is {@code decode().arg()}. */
    public Decode decode() { return decode; }
    public PackedBlock layout() { return layout; }
    public FloatArray small() { return small; }
    /** Block l's small weights start here in {@link #small}. */
    public int smallAt(int layer) { return smallAt[layer]; }
    /** The array holding block l's projections. */
    public TornadoNativeArray slab(int layer) { return slabs[slabOf[layer]]; }
    /** Block l's projections start here in {@link #slab}. */
    public int bigAt(int layer) { return bigAt[layer]; }
    /** The final norm's offset in {@link #small}. */
    public int normF() { return normF; }
    public TornadoNativeArray embedding() { return embedding; }
    public TornadoNativeArray lmHead() { return lmHead; }

    /** Bytes of all device arrays. */
    public long bytes() {
        return Arrays.stream(all()).mapToLong(a -> ((TornadoNativeArray) a).getNumBytesOfSegment()).sum();
    }

    /**
     * Bytes of weights one decode step of {@code sequences} reads: every projection, the small
     * weights, the lm_head, and one embedding row per sequence where the embedding is not the lm_head.
     */
    public long bytesPerStep(int sequences, int dModel) {
        long read = Arrays.stream(slabs).mapToLong(TornadoNativeArray::getNumBytesOfSegment).sum() + small.getNumBytesOfSegment()
                + lmHead.getNumBytesOfSegment();
        return lmHead == embedding ? read : read + (long) sequences * dModel * (embedding instanceof LongArray ? Short.BYTES : Float.BYTES);
    }

    /**
     * E.g. "weights bf16 (native decode; projections bf16, embedding bf16), 312.4 MB": the decode of
     * the 16-bit format ({@link Decode#label}), and which matrices were widened.
     */
    public String describe() {
        return String.format("weights %s%s (%sprojections %s, embedding %s%s), %.1f MB", half.name().toLowerCase(),
                half == stored16 ? "" : " from " + stored16.name().toLowerCase(),
                half.is16Bit() ? decode.label() + "; " : "", name(slabs[0]), name(embedding),
                lmHead == embedding ? "" : ", lm_head " + name(lmHead), bytes() / 1e6);
    }

    private String name(TornadoNativeArray a) {
        return (a instanceof LongArray ? half.name() : "F32").toLowerCase();
    }
}
