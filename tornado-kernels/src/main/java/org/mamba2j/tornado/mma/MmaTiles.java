package org.mamba2j.tornado.mma;

import uk.ac.manchester.tornado.api.types.HalfFloat;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * Where the tensor-core kernels put their operands in local memory, and how they make fp16 of them.
 *
 * <p>TornadoVM 5.2's {@code KernelContext.mmaLoadA}/{@code mmaLoadB} read fixed tiles with ldmatrix:
 * an A tile is 16 rows × 16 halves (512 bytes), a B tile 16 k-rows × 8 halves (256 bytes), two
 * halves per int, the lower one first; the byte offset picks a tile in a larger local array. A
 * kernel lays its operand block out as a grid of such tiles: an (mTiles × kTiles) grid of A tiles,
 * row-major over tiles, and a (kTiles × nTiles) grid of B tiles. {@link #aSlot} and {@link #bSlot}
 * give the int holding an element pair, {@link #aByte} and {@link #bByte} a tile's offset.
 *
 * <p>fp16 of a float read from memory is {@code new HalfFloat(array.get(i))} (TornadoVM converts a
 * read); of a float a kernel computed, {@link #halfOf} (float arithmetic); 16-bit weights are already
 * patterns, F16 ones used as they are and BF16 ones converted by integer arithmetic ({@link #halfOfBf16}).
 */
public final class MmaTiles {

    /** Work items of a warp: the MMA primitives are warp-collective. */
    public static final int WARP = 32;

    private MmaTiles() {
    }

    /**
     * Ints an A tile takes in a tile grid: its 128 and 16 of padding, so that consecutive tiles start 16 banks apart (a
     * warp storing one row's pairs of two k tiles at once hits 32 banks, not 16 twice).
     */
    public static final int A_TILE_INTS = 144;

    /** Ints of an A-tile grid of mTiles × kTiles tiles. */
    public static int aInts(int mTiles, int kTiles) {
        return mTiles * kTiles * A_TILE_INTS;
    }

    /**
     * The int of an A-tile grid (mTiles × kTiles tiles, kTiles wide, {@link #A_TILE_INTS} apart) holding elements (m, k)
     * and (m, k + 1), k even. Rows 4–7 of each eight hold their two 16-byte halves swapped (k 0–7 and 8–15: an XOR of the
     * int's place in the row with 4): at the tile's 32-byte rows, ldmatrix's eight rows of one 8 × 8 matrix would
     * otherwise fall on 16 banks, rows r and r + 4 on the same four (two wavefronts for each matrix of every A load);
     * swapped, they cover all 32. {@code mmaLoadA} reads such a tile with {@link #aLane} added to its byte offset.
     */
    public static int aSlot(int m, int k, int kTiles) {
        return ((m >> 4) * kTiles + (k >> 4)) * A_TILE_INTS + (m & 15) * 8 + (((k & 15) >> 1) ^ (m & 4));
    }

    /**
     * What work item tid adds to the byte offset of {@code mmaLoadA} for tiles laid out by {@link #aSlot}: its lane
     * addresses row ((lane / 8) % 2)·8 + lane % 8 at column byte (lane / 16)·16 of the tile (TornadoVM's ldmatrix.x4),
     * and a row with bit 2 set keeps that column in the other 16-byte half: +16 from the first half, −16 from the second.
     */
    public static int aLane(int tid) {
        return (tid & 4) * 4 * (1 - ((tid >> 3) & 2));
    }

    /**
     * The int of a B-tile grid (kTiles × nTiles tiles, nTiles wide) holding elements (k, n) and (k, n + 1), n even. A
     * tile's 16-byte k-rows sit in its second half with their place XOR 2 (rows 8–15), and each k tile of the grid starts
     * 16 bytes after the last one ended: the GEMM's staging stores (a warp writes k-rows kq + i, kq = 0, 4, .., 28, of
     * both k tiles in one instruction) then meet 32 banks without a rotation, and each ldmatrix matrix's eight rows still
     * cover all 32. {@code mmaLoadB} reads such a tile with {@link #bLane} added to its byte offset.
     */
    public static int bSlot(int k, int n, int nTiles) {
        int r = k & 15;
        return ((k >> 4) * nTiles + (n >> 3)) * 64 + (k >> 4) * 4 + ((r & 8) | ((r & 7) ^ ((r >> 3) << 1))) * 4 + ((n & 7) >> 1);
    }

    /** Ints of a B-tile grid of kTiles × nTiles tiles ({@link #bSlot}: 16 bytes between k tiles). */
    public static int bInts(int kTiles, int nTiles) {
        return kTiles * nTiles * 64 + (kTiles - 1) * 4;
    }

    /**
     * Halves of a grid of kTiles × nTiles B tiles held as fp16 halves ({@code KernelContext.mmaStoreBSwizzled} and
     * {@code mmaLoadBSwizzled}: 16 k-rows of 8 halves a tile, 256 bytes, the rows 8–15 of each tile swapped in pairs by
     * TornadoVM's swizzle, which both apply).
     */
    public static int bHalves(int kTiles, int nTiles) {
        return kTiles * nTiles * 128;
    }

    /** Byte offset of tile (kt, nt) in such a grid of halves, nTiles wide: the offset both swizzled calls take. */
    public static int bHalfByte(int kt, int nt, int nTiles) {
        return (kt * nTiles + nt) * 256;
    }

    /**
     * What work item tid adds to the byte offset of {@code mmaLoadB} for tiles laid out by {@link #bSlot}: its lane
     * addresses k-row (lane % 8) + 8·((lane / 8) % 2) at 16 bytes a row (TornadoVM's ldmatrix.x2.trans); rows 8–15 sit
     * two rows further (lane bit 1 clear) or nearer (set).
     */
    public static int bLane(int tid) {
        return ((tid >> 3) & 1) * 32 * (1 - (tid & 2));
    }

    /** Byte offset of A tile (mt, kt) in a grid kTiles wide. */
    public static int aByte(int mt, int kt, int kTiles) {
        return (mt * kTiles + kt) * A_TILE_INTS * 4;
    }

    /** Byte offset of B tile (kt, nt) in a grid nTiles wide ({@link #bSlot}). */
    public static int bByte(int kt, int nt, int nTiles) {
        return (kt * nTiles + nt) * 256 + kt * 16;
    }

    /** Warp row (0 or 1) of work item tid in a group of four warps arranged 2 × 2 over the output tile. */
    public static int warpM(int tid) {
        return tid / WARP / 2;
    }

    /** Warp column (0 or 1) of work item tid, as {@link #warpM}. */
    public static int warpN(int tid) {
        return tid / WARP % 2;
    }

    /**
     * fp16 pattern of a computed float (round to nearest even) by float arithmetic, as TornadoVM
     * converts only a float read from an array and reinterprets no float bits: |v| is brought into
     * [1, 2) by exact power-of-two scalings (four each way cover fp16's exponents), then its
     * mantissa, exact as (a − 1)·1024, is rounded; a mantissa that rounds up to 1024 carries into
     * the exponent, as in the bit pattern. Below 2^-14 the value is rounded in units of 2^-24 (fp16's
     * subnormals); 65520 and above, and NaN, become infinity; −0 becomes +0 (the same to an MMA).
     */
    public static int halfOf(float v) {
        int sign = v < 0f ? 0x8000 : 0;
        float a = Math.abs(v);
        if (!(a < 65520f)) {
            return sign | 0x7C00;
        }
        if (a < 6.1035156e-5f) {
            return sign | nearestEven(a * 16777216f);
        }
        int e = 0;
        if (a >= 256f) { a *= 0.00390625f; e += 8; }
        if (a >= 16f) { a *= 0.0625f; e += 4; }
        if (a >= 4f) { a *= 0.25f; e += 2; }
        if (a >= 2f) { a *= 0.5f; e += 1; }
        if (a < 0.0078125f) { a *= 256f; e -= 8; }
        if (a < 0.125f) { a *= 16f; e -= 4; }
        if (a < 0.5f) { a *= 4f; e -= 2; }
        if (a < 1f) { a *= 2f; e -= 1; }
        return sign | (((e + 15) << 10) + nearestEven((a - 1f) * 1024f));
    }

    /** s ≥ 0 rounded to the nearest integer, ties to even. */
    private static int nearestEven(float s) {
        int r = (int) s;
        float f = s - r;
        return f > 0.5f || (f == 0.5f && (r & 1) == 1) ? r + 1 : r;
    }

    /** Two fp16 patterns in one int, {@code lo} first. */
    public static int pack(int lo, int hi) {
        return (lo & 0xFFFF) | (hi << 16);
    }

    /** Two computed floats as one fp16 pair ({@link #halfOf} each, {@link #pack}ed), {@code lo} first. */
    public static int halfPair(float lo, float hi) {
        return pack(halfOf(lo), halfOf(hi));
    }

    /**
     * fp16 pattern of a[i] (round to nearest). The index is clamped into the array: the compiler may
     * load before the condition that guards a call (a select), so a guarded load must stay in bounds.
     */
    public static int half(FloatArray a, int i) {
        return new HalfFloat(a.get(Math.min(i, a.getSize() - 1))).getHalfFloatValue() & 0xFFFF;
    }

    /** The fp16 patterns of a[at] and a[at + 1] in one int (at + 1 inside the array). */
    public static int pairAt(FloatArray a, int at) {
        return pack(half(a, at), half(a, at + 1));
    }

    /** The fp16 patterns of a[i0] and a[i1] in one int, each zero where its condition is false. */
    public static int pair(FloatArray a, int i0, boolean ok0, int i1, boolean ok1) {
        return pack(ok0 ? half(a, i0) : 0, ok1 ? half(a, i1) : 0);
    }

    /**
     * The fp16 pair (r, col), (r, col + 1) of a matrix stored row by row (row r at base + r·stride),
     * rows × cols, zero outside: adjacent floats, for a block whose pairs run along the rows.
     */
    public static int pairAlong(FloatArray a, int base, int stride, int r, int col, int rows, int cols) {
        int at = base + r * stride + col;
        return pair(a, at, r < rows && col < cols, at + 1, r < rows && col + 1 < cols);
    }

    /**
     * {@link #pairAlong} of a matrix at a[0], its column c times scale[scaleOff + c] where scaleOff ≥ 0
     * (a norm's weight: the products are computed floats, made fp16 by {@link #halfOf}); scaleOff &lt; 0:
     * the plain pair.
     */
    public static int pairAlong(FloatArray a, int stride, int r, int col, int rows, int cols, FloatArray scale, int scaleOff) {
        int p;
        if (scaleOff < 0) {
            p = pairAlong(a, 0, stride, r, col, rows, cols);
        } else {
            // indices clamped into the arrays: the compiler may load before the condition (see half)
            int at = r * stride + col, last = a.getSize() - 1, s = scaleOff + col, sLast = scale.getSize() - 1;
            int lo = r < rows && col < cols ? halfOf(a.get(Math.min(at, last)) * scale.get(Math.min(s, sLast))) : 0;
            int hi = r < rows && col + 1 < cols ? halfOf(a.get(Math.min(at + 1, last)) * scale.get(Math.min(s + 1, sLast))) : 0;
            p = pack(lo, hi);
        }
        return p;
    }

    /** The fp16 pair (r, col), (r + 1, col) of such a matrix: for a block staged transposed (its pairs across two rows). */
    public static int pairAcross(FloatArray a, int base, int stride, int r, int col, int rows, int cols) {
        int at = base + r * stride + col;
        return pair(a, at, r < rows && col < cols, at + stride, r + 1 < rows && col < cols);
    }

    /**
     * The fp16 pair a[at], a[at + step], both known to be inside the array, unguarded: {@link #pairAlong} (step 1) or
     * {@link #pairAcross} (step the row stride) of a block that lies inside its matrix.
     */
    public static int pairInside(FloatArray a, int at, int step) {
        return pack(halfInside(a, at), halfInside(a, at + step));
    }

    /** fp16 pattern of a[i], i known to be inside the array: {@link #half} without the clamp. */
    private static int halfInside(FloatArray a, int i) {
        return new HalfFloat(a.get(i)).getHalfFloatValue() & 0xFFFF;
    }

    /**
     * On the host: the first n values of a as fp16 pairs (round to nearest even), element 2j in the
     * low half of pair j, as the prefill's norms write them for {@link MmaGemm}'s fp16 activations, in an array of
     * {@code size} ints (zeros past n / 2: {@link MmaGemm#halvesSize} pads to whole 64-row blocks).
     */
    public static IntArray halvesOf(float[] a, int n, int size) {
        IntArray h = new IntArray(size);
        for (int j = 0; j < n / 2; j++) {
            h.set(j, pack(Float.floatToFloat16(a[2 * j]) & 0xFFFF, Float.floatToFloat16(a[2 * j + 1])));
        }
        return h;
    }

    /**
     * The two BF16 patterns of a pair as fp16 ones, as {@link #halfOfBf16} makes each, both at once: the
     * staging of a tensor-core product converts every 16-bit weight it reads, so this is its inner loop.
     */
    public static int halvesOfBf16(int pair) {
        return (pair & 0x80008000) | magnitudeOfBf16(pair & 0x7FFF) | (magnitudeOfBf16((pair >> 16) & 0x7FFF) << 16);
    }

    /** The low halves of two pairs as one pair: element 0 of p and of q, as a B tile holds two rows' same element. */
    public static int lows(int p, int q) {
        return (p & 0xFFFF) | (q << 16);
    }

    /** The high halves of two pairs as one pair (element 1 of p and of q). */
    public static int highs(int p, int q) {
        return ((p >> 16) & 0xFFFF) | (q & 0xFFFF0000);
    }

    /** The magnitude of a BF16 pattern at fp16's smallest normal, 2^-14 (exponent 113). */
    private static final int FP16_MIN_NORMAL_BF16 = 113 << 7;
    /** What rebiases a BF16 magnitude shifted into fp16's place: exponent 127 − 15 = 112 at fp16's bit 10. */
    private static final int REBIAS = 112 << 10;

    /**
     * The fp16 pattern nearest a BF16 one, by integer arithmetic (TornadoVM reinterprets no float
     * bits): {@link #magnitudeOfBf16} and the sign. Values above 65504, NaN and infinity are not
     * expected (weights).
     */
    public static int halfOfBf16(int bits) {
        return (bits & 0x8000) | magnitudeOfBf16(bits & 0x7FFF);
    }

    /**
     * The fp16 magnitude of a BF16 one (exponent e, mantissa m): from fp16's smallest normal up, the
     * exponent rebiased and the mantissa widened (exact); below it the subnormal M·2^-24 nearest
     * (128 + m)·2^(e − 134), M = ((128 + m)·2^(e − 102) + 128) / 2^8 rounded down (half up), zero below
     * e = 102. Every shift stays within 0..10 (the C of the CUDA backend leaves other shifts undefined).
     */
    private static int magnitudeOfBf16(int mag) {
        int e = mag >> 7;
        int shift = Math.max(Math.min(e - 102, 10), 0);
        int subnormal = e < 102 ? 0 : ((((mag & 0x7F) | 0x80) << shift) + 128) >> 8;
        return mag >= FP16_MIN_NORMAL_BF16 ? (mag << 3) - REBIAS : subnormal;
    }
}
