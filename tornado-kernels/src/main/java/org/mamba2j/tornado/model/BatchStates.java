package org.mamba2j.tornado.model;

import java.util.Arrays;
import java.util.Locale;

/**
 * How the batched decode holds its SSM states on the device: the config's {@code "batchStates"} of precision fast
 * ({@link org.mamba2j.tornado.DeviceConfig#batchStates}), float32 everywhere else. The 16-bit formats are read into and
 * updated in float32, stored rounded; the step's output comes from the unrounded values.
 */
public enum BatchStates {
    /** float32, beside the conv windows ({@link BatchKernels#ssdStepRows}): every backend, and precision exact. */
    F32,
    /** fp16 ({@link BatchKernels#ssdStepRowsF16}): half the state traffic; the CUDA backend, where TornadoVM 5.2 stores a computed float as fp16. */
    F16,
    /**
     * bf16 four to a long ({@link BatchKernels#ssdStepRowsBf16}): the state traffic of fp16 in a quarter of its memory
     * instructions, B and C read once for {@link BatchKernels#QUAD_ROWS} rows; the CUDA backend, whose native bf16
     * conversions TornadoVM 5.2 emits both ways. Where dstate is not a multiple of 4 or headdim of QUAD_ROWS, fp16.
     */
    BF16;

    /** The value a config names ("f32", "f16", "bf16"); anything else is refused with the names allowed. */
    public static BatchStates named(String name) {
        return Arrays.stream(values()).filter(v -> v.name().equalsIgnoreCase(name)).findFirst().orElseThrow(
                () -> new IllegalArgumentException("fast \"batchStates\" must be one of " + Arrays.stream(values())
                        .map(v -> "\"" + v.name().toLowerCase(Locale.ROOT) + "\"").toList() + ", got \"" + name + "\""));
    }

    /** What this format becomes for a model of these dims: BF16's quads and row runs need dstate % 4 and headdim % QUAD_ROWS. */
    public BatchStates forShape(int headdim, int dstate) {
        return this == BF16 && (dstate % 4 != 0 || headdim % BatchKernels.QUAD_ROWS != 0) ? F16 : this;
    }
}
