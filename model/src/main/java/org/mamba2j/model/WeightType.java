package org.mamba2j.model;

import org.mamba2j.io.SafeTensors.DType;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How a model's weight matrices are stored. F32, F16 and BF16 are plain safetensors dtypes. Q8_0 is
 * llama.cpp's 8-bit block format split into two tensors: {@code <name>} (I8, the matrix's shape,
 * row-major) holds the quants and {@code <name>.scales} (F16, shape (rows, ceil(cols / 32))) one
 * scale per block of {@link #Q8_BLOCK} consecutive values of a row; the last block of a row may be
 * shorter. A value is quant × scale. Only rank-2 tensors (the projections, the embedding, lm_head) are
 * quantized; a Q8_0 model keeps its small vectors in F32.
 */
public enum WeightType {
    F32("f32", DType.F32), F16("f16", DType.F16), BF16("bf16", DType.BF16), Q8_0("q8_0", DType.I8);

    /** Values per Q8_0 block, as llama.cpp's QK8_0. */
    public static final int Q8_BLOCK = 32;
    /** Suffix of the tensor holding a Q8_0 matrix's scales. */
    public static final String SCALES = ".scales";
    /** The dtype of a Q8_0 matrix's scales. */
    public static final DType SCALE_DTYPE = DType.F16;

    public final String label;
    /** The dtype of the matrix tensor itself. */
    public final DType dtype;

    WeightType(String label, DType dtype) {
        this.label = label;
        this.dtype = dtype;
    }

    /** "f32", "f16", "bf16", "q8_0" (also "float32", "float16", "bfloat16"), case-insensitive. */
    public static WeightType of(String s) {
        String l = s.toLowerCase(Locale.ROOT);
        for (WeightType t : values()) if (t.label.equals(l)) return t;
        return switch (l) {
            case "float32" -> F32;
            case "float16" -> F16;
            case "bfloat16" -> BF16;
            default -> throw new IllegalArgumentException("unknown weight dtype '" + s + "' (" + labels() + ")");
        };
    }

    public static String labels() {
        return Arrays.stream(values()).map(t -> t.label).collect(Collectors.joining(", "));
    }

    /** The dtype a tensor of this rank is written in: Q8_0 keeps vectors (and conv taps) in F32. */
    DType storedAs(int rank) {
        return this == Q8_0 && rank != 2 ? DType.F32 : dtype;
    }

    /** Blocks per row of a Q8_0 matrix with {@code cols} columns. */
    static int q8Blocks(int cols) {
        return (cols + Q8_BLOCK - 1) / Q8_BLOCK;
    }

    @Override
    public String toString() {
        return label;
    }
}
