package org.mamba2j.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A memory-mapped safetensors file: 8-byte little-endian header length, a JSON header naming each
 * tensor's dtype, shape and byte range, then the raw data. Tensors are read straight from the
 * mapping; nothing is copied until a caller asks for floats.
 */
public final class SafeTensors implements AutoCloseable {

    public enum DType {
        F64(8), F32(4), F16(2), BF16(2), I64(8), I32(4), U8(1), I8(1), BOOL(1);
        public final int bytes;
        DType(int bytes) { this.bytes = bytes; }
    }

    /** One tensor: a view of the mapping. */
    public record Tensor(String name, DType dtype, long[] shape, MemorySegment data) {

        public long numel() {
            long n = 1;
            for (long d : shape) n *= d;
            return n;
        }

        /** The values widened to float32 (F64 and integers are converted). */
        public float[] toFloats() {
            long n = numel();
            if (n > Integer.MAX_VALUE - 8) throw new IllegalStateException(name + " is too large for one float[]");
            float[] out = new float[(int) n];
            copyFloats(0, out, 0, out.length);
            return out;
        }

        /** Copies {@code count} elements starting at element {@code from} into {@code dst} as float32. */
        public void copyFloats(long from, float[] dst, int dstOffset, int count) {
            for (int i = 0; i < count; i++) dst[dstOffset + i] = getFloat(from + i);
        }

        public float getFloat(long i) {
            return switch (dtype) {
                case F32 -> data.getAtIndex(LE_FLOAT, i);
                case F64 -> (float) data.getAtIndex(LE_DOUBLE, i);
                case F16 -> Float.float16ToFloat(data.getAtIndex(LE_SHORT, i));
                case BF16 -> Float.intBitsToFloat((data.getAtIndex(LE_SHORT, i) & 0xffff) << 16);
                case I64 -> data.getAtIndex(LE_LONG, i);
                case I32 -> data.getAtIndex(LE_INT, i);
                case U8, BOOL -> data.get(ValueLayout.JAVA_BYTE, i) & 0xff;
                case I8 -> data.get(ValueLayout.JAVA_BYTE, i);
            };
        }

        public double[] toDoubles() {
            double[] out = new double[Math.toIntExact(numel())];
            for (int i = 0; i < out.length; i++) out[i] = dtype == DType.F64 ? data.getAtIndex(LE_DOUBLE, i) : getFloat(i);
            return out;
        }

        public long[] toLongs() {
            long[] out = new long[Math.toIntExact(numel())];
            for (int i = 0; i < out.length; i++) {
                out[i] = switch (dtype) {
                    case I64 -> data.getAtIndex(LE_LONG, i);
                    case I32 -> data.getAtIndex(LE_INT, i);
                    default -> (long) getFloat(i);
                };
            }
            return out;
        }
    }

    static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfDouble LE_DOUBLE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong LE_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final long MAX_HEADER = 100L << 20;

    private final Path path;
    private final Arena arena;
    private final Map<String, Tensor> tensors;
    private final Map<String, String> metadata;

    private SafeTensors(Path path, Arena arena, Map<String, Tensor> tensors, Map<String, String> metadata) {
        this.path = path;
        this.arena = arena;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    public static SafeTensors open(Path path) throws IOException {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) throw new MalformedFileException(path, "not a safetensors file: " + size + " bytes, shorter than its 8-byte header length");
            MemorySegment file = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            long headerLen = file.get(LE_LONG, 0);
            if (headerLen <= 0 || headerLen > MAX_HEADER || 8 + headerLen > size) {
                throw new MalformedFileException(path, "safetensors header length " + headerLen + " does not fit a file of " + size + " bytes");
            }
            byte[] header = file.asSlice(8, headerLen).toArray(ValueLayout.JAVA_BYTE);
            JsonNode root;
            try {
                root = new ObjectMapper().readTree(header);
            } catch (IOException e) {
                throw new MalformedFileException(path, "safetensors header is not valid JSON (" + firstLine(e.getMessage()) + ")");
            }
            if (root == null || !root.isObject()) throw new MalformedFileException(path, "safetensors header is not a JSON object");
            MemorySegment data = file.asSlice(8 + headerLen);
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            Map<String, String> metadata = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().equals("__metadata__")) {
                    e.getValue().fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
                    continue;
                }
                tensors.put(e.getKey(), parseEntry(path, e.getKey(), e.getValue(), data));
            }
            return new SafeTensors(path, arena, Collections.unmodifiableMap(tensors), metadata);
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static Tensor parseEntry(Path path, String name, JsonNode n, MemorySegment data) throws MalformedFileException {
        String where = "tensor '" + name + "'";
        if (!n.isObject()) throw new MalformedFileException(path, where + " is not a JSON object");
        DType dtype;
        try {
            dtype = DType.valueOf(n.path("dtype").asText(""));
        } catch (IllegalArgumentException e) {
            throw new MalformedFileException(path, where + " has unsupported dtype '" + n.path("dtype").asText("") + "'");
        }
        JsonNode shapeNode = n.get("shape"), offsets = n.get("data_offsets");
        if (shapeNode == null || !shapeNode.isArray()) throw new MalformedFileException(path, where + " has no shape array");
        if (offsets == null || !offsets.isArray() || offsets.size() != 2) throw new MalformedFileException(path, where + " needs data_offsets [begin, end]");
        long[] shape = new long[shapeNode.size()];
        long numel = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.canConvertToLong() || !d.isIntegralNumber() || d.asLong() < 0) throw new MalformedFileException(path, where + " has a bad dimension " + d);
            shape[i] = d.asLong();
            numel = Math.multiplyHigh(numel, shape[i]) != 0 ? -1 : numel * shape[i];
            if (numel < 0) throw new MalformedFileException(path, where + " has an impossibly large shape");
        }
        if (!offsets.get(0).isIntegralNumber() || !offsets.get(1).isIntegralNumber()) throw new MalformedFileException(path, where + " has non-integer data_offsets");
        long begin = offsets.get(0).asLong(), end = offsets.get(1).asLong();
        if (begin < 0 || end < begin || end > data.byteSize()) {
            throw new MalformedFileException(path, where + " data_offsets [" + begin + ", " + end + "] lie outside the " + data.byteSize() + " data bytes (truncated file?)");
        }
        if (end - begin != numel * dtype.bytes) {
            throw new MalformedFileException(path, where + " holds " + (end - begin) + " bytes but its shape and dtype need " + numel * dtype.bytes);
        }
        return new Tensor(name, dtype, shape, data.asSlice(begin, end - begin));
    }

    private static String firstLine(String s) {
        if (s == null) return "parse error";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    public Path path() { return path; }
    public Map<String, Tensor> tensors() { return tensors; }
    public Map<String, String> metadata() { return metadata; }
    public boolean has(String name) { return tensors.containsKey(name); }

    public Tensor get(String name) throws MalformedFileException {
        Tensor t = tensors.get(name);
        if (t == null) throw new MalformedFileException(path, "has no tensor '" + name + "'");
        return t;
    }

    @Override
    public void close() {
        arena.close();
    }
}
