package org.mamba2j.tornado.ssd;

import org.mamba2j.ssd.SsdInputs;
import org.mamba2j.ssd.SsdShape;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

/**
 * Off-heap copies of one call's SSD inputs. A task graph is bound to the arrays it was built with,
 * so a plan owns these and each call copies its inputs in, one bulk copy per tensor. Absent
 * optional inputs are 1-element dummies (a kernel cannot take null); dt limits travel as an array
 * because TornadoVM bakes scalar arguments into the compiled kernel.
 */
final class StagedInputs {

    final FloatArray x, dtRaw, A, bias, dtLimits, B, C, D, z, init;
    private final SsdDims.Flags flags;

    StagedInputs(SsdShape s, SsdDims.Flags f) {
        int xs = Math.toIntExact(s.xSize());
        flags = f;
        x = new FloatArray(xs);
        dtRaw = new FloatArray(Math.toIntExact(s.dtSize()));
        A = new FloatArray(s.nheads());
        bias = new FloatArray(f.bias() ? s.nheads() : 1);
        dtLimits = new FloatArray(2);
        B = new FloatArray(Math.toIntExact(s.bcSize()));
        C = new FloatArray(B.getSize());
        D = new FloatArray(s.nheads());
        z = new FloatArray(f.z() ? xs : 1);
        init = new FloatArray(f.init() ? Math.toIntExact(s.stateSize()) : 1);
    }

    void copyFrom(SsdInputs in) {
        OffHeap.copy(in.x(), x);
        OffHeap.copy(in.dt(), dtRaw);
        OffHeap.copy(in.A(), A);
        OffHeap.copy(in.B(), B);
        OffHeap.copy(in.C(), C);
        OffHeap.copy(in.D(), D);
        if (flags.bias()) OffHeap.copy(in.timeStep().bias(), bias);
        if (flags.z()) OffHeap.copy(in.z(), z);
        if (flags.init()) OffHeap.copy(in.initialState(), init);
        dtLimits.set(0, in.timeStep().min());
        dtLimits.set(1, in.timeStep().max());
    }
}
