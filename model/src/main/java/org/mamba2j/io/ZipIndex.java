package org.mamba2j.io;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The central directory of a zip file already mapped in memory, with each entry's data located as a
 * slice of the mapping. Only what torch.save writes is needed: stored (uncompressed) entries, zip64
 * for archives over 4 GB. Java's ZipFile would hand out streams, copying every weight once more.
 * Every offset is range-checked, so a damaged archive fails with a {@link MalformedFileException}.
 */
final class ZipIndex {

    /** One entry: its compression method and the slice of the file holding its (stored) bytes. */
    record Entry(String name, int method, long compressedSize, long size, MemorySegment data) {
    }

    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int MAX_ENTRIES = 1 << 20;

    private final Path path;
    private final MemorySegment file;

    private ZipIndex(Path path, MemorySegment file) {
        this.path = path;
        this.file = file;
    }

    static Map<String, Entry> read(Path path, MemorySegment file) throws MalformedFileException {
        return new ZipIndex(path, file).entries();
    }

    private Map<String, Entry> entries() throws MalformedFileException {
        long size = file.byteSize();
        long eocd = -1;
        // The end record is 22 bytes plus a comment of at most 65535 bytes.
        for (long p = size - 22; p >= Math.max(0, size - 22 - 65535); p--) {
            if (u32(p) == 0x06054b50L) {
                eocd = p;
                break;
            }
        }
        if (eocd < 0) throw bad("not a zip archive (no end-of-central-directory record; truncated?)");
        long count = u16(eocd + 10), cdSize = u32(eocd + 12), cdOffset = u32(eocd + 16);
        if (count == 0xffff || cdSize == 0xffffffffL || cdOffset == 0xffffffffL) {
            long loc = eocd - 20;
            if (loc < 0 || u32(loc) != 0x07064b50L) throw bad("zip64 archive without a zip64 locator");
            long rec = u64(loc + 8);
            if (rec < 0 || rec > size - 56 || u32(rec) != 0x06064b50L) throw bad("zip64 end record missing at offset " + rec);
            count = u64(rec + 32);
            cdSize = u64(rec + 40);
            cdOffset = u64(rec + 48);
        }
        if (count < 0 || count > MAX_ENTRIES) throw bad("zip directory claims " + count + " entries");
        if (cdOffset < 0 || cdSize < 0 || cdOffset > size || cdSize > size - cdOffset) {
            throw bad("zip central directory [" + cdOffset + ", +" + cdSize + ") lies outside the file of " + size + " bytes");
        }
        Map<String, Entry> out = new LinkedHashMap<>();
        long p = cdOffset;
        for (long i = 0; i < count; i++) {
            if (u32(p) != 0x02014b50L) throw bad("zip central directory entry " + i + " has a bad signature");
            int method = u16(p + 10);
            long csize = u32(p + 20), usize = u32(p + 24);
            int nameLen = u16(p + 28), extraLen = u16(p + 30), commentLen = u16(p + 32);
            long local = u32(p + 42);
            String name = new String(bytes(p + 46, nameLen), StandardCharsets.UTF_8);
            long x = p + 46 + nameLen, xEnd = x + extraLen;
            while (x + 4 <= xEnd) {
                int id = u16(x), len = u16(x + 2);
                if (id == 0x0001) {
                    long q = x + 4;
                    if (usize == 0xffffffffL) { usize = u64(q); q += 8; }
                    if (csize == 0xffffffffL) { csize = u64(q); q += 8; }
                    if (local == 0xffffffffL) { local = u64(q); }
                }
                x += 4 + len;
            }
            p = xEnd + commentLen;
            if (local < 0 || local > size - 30 || u32(local) != 0x04034b50L) throw bad("zip entry '" + name + "' has no local header at offset " + local);
            long dataStart = local + 30 + u16(local + 26) + u16(local + 28);
            if (csize < 0 || usize < 0 || dataStart > size || csize > size - dataStart) {
                throw bad("zip entry '" + name + "' data [" + dataStart + ", +" + csize + ") lies outside the file (truncated?)");
            }
            if (method == 0 && csize != usize) throw bad("stored zip entry '" + name + "' has sizes " + csize + " != " + usize);
            out.put(name, new Entry(name, method, csize, usize, file.asSlice(dataStart, csize)));
        }
        return out;
    }

    private MalformedFileException bad(String what) {
        return new MalformedFileException(path, what);
    }

    private void need(long at, long n) throws MalformedFileException {
        if (at < 0 || n < 0 || at > file.byteSize() - n) throw bad("zip structure runs past the end of the file at offset " + at + " (truncated?)");
    }

    private int u16(long at) throws MalformedFileException {
        need(at, 2);
        return file.get(U16, at) & 0xffff;
    }

    private long u32(long at) throws MalformedFileException {
        need(at, 4);
        return file.get(U32, at) & 0xffffffffL;
    }

    private long u64(long at) throws MalformedFileException {
        need(at, 8);
        return file.get(U64, at);
    }

    private byte[] bytes(long at, int n) throws MalformedFileException {
        need(at, n);
        return file.asSlice(at, n).toArray(ValueLayout.JAVA_BYTE);
    }
}
