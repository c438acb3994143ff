package org.mamba2j.model;

import org.mamba2j.io.SafeTensorsWriter;

/**
 * Rounds float32 rows to Q8_0 ({@link WeightType}): per block of 32 values of a row, the scale
 * d = max|w| / 127 rounded to float16, and quants round(w / d) in [-127, 127]. Every value is then
 * within d/2 of the original (up to the scale's own float16 rounding, which can push a quant to
 * ±127 and clip it by at most d·2^-11·127); a block of zeros, or one whose scale underflows float16
 * (max|w| below about 7.6e-6), stores zeros.
 */
final class Q8Quantizer {

    private static final int BLOCK = WeightType.Q8_BLOCK;

    private Q8Quantizer() {
    }

    /** Quantizes row[0, cols) into quants[qOff, qOff + cols) and one float16 scale per block into scales[sOff, ...). */
    static void quantizeRow(float[] row, int cols, byte[] quants, int qOff, short[] scales, int sOff) {
        for (int b = 0, k = 0; k < cols; b++, k += BLOCK) {
            int end = Math.min(cols, k + BLOCK);
            float max = 0;
            for (int i = k; i < end; i++) max = Math.max(max, Math.abs(row[i]));
            short d16 = Float.floatToFloat16(max / 127f);
            float d = Float.float16ToFloat(d16);
            scales[sOff + b] = d16;
            for (int i = k; i < end; i++) {
                quants[qOff + i] = d == 0 ? 0 : (byte) Math.clamp(Math.round(row[i] / d), -127, 127);
            }
        }
    }

    /** The two tensors of a Q8_0 matrix, as writer sources: the quants first, then the scales. */
    record Sources(SafeTensorsWriter.Source quants, SafeTensorsWriter.Source scales) {
    }

    /**
     * Quantizes a (rows, cols) matrix whose float32 values {@code values} produces in order, one row
     * at a time as the writer asks for the quants; the scales, a few per cent of the size, are kept
     * for the scales tensor, which must be written after the quants (as the writer does, in order).
     */
    static Sources sources(int rows, int cols, SafeTensorsWriter.Source values) {
        int blocks = WeightType.q8Blocks(cols);
        short[] scales = new short[Math.multiplyExact(rows, blocks)];
        float[] row = new float[cols];
        byte[] rowQuants = new byte[cols];
        SafeTensorsWriter.Source quants = (start, buf, n) -> {
            for (int i = 0; i < n; i++) {
                long e = start + i;
                int col = (int) (e % cols);
                if (col == 0) {   // the next row: produced and quantized whole
                    values.fill(e, row, cols);
                    quantizeRow(row, cols, rowQuants, 0, scales, (int) (e / cols) * blocks);
                }
                buf[i] = rowQuants[col];
            }
        };
        SafeTensorsWriter.Source scaleSource = (start, buf, n) -> {
            for (int i = 0; i < n; i++) buf[i] = Float.float16ToFloat(scales[(int) (start + i)]);
        };
        return new Sources(quants, scaleSource);
    }
}
