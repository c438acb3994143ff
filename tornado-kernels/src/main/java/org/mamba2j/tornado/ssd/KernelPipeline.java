package org.mamba2j.tornado.ssd;

import org.mamba2j.ssd.SsdInputs;
import org.mamba2j.ssd.SsdShape;

/**
 * Runs the loop-parallel kernels of {@link SsdKernels} as plain Java, in the order and with the
 * buffers of {@link SsdPlan}: the CPU twin of the device pipeline, used by the tests (CI has no
 * TornadoVM) and as the reference the integration check compares devices against.
 */
public final class KernelPipeline {

    private KernelPipeline() {
    }

    public static void forward(SsdShape s, SsdInputs in, float[] y, float[] finalState) {
        forward(s, in, y, finalState, false);
    }

    /** @param poison fill the intermediate buffers with NaN first, so an element a kernel forgets to write shows. */
    public static void forward(SsdShape s, SsdInputs in, float[] y, float[] finalState, boolean poison) {
        in.validateForward(s, y, finalState);
        SsdDims.Flags f = SsdDims.Flags.of(in);
        int[] dims = SsdDims.of(s, f);
        float[] dummy = new float[1];
        float[] bias = f.bias() ? in.timeStep().bias() : dummy;
        float[] z = f.z() ? in.z() : dummy;
        float[] init = f.init() ? in.initialState() : dummy;
        float[] dt = new float[SsdDims.chunkedDtSize(s)], cum = new float[dt.length], wState = new float[dt.length];
        float[] cb = new float[SsdDims.cbSize(s)];
        float[] states = new float[SsdDims.chunkStatesSize(s)], stateIn = new float[states.length];
        if (poison) {
            for (float[] a : new float[][] {dt, cum, wState, cb, states, stateIn}) java.util.Arrays.fill(a, Float.NaN);
        }
        // loop bounds padded past the work items, as a device grid rounded up to its work-group size is
        SsdKernels.chunkCumsum(in.dt(), in.A(), bias, SsdDims.dtLimits(in.timeStep()), dims, dt, cum, wState, pad(SsdDims.cumsumItems(s)));
        SsdKernels.chunkCB(in.C(), in.B(), dims, cb, pad(cb.length));
        SsdKernels.chunkStates(in.x(), in.B(), wState, dims, states, pad(states.length));
        SsdKernels.statePassing(states, cum, init, dims, stateIn, finalState, pad(finalState.length));
        float[] scores = new float[SsdDims.scoresSize(s)];
        if (poison) java.util.Arrays.fill(scores, Float.NaN);
        SsdKernels.chunkScores(cb, dt, cum, dims, scores, pad(scores.length));
        SsdKernels.chunkOutput(in.x(), z, cum, scores, in.C(), stateIn, in.D(), dims, y, pad(y.length));
    }

    /** A loop bound past the work items (the kernels must ignore the surplus). */
    static int pad(int items) {
        return items + 37;
    }

    public static void step(SsdShape shape, SsdInputs in, float[] state, float[] y) {
        SsdShape s = in.validateStep(shape, state, y);
        SsdDims.Flags f = SsdDims.Flags.of(in);
        StepInputs packed = new StepInputs(s, f);
        packed.copyFrom(in);
        SsdKernels.decodeStep(packed.packed, packed.parts, SsdDims.of(s, f), state, y, pad(y.length));
    }
}
