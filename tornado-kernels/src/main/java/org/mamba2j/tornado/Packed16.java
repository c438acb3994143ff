package org.mamba2j.tornado;

import uk.ac.manchester.tornado.api.types.arrays.LongArray;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * 16-bit weight patterns (F16 or BF16) on the device: four to a long, element i in bits
 * 16·(i mod 4) of long i / 4 (the little-endian bytes of the patterns, as a checkpoint stores them).
 * A kernel reads one pattern with {@link #pattern}, or a run of four with one 8-byte load
 * ({@code w.get(q)} and {@link #patternOf}): a warp then moves 256 bytes a load where a ShortArray's
 * 16-bit loads moved 64, what the decode's matrix-vector rows need to come near the memory's speed.
 */
public final class Packed16 {

    private Packed16() {
    }

    /** A zeroed array for {@code elements} patterns. */
    public static LongArray allocate(long elements) {
        long longs = (elements + 3) / 4;
        if (longs > Integer.MAX_VALUE - 8) throw new IllegalArgumentException(elements + " 16-bit weights do not fit one device array");
        return new LongArray((int) Math.max(1, longs));
    }

    /** Pattern i (0..0xffff). */
    public static int pattern(LongArray w, int i) {
        return patternOf(w.get(i >> 2), i & 3);
    }

    /** Pattern k (0..3) of a long of four. */
    public static int patternOf(long quad, int k) {
        return (int) (quad >>> (k << 4)) & 0xffff;
    }

    /** The long of four patterns p0 .. p3 (each a short's value or a pattern 0..0xffff), p0 lowest. */
    public static long quadOf(int p0, int p1, int p2, int p3) {
        return unsigned(p0) | unsigned(p1) << 16 | unsigned(p2) << 32 | unsigned(p3) << 48;
    }

    /**
     * A short's value (or a pattern) as its pattern 0..0xffff, widened to a long before it is masked: TornadoVM 5.2's CUDA
     * backend keeps int arithmetic on a short (BFloat16.bf16FromFloat's result) in a short variable, so {@code s & 0xffff}
     * stayed negative and widened sign-extended, filling the patterns above with ones (NaN states). {@code MmaCheck --probes}
     * packs 4,096 patterns on the device; {@code v < 0 ? v + 65536 : v} on the long, the form before, packed right on CUDA
     * and wrong on PTX (2,213 of them).
     */
    static long unsigned(int p) {
        return (long) p & 0xffffL;
    }

    /** Sets pattern i (host side). */
    public static void set(LongArray w, int i, short bits) {
        w.getSegment().setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, bits);
    }

    /** Pattern i as a short (host side). */
    public static short get(LongArray w, int i) {
        return (short) pattern(w, i);
    }

    /** {@code n} patterns (little-endian 16-bit values) from {@code src} at byte 0 into w from pattern {@code at}. */
    public static void copy(MemorySegment src, long n, LongArray w, long at) {
        MemorySegment.copy(src, 0, w.getSegment(), at * Short.BYTES, n * Short.BYTES);
    }

    /** The patterns of {@code bits} as a packed array. */
    public static LongArray of(short[] bits) {
        LongArray w = allocate(bits.length);
        for (int i = 0; i < bits.length; i++) set(w, i, bits[i]);
        return w;
    }
}
