package org.mamba2j.tornado.model;

import org.mamba2j.io.SafeTensors.DType;

/**
 * How a weight matrix sits on the device. F32: a FloatArray. F16 and BF16: the checkpoint's 16-bit
 * patterns as they are, four to a long ({@link org.mamba2j.tornado.Packed16}), decoded in the kernels with float32 math by
 * {@link MixerKernels#w16} as the backend allows ({@link Decode}): TornadoVM 5.2 reinterprets no bits
 * on OpenCL or PTX (Float.intBitsToFloat does not compile; BFloat16.bf16ToFloat does so on its CUDA
 * backend only), and PoCL has no OpenCL {@code half} (so HalfFloatArray does not compile there).
 * Where no native decode applies, a table ({@link #table}): both 16-bit formats split the same way,
 * the top nine bits pick a table entry (base, step) and the low seven are a multiple of the step;
 * value = base + step · low, exact for every finite pattern (at most 11 significant bits). The table
 * (a model has one 16-bit format) sits at the head of the small-weights array.
 */
public enum WeightFormat {
    F32, F16, BF16;

    /** Floats of the decode table: (base, step) for each of the 512 values of the top nine bits. */
    public static final int TABLE_SIZE = 1024;

    /** The device format of a stored dtype. */
    public static WeightFormat of(DType dtype) {
        return switch (dtype) {
            case F32 -> F32;
            case F16 -> F16;
            case BF16 -> BF16;
            default -> throw new IllegalArgumentException("weights must be F32, F16 or BF16, not " + dtype);
        };
    }

    public boolean is16Bit() {
        return this != F32;
    }

    /** The float32 value of a 16-bit pattern of this format, as the JVM reads it. */
    public float toFloat(short bits) {
        return switch (this) {
            case F16 -> Float.float16ToFloat(bits);
            case BF16 -> Float.intBitsToFloat((bits & 0xffff) << 16);
            case F32 -> throw new IllegalStateException("F32 has no 16-bit patterns");
        };
    }

    /** The decode table of this 16-bit format (see the class comment). */
    public float[] table() {
        float[] t = new float[TABLE_SIZE];
        for (int hi = 0; hi < TABLE_SIZE / 2; hi++) {
            float base = toFloat((short) (hi << 7));
            t[2 * hi] = base;
            t[2 * hi + 1] = toFloat((short) (hi << 7 | 1)) - base;
        }
        return t;
    }
}
