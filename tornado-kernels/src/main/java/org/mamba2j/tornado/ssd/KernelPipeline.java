package org.mamba2j.tornado.ssd;

import org.mamba2j.ssd.SsdInputs;
import org.mamba2j.ssd.SsdShape;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * Runs the loop-parallel kernels of {@link SsdKernels} as plain Java, in the order and with the
 * buffers of {@link SsdPlan} (off-heap arrays, which work without the TornadoVM runtime): the CPU
 * twin of the device pipeline, used by the tests (CI has no TornadoVM) and as the reference the
 * integration check compares devices against. Inputs are copied in and outputs out at the call.
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
        IntArray dims = IntArray.fromArray(SsdDims.of(s, f));
        FloatArray dummy = new FloatArray(1);
        FloatArray x = FloatArray.fromArray(in.x()), A = FloatArray.fromArray(in.A()), D = FloatArray.fromArray(in.D());
        FloatArray B = FloatArray.fromArray(in.B()), C = FloatArray.fromArray(in.C()), dtRaw = FloatArray.fromArray(in.dt());
        FloatArray bias = f.bias() ? FloatArray.fromArray(in.timeStep().bias()) : dummy;
        FloatArray z = f.z() ? FloatArray.fromArray(in.z()) : dummy;
        FloatArray init = f.init() ? FloatArray.fromArray(in.initialState()) : dummy;
        int dtSize = SsdDims.chunkedDtSize(s), statesSize = SsdDims.chunkStatesSize(s);
        FloatArray dt = new FloatArray(dtSize), cum = new FloatArray(dtSize), wState = new FloatArray(dtSize);
        FloatArray cb = new FloatArray(SsdDims.cbSize(s));
        FloatArray states = new FloatArray(statesSize), stateIn = new FloatArray(statesSize);
        FloatArray yOut = new FloatArray(y.length), finalOut = new FloatArray(finalState.length);
        if (poison) {
            for (FloatArray a : new FloatArray[] {dt, cum, wState, cb, states, stateIn, yOut, finalOut}) a.init(Float.NaN);
        }
        // loop bounds padded past the work items, as a device grid rounded up to its work-group size is
        SsdKernels.chunkCumsum(dtRaw, A, bias, FloatArray.fromArray(SsdDims.dtLimits(in.timeStep())), dims, dt, cum, wState,
                pad(SsdDims.cumsumItems(s)));
        SsdKernels.chunkCB(C, B, dims, cb, pad(cb.getSize()));
        SsdKernels.chunkStates(x, B, wState, dims, states, pad(statesSize));
        SsdKernels.statePassing(states, cum, init, dims, stateIn, finalOut, pad(finalState.length));
        FloatArray scores = new FloatArray(SsdDims.scoresSize(s));
        if (poison) scores.init(Float.NaN);
        SsdKernels.chunkScores(cb, dt, cum, dims, scores, pad(scores.getSize()));
        SsdKernels.chunkOutput(x, z, cum, scores, C, stateIn, D, dims, yOut, pad(y.length));
        OffHeap.copy(yOut, y);
        OffHeap.copy(finalOut, finalState);
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
        FloatArray st = FloatArray.fromArray(state), out = new FloatArray(y.length);
        SsdKernels.decodeStep(packed.packed, packed.parts, IntArray.fromArray(SsdDims.of(s, f)), st, out, pad(y.length));
        OffHeap.copy(st, state);
        OffHeap.copy(out, y);
    }
}
