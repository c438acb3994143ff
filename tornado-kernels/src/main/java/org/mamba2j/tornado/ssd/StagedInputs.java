package org.mamba2j.tornado.ssd;

import org.mamba2j.ssd.SsdInputs;
import org.mamba2j.ssd.SsdShape;

/**
 * Host copies of one call's SSD inputs. A task graph is bound to the Java arrays it was built with,
 * so a plan owns these and each call copies its inputs in. Absent optional inputs are 1-element
 * dummies (a kernel cannot take null); dt limits travel as an array because TornadoVM bakes scalar
 * arguments into the compiled kernel.
 */
final class StagedInputs {

    final float[] x, dtRaw, A, bias, dtLimits, B, C, D, z, init;
    private final SsdDims.Flags flags;

    StagedInputs(SsdShape s, SsdDims.Flags f) {
        int xs = Math.toIntExact(s.xSize());
        flags = f;
        x = new float[xs];
        dtRaw = new float[Math.toIntExact(s.dtSize())];
        A = new float[s.nheads()];
        bias = new float[f.bias() ? s.nheads() : 1];
        dtLimits = new float[2];
        B = new float[Math.toIntExact(s.bcSize())];
        C = new float[B.length];
        D = new float[s.nheads()];
        z = new float[f.z() ? xs : 1];
        init = new float[f.init() ? Math.toIntExact(s.stateSize()) : 1];
    }

    void copyFrom(SsdInputs in) {
        System.arraycopy(in.x(), 0, x, 0, x.length);
        System.arraycopy(in.dt(), 0, dtRaw, 0, dtRaw.length);
        System.arraycopy(in.A(), 0, A, 0, A.length);
        System.arraycopy(in.B(), 0, B, 0, B.length);
        System.arraycopy(in.C(), 0, C, 0, C.length);
        System.arraycopy(in.D(), 0, D, 0, D.length);
        if (flags.bias()) System.arraycopy(in.timeStep().bias(), 0, bias, 0, bias.length);
        if (flags.z()) System.arraycopy(in.z(), 0, z, 0, z.length);
        if (flags.init()) System.arraycopy(in.initialState(), 0, init, 0, init.length);
        dtLimits[0] = in.timeStep().min();
        dtLimits[1] = in.timeStep().max();
    }
}
