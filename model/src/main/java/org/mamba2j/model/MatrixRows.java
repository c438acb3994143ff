package org.mamba2j.model;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * A weight matrix's rows read in place from the mapped file, one subclass per storage format. Each
 * gives the two things {@link Matrix} builds its products from: the dot product of a row with a
 * float32 vector (the matrix-vector kernel, with the conversion to float32 fused into its vector
 * loop, so that decoding streams the stored bytes and nothing else) and a row widened to float32
 * (the embedding lookup, and the packing of matmul's panels). No float32 copy of the weights exists.
 */
abstract sealed class MatrixRows permits MatrixRows.F32Rows, MatrixRows.HalfRows, MatrixRows.Q8Rows {

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int L = F.length();
    static final VectorSpecies<Integer> INTS = VectorSpecies.of(int.class, F.vectorShape());
    /** L half-precision values: half the bits of a float vector. */
    static final VectorSpecies<Short> SHORTS = VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
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
    static MatrixRows of(WeightType type, MemorySegment data, MemorySegment scales, int rows, int cols) {
        return switch (type) {
            case F32 -> new F32Rows(data, rows, cols);
            case F16 -> HalfRows.f16(data, rows, cols);
            case BF16 -> HalfRows.bf16(data, rows, cols);
            case Q8_0 -> new Q8Rows(data, scales, rows, cols);
        };
    }

    /** W[r] · x over the row's cols elements, x read from index 0. */
    abstract float dot(int r, float[] x);

    /** Row r widened to float32 into dst[off, off + cols). */
    abstract void row(int r, float[] dst, int off);

    static float sum(FloatVector a0, FloatVector a1) {
        return a0.add(a1).reduceLanes(VectorOperators.ADD);
    }

    /** F32: the row's floats, loaded straight from the mapping. */
    static final class F32Rows extends MatrixRows {
        F32Rows(MemorySegment data, int rows, int cols) {
            super(data, rows, cols);
        }

        private FloatVector lanes(long base, int k) {
            return FloatVector.fromMemorySegment(F, data, base + 4L * k, LE);
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
     */
    static final class HalfRows extends MatrixRows {
        private final int shift, mask;
        private final float scale;

        private HalfRows(MemorySegment data, int rows, int cols, int shift, int mask, float scale) {
            super(data, rows, cols);
            this.shift = shift;
            this.mask = mask;
            this.scale = scale;
        }

        static HalfRows f16(MemorySegment data, int rows, int cols) {
            return new HalfRows(data, rows, cols, 13, 0x8fffe000, 0x1p112f);
        }

        static HalfRows bf16(MemorySegment data, int rows, int cols) {
            return new HalfRows(data, rows, cols, 16, 0xffff0000, 1f);
        }

        /** L values from element k of the row at byte offset base. */
        private FloatVector lanes(long base, int k) {
            IntVector h = (IntVector) ShortVector.fromMemorySegment(SHORTS, data, base + 2L * k, LE)
                    .convertShape(VectorOperators.S2I, INTS, 0);
            return h.lanewise(VectorOperators.LSHL, shift).and(mask).reinterpretAsFloats().mul(scale);
        }

        private float at(long base, int k) {
            return Float.intBitsToFloat((data.get(LE_SHORT, base + 2L * k) << shift) & mask) * scale;
        }

        @Override
        float dot(int r, float[] x) {
            long base = (long) r * cols * 2;
            FloatVector a0 = FloatVector.zero(F), a1 = a0;
            int k = 0;
            for (; k <= cols - 2 * L; k += 2 * L) {
                a0 = lanes(base, k).fma(FloatVector.fromArray(F, x, k), a0);
                a1 = lanes(base, k + L).fma(FloatVector.fromArray(F, x, k + L), a1);
            }
            for (; k <= cols - L; k += L) a0 = lanes(base, k).fma(FloatVector.fromArray(F, x, k), a0);
            float s = sum(a0, a1);
            for (; k < cols; k++) s += at(base, k) * x[k];
            return s;
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
     * Q8_0: per block of {@link WeightType#Q8_BLOCK} values, int8 quants times one F16 scale. The dot
     * product sums quant·x over a block in float32 vectors and adds the block's sum times its scale;
     * a row whose length is not a multiple of the block ends in a short block, done element-wise.
     */
    static final class Q8Rows extends MatrixRows {
        private static final int BLOCK = WeightType.Q8_BLOCK;
        /**
         * Floats per step: the preferred vector, but at least 8 lanes, since the narrowest byte vector
         * holds 8 quants (on a 128-bit machine the 256-bit species is emulated: correct, slower).
         */
        private static final VectorSpecies<Float> QF = L >= 8 ? F : FloatVector.SPECIES_256;
        private static final int QL = QF.length();
        private static final VectorSpecies<Byte> QB = VectorSpecies.of(byte.class, VectorShape.forBitSize(QL * 8));
        private final MemorySegment scales;
        private final int blocks;

        Q8Rows(MemorySegment data, MemorySegment scales, int rows, int cols) {
            super(data, rows, cols);
            this.scales = scales;
            this.blocks = WeightType.q8Blocks(cols);
        }

        /** QL quants from byte offset at, as floats (the conversion's part is the constant 0: only then is it compiled to vector code). */
        private FloatVector quants(long at) {
            return (FloatVector) ByteVector.fromMemorySegment(QB, data, at, LE).convertShape(VectorOperators.B2F, QF, 0);
        }

        private float scale(int r, int b) {
            return Float.float16ToFloat(scales.getAtIndex(LE_SHORT, (long) r * blocks + b));
        }

        @Override
        float dot(int r, float[] x) {
            long q = (long) r * cols;
            int full = cols / BLOCK;
            FloatVector acc = FloatVector.zero(QF);
            for (int b = 0, k = 0; b < full; b++, k += BLOCK) {
                FloatVector s = FloatVector.zero(QF);
                for (int j = 0; j < BLOCK; j += QL) s = quants(q + k + j).fma(FloatVector.fromArray(QF, x, k + j), s);
                acc = s.fma(FloatVector.broadcast(QF, scale(r, b)), acc);
            }
            float sum = acc.reduceLanes(VectorOperators.ADD);
            if (full < blocks) {
                float tail = 0;
                for (int k = full * BLOCK; k < cols; k++) tail += data.get(ValueLayout.JAVA_BYTE, q + k) * x[k];
                sum += tail * scale(r, full);
            }
            return sum;
        }

        @Override
        void row(int r, float[] dst, int off) {
            long q = (long) r * cols;
            for (int b = 0, k = 0; b < blocks; b++, k += BLOCK) {
                float d = scale(r, b);
                if (cols - k >= BLOCK) {
                    for (int j = 0; j < BLOCK; j += QL) quants(q + k + j).mul(d).intoArray(dst, off + k + j);
                } else {
                    for (int i = k; i < cols; i++) dst[off + i] = data.get(ValueLayout.JAVA_BYTE, q + i) * d;
                }
            }
        }
    }
}
