package org.mamba2j.ssd;

/**
 * The SSD entry point used by the model and the runner: forward (chunked, for prefill) and step
 * (recurrent, for decoding), on the JVM unless a backend is given.
 */
public final class Ssd {

    private Ssd() {
    }

    public static SsdResult forward(SsdShape shape, SsdInputs in) {
        return forward(JvmSsd.INSTANCE, shape, in);
    }

    public static SsdResult forward(SsdBackend backend, SsdShape shape, SsdInputs in) {
        in.validate(shape);
        float[] y = new float[(int) shape.xSize()];
        float[] state = new float[(int) shape.stateSize()];
        backend.forward(shape, in, y, state);
        return new SsdResult(y, state);
    }

    /** One token per batch row; returns y_t (batch, nheads, headdim) and updates {@code state} in place. */
    public static float[] step(SsdShape shape, SsdInputs in, float[] state) {
        float[] y = new float[(int) shape.withSeqlen(1).xSize()];
        JvmSsd.INSTANCE.step(shape, in, state, y);
        return y;
    }
}
