package org.mamba2j.io;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A torch.save zip archive ({@code pytorch_model.bin}) holding a state dict: {@code <prefix>/data.pkl}
 * (read by {@link TorchPickle}, which runs no code) and one stored entry {@code <prefix>/data/<key>}
 * per storage. The file is mapped once; each tensor is a slice of its storage entry, never copied.
 */
public final class TorchCheckpoint implements AutoCloseable {

    private static final long MAX_PICKLE = 256L << 20;

    private final Arena arena;
    private final Map<String, SafeTensors.Tensor> tensors;

    private TorchCheckpoint(Arena arena, Map<String, SafeTensors.Tensor> tensors) {
        this.arena = arena;
        this.tensors = tensors;
    }

    public static TorchCheckpoint open(Path path) throws IOException {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment file = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            Map<String, ZipIndex.Entry> entries = ZipIndex.read(path, file);
            String prefix = null;
            for (String name : entries.keySet()) {
                if (name.equals("data.pkl") || name.endsWith("/data.pkl")) {
                    prefix = name.substring(0, name.length() - "data.pkl".length());
                    break;
                }
            }
            if (prefix == null) throw new MalformedFileException(path, "zip archive has no data.pkl: not a torch.save checkpoint");
            ZipIndex.Entry order = entries.get(prefix + "byteorder");
            if (order != null && !new String(stored(path, order).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.US_ASCII).trim().equals("little")) {
                throw new MalformedFileException(path, "checkpoint was saved big-endian; only little-endian is supported");
            }
            MemorySegment pkl = stored(path, entries.get(prefix + "data.pkl"));
            if (pkl.byteSize() > MAX_PICKLE) throw new MalformedFileException(path, "data.pkl of " + pkl.byteSize() + " bytes is implausibly large");
            Map<String, Object> dict = TorchPickle.readStateDict(path, pkl.toArray(ValueLayout.JAVA_BYTE));
            Map<String, SafeTensors.Tensor> tensors = new LinkedHashMap<>();
            for (Map.Entry<String, Object> e : dict.entrySet()) {
                if (!(e.getValue() instanceof TorchPickle.TensorRef t)) {
                    throw new MalformedFileException(path, "state dict entry '" + e.getKey() + "' is not a tensor");
                }
                tensors.put(e.getKey(), view(path, e.getKey(), t, entries.get(prefix + "data/" + t.storage().key())));
            }
            return new TorchCheckpoint(arena, Collections.unmodifiableMap(tensors));
        } catch (NoSuchFileException e) {
            arena.close();
            throw new MalformedFileException(path, "missing");
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static MemorySegment stored(Path path, ZipIndex.Entry e) throws MalformedFileException {
        if (e.method() != 0) throw new MalformedFileException(path, "zip entry '" + e.name() + "' is compressed (method " + e.method() + "); torch.save stores entries uncompressed");
        return e.data();
    }

    /** A contiguous tensor's bytes inside its storage; strided (non-contiguous) views are refused. */
    private static SafeTensors.Tensor view(Path path, String name, TorchPickle.TensorRef t, ZipIndex.Entry storage) throws MalformedFileException {
        String where = "tensor '" + name + "'";
        if (storage == null) throw new MalformedFileException(path, where + " refers to storage '" + t.storage().key() + "', which the archive lacks");
        MemorySegment data = stored(path, storage);
        long[] size = t.size(), stride = t.stride();
        if (size.length != stride.length) throw new MalformedFileException(path, where + " has " + size.length + " sizes but " + stride.length + " strides");
        long expect = 1, numel = 1;
        try {
            for (int i = size.length - 1; i >= 0; i--) {
            if (size[i] < 0) throw new MalformedFileException(path, where + " has a negative size");
            if (size[i] != 1 && stride[i] != expect) {
                throw new MalformedFileException(path, where + " is not contiguous (size " + java.util.Arrays.toString(size)
                        + ", stride " + java.util.Arrays.toString(stride) + "); save it with .contiguous()");
            }
            expect = Math.multiplyExact(expect, Math.max(size[i], 1));
            numel = Math.multiplyExact(numel, size[i]);
            }
        } catch (ArithmeticException e) {
            throw new MalformedFileException(path, where + " has an impossibly large shape");
        }
        int es = t.storage().dtype().bytes;
        long off = t.offset();
        if (off < 0 || numel > (data.byteSize() / es) - off || off > data.byteSize() / es) {
            throw new MalformedFileException(path, where + " (offset " + off + ", " + numel + " elements) does not fit its storage of "
                    + data.byteSize() / es + " elements (truncated?)");
        }
        return new SafeTensors.Tensor(name, t.storage().dtype(), size.clone(), data.asSlice(off * es, numel * es));
    }

    public Map<String, SafeTensors.Tensor> tensors() { return tensors; }

    @Override
    public void close() {
        arena.close();
    }
}
