package org.mamba2j.tornado.model;

import org.mamba2j.device.DeviceSpec;

/**
 * How the kernels turn a 16-bit weight pattern (F16 or BF16, four to a long: {@link WeightFormat})
 * into a float: the one place that decides it, per backend and format ({@link #of}). Every kernel
 * that reads 16-bit weights takes the choice as its int argument {@code decode} ({@link #arg}) and
 * decodes each weight's pattern through {@link MixerKernels#decode16}, which branches on it.
 *
 * <p>The branch costs nothing on the device: TornadoVM 5.2 compiles each task with its scalar
 * arguments as constants (the OpenCL it prints for a task shows the value in place of the
 * parameter), so Graal folds the branch and only the chosen decode is compiled; the others leave
 * no code. That matters for {@link #BF16}: {@code BFloat16.bf16ToFloat} is a one-instruction
 * reinterpretation only on TornadoVM's CUDA backend (its invocation plugin emits
 * {@code __int_as_float(bits << 16)}); elsewhere it inlines TornadoVM's software decode (loops over
 * the exponent), whose OpenCL does not even build on PoCL ({@code use of undeclared identifier
 * 'NaNF'}). Folded away, it never reaches another backend's compiler. On the JVM (the tests'
 * emulator) every branch is plain Java, so all three can be tested anywhere.
 *
 * <ul>
 *   <li>{@link #TABLE}: the 512-entry (base, step) table at the head of the small weights, exact for
 *       both formats: two gathers per weight. The fallback.</li>
 *   <li>{@link #F16}: F16 decoded with integer and float32 arithmetic ({@link MixerKernels#f16}), exact
 *       for every finite pattern, no memory access. Not {@code Float.float16ToFloat}, though TornadoVM
 *       5.2 registers it on OpenCL, PTX and CUDA: its plugins convert the value they are given as
 *       a {@code half}, and a pattern read from a weight array is an integer there. The OpenCL
 *       backend emits {@code convert_float((float) i)} (the integer's value: on PoCL 65535 of the 65536
 *       patterns came out wrong, 0x3c00 as 15360.0), the CUDA backend {@code __half2float(i)}, which
 *       cuda_fp16.h converts through {@code __half(int)}, by value as well.</li>
 *   <li>{@link #F16_SCALED}: F16 as its significand, an int converted once, times its power of two written as a
 *       BF16 pattern and reinterpreted by {@code BFloat16.bf16ToFloat} ({@link MixerKernels#f16Scaled}): exact as
 *       {@link #F16}, with one integer conversion a weight instead of two and no branch, on the CUDA backend only.</li>
 *   <li>{@link #BF16}: {@code BFloat16.bf16ToFloat}, on the CUDA backend only.</li>
 * </ul>
 */
public enum Decode {
    TABLE("table decode"), F16("arithmetic decode"), F16_SCALED("scaled decode"), BF16("native decode");

    /** The kernels' {@code decode} argument values. */
    public static final int TABLE_ARG = 0, F16_ARG = 1, BF16_ARG = 2, F16_SCALED_ARG = 3;

    /**
     * System property: "table" makes every 16-bit format decode through the table on every backend
     * (to measure the native decodes against it); anything else, or unset, picks per {@link #of}.
     */
    public static final String PROPERTY = "mamba2.decode16";

    private final String label;

    Decode(String label) {
        this.label = label;
    }

    /** The value of the kernels' {@code decode} argument. */
    public int arg() {
        return switch (this) {
            case TABLE -> TABLE_ARG;
            case F16 -> F16_ARG;
            case F16_SCALED -> F16_SCALED_ARG;
            case BF16 -> BF16_ARG;
        };
    }

    /** What a plan's description says, e.g. "native decode". */
    public String label() {
        return label;
    }

    /** Whether this decode reads patterns of {@code format} right. */
    public boolean reads(WeightFormat format) {
        return format.is16Bit() && switch (this) {
            case TABLE -> true;
            case F16, F16_SCALED -> format == WeightFormat.F16;
            case BF16 -> format == WeightFormat.BF16;
        };
    }

    /**
     * The decode of {@code format}'s patterns on {@code backend}: F16 arithmetic on OpenCL (checked on PoCL
     * and the H200), F16 scaled and BF16 native on the CUDA backend, the table for everything else
     * and for F32 (which has no patterns), and everywhere when {@link #PROPERTY} is "table". Not the
     * F16 arithmetic on PTX: the row kernels' arithmetic decode of two longs of four patterns takes
     * more registers than a work-group of 1024 has there, and TornadoVM's PTX backend then launches
     * the kernel with fewer work items than asked (640 on the H200), which the row kernels' reductions
     * do not survive (wrong logits, measured). Nor on SPIR-V (unchecked).
     */
    public static Decode of(WeightFormat format, DeviceSpec.Backend backend) {
        if ("table".equalsIgnoreCase(System.getProperty(PROPERTY, ""))) return TABLE;
        return switch (format) {
            case F16 -> switch (backend) {
                case CUDA -> F16_SCALED;
                case OPENCL -> F16;
                default -> TABLE;
            };
            case BF16 -> backend == DeviceSpec.Backend.CUDA ? BF16 : TABLE;
            case F32 -> TABLE;
        };
    }
}
