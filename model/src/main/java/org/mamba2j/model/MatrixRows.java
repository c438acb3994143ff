package org.mamba2j.model;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * A weight matrix's rows read in place from the mapped file, one subclass per storage format. Each
 * gives the two things {@link Matrix} builds its products from: the dot product of a row with a
 * vector x (the matrix-vector kernel, with the conversion of the stored format fused into its vector
 * loop, so that decoding streams the stored bytes and nothing else) and a row widened to float32
 * (the embedding lookup, and the packing of matmul's panels). No float32 copy of the weights exists.
 *
 * <p>The matrix-vector product first brings x into the form its format's kernel reads with the
 * fewest instructions per weight ({@link #prepare}, once per product, shared by all rows): as it is
 * for F32, de-interleaved for the half-precision formats and within each block for Q8_0.
 *
 * @param <X> x as this format's dot product reads it
 */
abstract sealed class MatrixRows<X> permits MatrixRows.F32Rows, MatrixRows.HalfRows, MatrixRows.Q8Rows {

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int L = F.length();
    static final VectorSpecies<Integer> INTS = VectorSpecies.of(int.class, F.vectorShape());
    /** L half-precision values: half the bits of a float vector. */
    static final VectorSpecies<Short> HALVES = VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE);
    static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);

    final int rows, cols;
    final MemorySegment data;

    MatrixRows(MemorySegment data, int rows, int cols) {
        this.data = data;
        this.rows = rows;
        this.cols = cols;
    }

    /** The rows of a matrix stored as {@code type}; {@code scales} only for Q8_0. */
    static MatrixRows<?> of(WeightType type, MemorySegment data, MemorySegment scales, int rows, int cols) {
        return switch (type) {
            case F32 -> new F32Rows(data, rows, cols);
            case F16 -> HalfRows.f16(data, rows, cols);
            case BF16 -> HalfRows.bf16(data, rows, cols);
            case Q8_0 -> new Q8Rows(data, scales, rows, cols);
        };
    }

    /** x (at least cols elements, read from index 0) as {@link #dot} reads it; a fresh object, read-only afterwards. */
    abstract X prepare(float[] x);

    /** W[r] · x over the row's cols elements. */
    abstract float dot(int r, X x);

    /**
     * y[r] = {@link #dot}(r, x) for rows [from, to). Each format writes this loop itself: C2 profiles
     * a call per bytecode, and one shared loop saw every format a JVM had used, turned megamorphic
     * and stopped inlining dot, whose vectors then lived in memory (this 2-core machine: q8_0
     * decoding at 28–35 tokens/s after f32 had run in the same JVM, 110–124 alone). Here the call is
     * on a final class and always inlines.
     */
    abstract void dots(X x, float[] y, int from, int to);

    /** Row r widened to float32 into dst[off, off + cols). */
    abstract void row(int r, float[] dst, int off);

    static float sum(FloatVector a0, FloatVector a1) {
        return a0.add(a1).reduceLanes(VectorOperators.ADD);
    }

    /** F32: the row's floats, loaded straight from the mapping. */
    static final class F32Rows extends MatrixRows<float[]> {
        F32Rows(MemorySegment data, int rows, int cols) {
            super(data, rows, cols);
        }

        private FloatVector lanes(long base, int k) {
            return FloatVector.fromMemorySegment(F, data, base + 4L * k, LE);
        }

        @Override
        float[] prepare(float[] x) {
            return x;
        }

        @Override
        float dot(int r, float[] x) {
            long base = (long) r * cols * 4;
            FloatVector a0 = FloatVector.zero(F), a1 = a0;
            int k = 0;
            for (; k <= cols - 2 * L; k += 2 * L) {
                a0 = lanes(base, k).fma(FloatVector.fromArray(F, x, k), a0);
                a1 = lanes(base, k + L).fma(FloatVector.fromArray(F, x, k + L), a1);
            }
            for (; k <= cols - L; k += L) a0 = lanes(base, k).fma(FloatVector.fromArray(F, x, k), a0);
            float s = sum(a0, a1);
            for (; k < cols; k++) s += data.get(LE_FLOAT, base + 4L * k) * x[k];
            return s;
        }

        @Override
        void dots(float[] x, float[] y, int from, int to) {
            for (int r = from; r < to; r++) y[r] = dot(r, x);
        }

        @Override
        void row(int r, float[] dst, int off) {
            MemorySegment.copy(data, LE_FLOAT, (long) r * cols * 4, dst, off, cols);
        }
    }

    /**
     * F16 and BF16, one formula: the 16 bits h (sign-extended to an int) become the float
     * {@code intBitsToFloat((h << shift) & mask) * scale}. BF16 is the top half of a float32 (shift
     * 16, scale 1). F16 (shift 13) lands sign and exponent-plus-mantissa in float32's places with the
     * exponent 112 too small, which the multiply by 2^112 restores exactly, subnormal halves
     * included; the checkpoint's check refuses Inf and NaN, the one case this does not map.
     *
     * <p>The dot product reads 2L halves as one int vector and takes the halves in the low 16 bits
     * of each int (the even elements) and those in the high 16 bits (the odd ones) apart with a
     * shift and a mask, no widening conversion; x is de-interleaved to match ({@link Paired}), and
     * for F16 also multiplied by 2^112 in place of each weight (a power of two: the products stay
     * exact).
     */
    static final class HalfRows extends MatrixRows<HalfRows.Paired> {
        /** F16's exponent offset from float32: the bits shifted into place read 2^-112 times the value. */
        private static final int F16_EXPONENT_GAP = 112;
        /** Largest |x| that x · 2^112 keeps finite, with room for the sum: 2^15. */
        private static final float F16_X_LIMIT = 0x1p15f;
        private final boolean f16;
        private final int shift, mask;
        private final float scale;

        private HalfRows(MemorySegment data, int rows, int cols, boolean f16) {
            super(data, rows, cols);
            this.f16 = f16;
            this.shift = f16 ? 13 : 16;
            this.mask = f16 ? 0x8fffe000 : 0xffff0000;
            this.scale = f16 ? Math.scalb(1f, F16_EXPONENT_GAP) : 1f;
        }

        static HalfRows f16(MemorySegment data, int rows, int cols) {
            return new HalfRows(data, rows, cols, true);
        }

        static HalfRows bf16(MemorySegment data, int rows, int cols) {
            return new HalfRows(data, rows, cols, false);
        }

        /**
         * x for the paired kernel, times a power of two (2^112 for F16, 1 for BF16): each run of 2L
         * elements stored as its L even then its L odd elements, the elements past the last whole
         * run in order. The dot product's sum is multiplied by {@code sumScale}.
         */
        record Paired(float[] x, float sumScale) {
        }

        @Override
        Paired prepare(float[] x) {
            float xScale = 1, sumScale = 1;
            if (f16) {
                // x · 2^(112 − e) with e ≥ 0 just large enough to keep every product finite; nearly always e = 0.
                int e = Math.max(0, Math.getExponent(maxAbs(x, cols)) - Math.getExponent(F16_X_LIMIT) + 1);
                xScale = Math.scalb(1f, F16_EXPONENT_GAP - e);
                sumScale = Math.scalb(1f, e);
            }
            float[] p = new float[cols];
            int whole = cols - cols % (2 * L);
            for (int k = 0; k < whole; k += 2 * L) {
                for (int j = 0; j < L; j++) {
                    p[k + j] = x[k + 2 * j] * xScale;
                    p[k + L + j] = x[k + 2 * j + 1] * xScale;
                }
            }
            for (int k = whole; k < cols; k++) p[k] = x[k] * xScale;
            return new Paired(p, sumScale);
        }

        private static float maxAbs(float[] x, int n) {
            float m = 0;
            for (int k = 0; k < n; k++) m = Math.max(m, Math.abs(x[k]));
            return m;
        }

        /** L values from element k of the row at byte offset base. */
        private FloatVector lanes(long base, int k) {
            IntVector h = (IntVector) ShortVector.fromMemorySegment(HALVES, data, base + 2L * k, LE)
                    .convertShape(VectorOperators.S2I, INTS, 0);
            return h.lanewise(VectorOperators.LSHL, shift).and(mask).reinterpretAsFloats().mul(scale);
        }

        /** Element k's bits in float32's places: the value, over 2^112 for F16. */
        private float bits(long base, int k) {
            return Float.intBitsToFloat((data.get(LE_SHORT, base + 2L * k) << shift) & mask);
        }

        private float at(long base, int k) {
            return bits(base, k) * scale;
        }

        /** The even elements of 2L halves read as ints (the low 16 bits), as floats over 2^112 for F16. */
        private FloatVector evens(IntVector v) {
            IntVector e = v.lanewise(VectorOperators.LSHL, 16);
            return (f16 ? e.lanewise(VectorOperators.ASHR, 3).and(mask) : e).reinterpretAsFloats();
        }

        /** The odd elements (the high 16 bits), likewise. */
        private FloatVector odds(IntVector v) {
            return (f16 ? v.lanewise(VectorOperators.ASHR, 3) : v).and(mask).reinterpretAsFloats();
        }

        @Override
        float dot(int r, Paired x) {
            long base = (long) r * cols * 2;
            float[] p = x.x();
            FloatVector a0 = FloatVector.zero(F), a1 = a0;
            int k = 0;
            for (; k <= cols - 2 * L; k += 2 * L) {
                IntVector v = IntVector.fromMemorySegment(INTS, data, base + 2L * k, LE);
                a0 = evens(v).fma(FloatVector.fromArray(F, p, k), a0);
                a1 = odds(v).fma(FloatVector.fromArray(F, p, k + L), a1);
            }
            float s = sum(a0, a1);
            for (; k < cols; k++) s += bits(base, k) * p[k];
            return s * x.sumScale();
        }

        @Override
        void dots(Paired x, float[] y, int from, int to) {
            for (int r = from; r < to; r++) y[r] = dot(r, x);
        }

        @Override
        void row(int r, float[] dst, int off) {
            long base = (long) r * cols * 2;
            int k = 0;
            for (; k <= cols - L; k += L) lanes(base, k).intoArray(dst, off + k);
            for (; k < cols; k++) dst[off + k] = at(base, k);
        }
    }

    /**
     * Q8_0: per block of {@link WeightType#Q8_BLOCK} values, int8 quants times one F16 scale. The
     * quants are read in place from the mapping; the scales are widened to float32 once, at load,
     * into a heap array (4 bytes per 32 weights: 12% of the quants' size).
     *
     * <p>The dot product reads a block of 32 quants as one vector of 8 ints (two blocks as one of 16
     * where the machine's vectors are 512 bits, {@link #PER}) and takes each int's four bytes apart
     * with shifts: part j is {@code (v << (24 − 8j)) >> 24} (arithmetic), the quants j, j + 4, ...,
     * j + 28 of each block, sign-extended in int lanes, then converted to float (the same-shape I2F:
     * a single instruction). {@link #prepare} orders x to match. One vector load per
     * 32 or 64 weights instead of 8-byte loads with a widening conversion each: it is the segment
     * loads (bounds and liveness checks per load) more than the arithmetic that limited the first
     * kernel. Two vectors per iteration, each with its own sum; the blocks of a 512-bit vector take
     * their scales as one vector of two broadcasts. The blocks after the last whole vector (one, when
     * a row of an odd number of blocks meets 512-bit vectors, which no published Mamba-2 has; and a
     * short block ending a row whose length is not a multiple of the block) are done element-wise
     * against x in order ({@link #rest}).
     */
    static final class Q8Rows extends MatrixRows<float[]> {
        private static final int BLOCK = WeightType.Q8_BLOCK;
        /** 8 floats and 8 ints: one block of 32 quants is one 256-bit load (emulated, correct and slower, on a 128-bit machine). */
        private static final VectorSpecies<Float> QF = FloatVector.SPECIES_256;
        private static final VectorSpecies<Byte> QB = ByteVector.SPECIES_64;
        /** Two blocks a vector where the preferred vectors have 16 floats (AVX-512): 16 ints, 16 floats; else 8 of each. */
        private static final VectorSpecies<Float> WF = F.length() >= 16 ? FloatVector.SPECIES_512 : QF;
        private static final VectorSpecies<Integer> WI = F.length() >= 16 ? IntVector.SPECIES_512 : IntVector.SPECIES_256;
        /** Blocks a WF vector holds (1 or 2), and the lanes of its second block. */
        private static final int PER = WF.length() / 8;
        private static final VectorMask<Float> SECOND = VectorMask.fromLong(WF, 0xff00L);
        private final float[] scales;
        private final int blocks;

        Q8Rows(MemorySegment data, MemorySegment scales, int rows, int cols) {
            super(data, rows, cols);
            this.blocks = WeightType.q8Blocks(cols);
            long n = (long) rows * blocks;
            if (n > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("a Q8_0 matrix of " + rows + " rows of " + blocks + " blocks has too many scales for one array");
            this.scales = new float[(int) n];
            for (int i = 0; i < n; i++) this.scales[i] = Float.float16ToFloat(scales.getAtIndex(LE_SHORT, i));
        }

        /** 8 quants from byte offset at, as floats (the conversion's part is the constant 0: only then is it compiled to vector code). */
        private FloatVector quants(long at) {
            return (FloatVector) ByteVector.fromMemorySegment(QB, data, at, LE).convertShape(VectorOperators.B2F, QF, 0);
        }

        /**
         * The int lanes' top byte, sign-extended, as floats. convertShape with the species named: {@code convert(I2F, 0)}
         * looks its species up at run time, which C2 did not fold to a constant here, and then leaves the conversion to Java code.
         */
        private static FloatVector top(IntVector v) {
            return (FloatVector) v.lanewise(VectorOperators.ASHR, 24).convertShape(VectorOperators.I2F, WF, 0);
        }

        /**
         * x ordered for the dot product: each run of {@link #PER} whole blocks read as one vector holds, for j = 0..3,
         * block t's elements j, j + 4, ..., j + 28 at 8·(PER·j + t); the blocks after the last whole vector in order.
         */
        @Override
        float[] prepare(float[] x) {
            float[] p = new float[cols];
            int end = vectorBlocks() * BLOCK;
            for (int k = 0; k < end; k += PER * BLOCK) {
                for (int t = 0; t < PER; t++) {
                    for (int j = 0; j < 4; j++) {
                        for (int i = 0; i < 8; i++) p[k + 8 * (PER * j + t) + i] = x[k + BLOCK * t + 4 * i + j];
                    }
                }
            }
            System.arraycopy(x, end, p, end, cols - end);
            return p;
        }

        /** The whole blocks of a row that whole WF vectors cover. */
        private int vectorBlocks() {
            return cols / BLOCK / PER * PER;
        }

        /**
         * The sums of quant·x (before the scales) of the blocks one WF vector holds: the quants at byte offset at, x at
         * p[k]. Its species are constants: a helper taking the species as an argument was compiled on its own, without the
         * Vector API's intrinsics, and then never inlined (40 times slower).
         */
        private FloatVector wide(long at, float[] p, int k) {
            int n = WF.length();
            IntVector v = IntVector.fromMemorySegment(WI, data, at, LE);
            FloatVector s = top(v.lanewise(VectorOperators.LSHL, 24)).mul(FloatVector.fromArray(WF, p, k));
            s = top(v.lanewise(VectorOperators.LSHL, 16)).fma(FloatVector.fromArray(WF, p, k + n), s);
            s = top(v.lanewise(VectorOperators.LSHL, 8)).fma(FloatVector.fromArray(WF, p, k + 2 * n), s);
            return top(v).fma(FloatVector.fromArray(WF, p, k + 3 * n), s);
        }

        /** The scales of the {@link #PER} blocks from scale index b, each across its block's lanes of a WF vector. */
        private FloatVector scales(int b) {
            FloatVector s = FloatVector.broadcast(WF, scales[b]);
            return PER == 1 ? s : s.blend(FloatVector.broadcast(WF, scales[b + 1]), SECOND);
        }

        @Override
        float dot(int r, float[] p) {
            long q = (long) r * cols;
            int wide = vectorBlocks(), sb = r * blocks, step = PER * BLOCK;
            FloatVector a0 = FloatVector.zero(WF), a1 = a0;
            int b = 0, k = 0;
            for (; b + PER < wide; b += 2 * PER, k += 2 * step) {
                a0 = wide(q + k, p, k).fma(scales(sb + b), a0);
                a1 = wide(q + k + step, p, k + step).fma(scales(sb + b + PER), a1);
            }
            if (b < wide) {
                a0 = wide(q + k, p, k).fma(scales(sb + b), a0);
                b += PER;
            }
            float sum = a0.add(a1).reduceLanes(VectorOperators.ADD);
            return b < blocks ? sum + rest(q, p, sb, b) : sum;
        }

        /**
         * The blocks from b on that no WF vector covers, element-wise against x in order. Out of {@link #dot}, which C2
         * inlines into {@link #dots} only below 325 bytes of bytecode.
         */
        private float rest(long q, float[] p, int sb, int b) {
            float sum = 0;
            for (; b < blocks; b++) {
                float block = 0;
                for (int i = b * BLOCK, end = Math.min(cols, i + BLOCK); i < end; i++) block += data.get(ValueLayout.JAVA_BYTE, q + i) * p[i];
                sum += block * scales[sb + b];
            }
            return sum;
        }

        @Override
        void dots(float[] x, float[] y, int from, int to) {
            for (int r = from; r < to; r++) y[r] = dot(r, x);
        }

        @Override
        void row(int r, float[] dst, int off) {
            long q = (long) r * cols;
            for (int b = 0, k = 0; b < blocks; b++, k += BLOCK) {
                float d = scales[r * blocks + b];
                if (cols - k >= BLOCK) {
                    for (int j = 0; j < BLOCK; j += 8) quants(q + k + j).mul(d).intoArray(dst, off + k + j);
                } else {
                    for (int i = k; i < cols; i++) dst[off + i] = data.get(ValueLayout.JAVA_BYTE, q + i) * d;
                }
            }
        }
    }
}
