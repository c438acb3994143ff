package org.mamba2j.ssd;

import org.mamba2j.device.Precision;

/** Where SSD runs: the JVM, or a TornadoVM device. */
public interface SsdBackend extends AutoCloseable {

    /** Human-readable device name, as reported by the device. */
    String deviceName();

    /** The precision the products run at (the JVM's: exact). */
    default Precision precision() {
        return Precision.EXACT;
    }

    /** Chunked forward at the shape's chunk size as given; writes y and the final state into the given arrays. */
    void forward(SsdShape shape, SsdInputs in, float[] y, float[] finalState);

    /**
     * One recurrent step for a single token per batch row: {@code in} has seqlen 1 and no initial
     * state; {@code state} (batch, nheads, headdim, dstate) is updated in place, y_t is written.
     */
    void step(SsdShape shape, SsdInputs in, float[] state, float[] y);

    /**
     * Decode steps for one sequence whose state stays where the backend keeps it (device memory on a
     * GPU), so a step moves only the token's inputs and outputs.
     */
    interface StepSession extends AutoCloseable {
        /** One token: {@code in} has seqlen 1 and no initial state; writes y_t. */
        void step(SsdInputs in, float[] y);

        /** Copies the current state (batch, nheads, headdim, dstate) into {@code out}. */
        void readState(float[] out);

        @Override
        default void close() {
        }
    }

    /** Starts a step session from {@code initialState} (null: zeros); {@code like} fixes which optional inputs come. */
    default StepSession openSteps(SsdShape shape, SsdInputs like, float[] initialState) {
        SsdShape s = shape.withSeqlen(1);
        float[] state = initialState != null ? initialState.clone() : new float[Math.toIntExact(s.stateSize())];
        return new StepSession() {
            @Override
            public void step(SsdInputs in, float[] y) {
                SsdBackend.this.step(s, in, state, y);
            }

            @Override
            public void readState(float[] out) {
                System.arraycopy(state, 0, out, 0, state.length);
            }
        };
    }

    /**
     * The chunk size this backend runs best for work whose own chunk size is {@code requested} (a
     * TornadoVM device config's preference); {@code requested} when it has none. A caller that
     * wants it passes it in the shape: {@link #forward} does not substitute it.
     */
    default int preferredChunkSize(int requested) {
        return requested;
    }

    /**
     * Milliseconds the device spent in kernels during the last forward or step, when the backend
     * measures it (TornadoVM with profiling on); NaN otherwise.
     */
    default double lastKernelMillis() {
        return Double.NaN;
    }

    @Override
    default void close() {
    }
}
