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
        SsdTasks.Buffers b = buffers(s, in, SsdDims.scoresSize(s), poison);
        cumsum(b, s);
        afterCumsum(b, s);
        OffHeap.copy(b.y(), y);
        OffHeap.copy(b.fin(), finalState);
    }

    /**
     * The buffers of {@link SsdTasks} for one forward: the inputs copied in (absent optional ones as
     * placeholders), the intermediates and outputs allocated, with a scratch ({@code scores}) of
     * {@code scratchSize} floats; with {@code poison} everything the kernels write starts as NaN.
     */
    public static SsdTasks.Buffers buffers(SsdShape s, SsdInputs in, int scratchSize, boolean poison) {
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
        FloatArray y = new FloatArray(Math.toIntExact(s.xSize())), fin = new FloatArray(Math.toIntExact(s.stateSize()));
        FloatArray scratch = new FloatArray(scratchSize);
        if (poison) {
            for (FloatArray a : new FloatArray[] {dt, cum, wState, cb, states, stateIn, scratch, y, fin}) a.init(Float.NaN);
        }
        return new SsdTasks.Buffers(x, dtRaw, A, bias, FloatArray.fromArray(SsdDims.dtLimits(in.timeStep())), B, C, D, z,
                init, dims, dt, cum, wState, cb, states, stateIn, scratch, y, fin, 0);
    }

    /** The loop cumsum over the buffers of {@link SsdTasks}, at the shape's chunk count, its bound padded past the work items. */
    public static void cumsum(SsdTasks.Buffers b, SsdShape s) {
        SsdKernels.chunkCumsum(b.dtRaw(), b.aNeg(), b.dtBias(), b.dtLimits(), b.dims(), b.dt(), b.cum(), b.wState(), pad(SsdDims.cumsumItems(s)));
    }

    /**
     * The steps after the cumsum in {@link SsdTasks}' order with the loop variants (C·Bᵀ, chunk states,
     * state passing, weighted scores, chunk output), bounds padded past the work items as a device grid
     * rounded up to its work-group size is.
     */
    public static void afterCumsum(SsdTasks.Buffers b, SsdShape s) {
        int chunks = s.batch() * s.nchunks(), H = s.nheads(), P = s.headdim(), N = s.dstate(), G = s.ngroups(), Q = s.chunkSize();
        SsdKernels.chunkCB(b.C(), b.B(), b.dims(), b.cb(), pad(chunks * G * Q * Q));
        SsdKernels.chunkStates(b.x(), b.B(), b.wState(), b.dims(), b.states(), pad(chunks * H * P * N));
        SsdKernels.statePassing(b.states(), b.cum(), b.init(), b.dims(), b.stateIn(), b.fin(), b.stateAt(), pad(s.batch() * H * P * N));
        SsdKernels.chunkScores(b.cb(), b.dt(), b.cum(), b.dims(), b.scores(), pad(chunks * H * Q * Q));
        SsdKernels.chunkOutput(b.x(), b.z(), b.cum(), b.scores(), b.C(), b.stateIn(), b.D(), b.dims(), b.y(), pad(chunks * Q * H * P));
    }

    /** A loop bound past the work items (the kernels must ignore the surplus). */
    public static int pad(int items) {
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
