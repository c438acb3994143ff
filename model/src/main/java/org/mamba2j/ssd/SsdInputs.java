package org.mamba2j.ssd;

/**
 * The inputs of one SSD call; shapes in {@link SsdShape}. {@code z} and {@code initialState} may be
 * null. {@code dt} is raw: {@link TimeStep} turns it into the step actually used.
 */
public record SsdInputs(float[] x, float[] dt, float[] A, float[] B, float[] C, float[] D,
                        float[] z, float[] initialState, TimeStep timeStep) {

    public SsdInputs {
        if (timeStep == null) timeStep = TimeStep.RAW;
    }

    public SsdInputs(float[] x, float[] dt, float[] A, float[] B, float[] C, float[] D) {
        this(x, dt, A, B, C, D, null, null, TimeStep.RAW);
    }

    public SsdInputs withInitialState(float[] state) {
        return new SsdInputs(x, dt, A, B, C, D, z, state, timeStep);
    }

    /** Throws IllegalArgumentException naming the first tensor whose length does not fit the shape. */
    public void validate(SsdShape s) {
        check("x", x, s.xSize());
        check("dt", dt, s.dtSize());
        check("A", A, s.nheads());
        check("B", B, s.bcSize());
        check("C", C, s.bcSize());
        check("D", D, s.nheads());
        if (z != null) check("z", z, s.xSize());
        if (initialState != null) check("initial_state", initialState, s.stateSize());
        if (timeStep.bias() != null) check("dt_bias", timeStep.bias(), s.nheads());
    }

    /** Checks the inputs and the output arrays of a forward over shape {@code s}. */
    public void validateForward(SsdShape s, float[] y, float[] finalState) {
        validate(s);
        check("y", y, s.xSize());
        check("final_state", finalState, s.stateSize());
    }

    /**
     * Checks a decode step of {@code shape}'s batch and heads: one token per batch row, the state
     * passed apart (not as initial_state), state and y sized for it. Returns the step's shape (seqlen 1).
     */
    public SsdShape validateStep(SsdShape shape, float[] state, float[] y) {
        SsdShape s = shape.withSeqlen(1);
        if (initialState != null) throw new IllegalArgumentException("step takes the state separately, not as initial_state");
        validate(s);
        check("state", state, s.stateSize());
        check("y", y, s.xSize());
        return s;
    }

    static void check(String name, float[] a, long expected) {
        if (a == null) throw new IllegalArgumentException(name + " is missing (expected " + expected + " elements)");
        if (a.length != expected) {
            throw new IllegalArgumentException(name + " has " + a.length + " elements, the shape needs " + expected);
        }
    }
}
