package org.mamba2j.ssd;

/** Where SSD runs: the JVM, or a TornadoVM device. */
public interface SsdBackend extends AutoCloseable {

    /** Human-readable device name, as reported by the device. */
    String deviceName();

    /** Chunked forward; writes y and the final state into the given arrays. */
    void forward(SsdShape shape, SsdInputs in, float[] y, float[] finalState);

    /**
     * One recurrent step for a single token per batch row: {@code in} has seqlen 1 and no initial
     * state; {@code state} (batch, nheads, headdim, dstate) is updated in place, y_t is written.
     */
    void step(SsdShape shape, SsdInputs in, float[] state, float[] y);

    @Override
    default void close() {
    }
}
