package org.mamba2j.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes a safetensors file whose tensors are produced on the fly as float32 and stored as F32, F16,
 * BF16 or I8 (values already integral, as Q8_0 quants are): a multi-gigabyte model is streamed to disk
 * without ever being held in memory. Each tensor has its own dtype; the writer's is the default.
 */
public final class SafeTensorsWriter {

    /** Produces a tensor's values in order: fills {@code buf[0, n)} with elements [start, start + n). */
    @FunctionalInterface
    public interface Source {
        void fill(long start, float[] buf, int n);
    }

    private record Entry(String name, long[] shape, SafeTensors.DType dtype, Source source) {
        long numel() {
            long n = 1;
            for (long d : shape) n *= d;
            return n;
        }
    }

    private static final int CHUNK = 1 << 16;
    private final SafeTensors.DType dtype;
    private final List<Entry> entries = new ArrayList<>();

    public SafeTensorsWriter(SafeTensors.DType dtype) {
        this.dtype = checked(dtype);
    }

    private static SafeTensors.DType checked(SafeTensors.DType dtype) {
        return switch (dtype) {
            case F32, F16, BF16, I8 -> dtype;
            default -> throw new IllegalArgumentException("can write F32, F16, BF16 or I8, not " + dtype);
        };
    }

    /** A tensor in the writer's dtype. */
    public SafeTensorsWriter add(String name, long[] shape, Source source) {
        return add(name, shape, dtype, source);
    }

    public SafeTensorsWriter add(String name, long[] shape, SafeTensors.DType dtype, Source source) {
        entries.add(new Entry(name, shape.clone(), checked(dtype), source));
        return this;
    }

    /** Bytes of tensor data this writer will produce. */
    public long dataBytes() {
        long n = 0;
        for (Entry e : entries) n += e.numel() * e.dtype().bytes;
        return n;
    }

    public void write(Path file, Map<String, String> metadata) throws IOException {
        ObjectNode header = new ObjectMapper().createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode m = header.putObject("__metadata__");
            metadata.forEach(m::put);
        }
        long offset = 0;
        for (Entry e : entries) {
            ObjectNode t = header.putObject(e.name());
            t.put("dtype", e.dtype().name());
            ArrayNode s = t.putArray("shape");
            for (long d : e.shape()) s.add(d);
            long bytes = e.numel() * e.dtype().bytes;
            t.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] json = new ObjectMapper().writeValueAsBytes(header);
        int padded = (json.length + 7) / 8 * 8;   // data starts 8-byte aligned, as HF's writer does
        ByteBuffer buf = ByteBuffer.allocate(Math.max(8 + padded, CHUNK * 4)).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            buf.putLong(padded).put(json);
            for (int i = json.length; i < padded; i++) buf.put((byte) ' ');
            drain(ch, buf);
            float[] vals = new float[CHUNK];
            for (Entry e : entries) {
                long n = e.numel();
                for (long start = 0; start < n; start += CHUNK) {
                    int k = (int) Math.min(CHUNK, n - start);
                    e.source().fill(start, vals, k);
                    for (int i = 0; i < k; i++) {
                        switch (e.dtype()) {
                            case F32 -> buf.putFloat(vals[i]);
                            case F16 -> buf.putShort(Float.floatToFloat16(vals[i]));
                            case BF16 -> buf.putShort(toBf16(vals[i]));
                            default -> buf.put((byte) vals[i]);
                        }
                    }
                    drain(ch, buf);
                }
            }
        }
    }

    /** Round-to-nearest-even float32 → bfloat16, as torch does. */
    static short toBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) return (short) ((bits >>> 16) | 0x40);
        return (short) ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16);
    }

    private static void drain(FileChannel ch, ByteBuffer buf) throws IOException {
        buf.flip();
        while (buf.hasRemaining()) ch.write(buf);
        buf.clear();
    }

}
