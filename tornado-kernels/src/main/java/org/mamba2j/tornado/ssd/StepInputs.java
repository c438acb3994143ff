package org.mamba2j.tornado.ssd;

import org.mamba2j.ssd.SsdInputs;
import org.mamba2j.ssd.SsdShape;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * One decode step's inputs packed into one off-heap array: x | dt | B | C | z | A | dt bias | D |
 * dtMin, dtMax (z and the bias only when present). A step is then a single copy to the device instead of
 * nine, each of which TornadoVM pays for on the host. {@link #parts} holds where each part starts,
 * indexed by the constants below.
 */
public final class StepInputs {

    public static final int DT = 0, B = 1, C = 2, Z = 3, A = 4, BIAS = 5, D = 6, LIMITS = 7, SIZE = 8;

    final FloatArray packed;
    final IntArray parts = new IntArray(SIZE + 1);
    private final SsdDims.Flags flags;

    public StepInputs(SsdShape s, SsdDims.Flags f) {
        flags = f;
        int x = Math.toIntExact(s.xSize()), dt = Math.toIntExact(s.dtSize()), bc = Math.toIntExact(s.bcSize());
        int[] sizes = {dt, bc, bc, f.z() ? x : 0, s.nheads(), f.bias() ? s.nheads() : 0, s.nheads(), 2};
        int at = x;
        for (int k = 0; k < sizes.length; k++) {
            parts.set(k, at);
            at += sizes[k];
        }
        parts.set(SIZE, at);
        packed = new FloatArray(at);
    }

    /** Packs a step's inputs (seqlen 1, already validated against the shape). */
    public void copyFrom(SsdInputs in) {
        put(in.x(), 0);
        put(in.dt(), parts.get(DT));
        put(in.B(), parts.get(B));
        put(in.C(), parts.get(C));
        if (flags.z()) put(in.z(), parts.get(Z));
        put(in.A(), parts.get(A));
        if (flags.bias()) put(in.timeStep().bias(), parts.get(BIAS));
        put(in.D(), parts.get(D));
        packed.set(parts.get(LIMITS), in.timeStep().min());
        packed.set(parts.get(LIMITS) + 1, in.timeStep().max());
    }

    private void put(float[] part, int at) {
        OffHeap.copy(part, packed, at);
    }
}
