package org.mamba2j.ssd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import static org.mamba2j.ssd.TileKernels.S;
import static org.mamba2j.ssd.TileKernels.VL;

/** SSD on the JVM: the chunked algorithm for forward, the recurrence for step. */
public final class JvmSsd implements SsdBackend {

    public static final JvmSsd INSTANCE = new JvmSsd();

    private JvmSsd() {
    }

    @Override
    public String deviceName() {
        return "JVM (" + Runtime.getRuntime().availableProcessors() + " cores, Vector API)";
    }

    @Override
    public void forward(SsdShape shape, SsdInputs in, float[] y, float[] finalState) {
        ChunkedSsd.forward(shape, in, y, finalState);
    }

    @Override
    public void step(SsdShape shape, SsdInputs in, float[] state, float[] y) {
        SsdShape s = in.validateStep(shape, state, y);
        Team.SHARED.forEach(s.batch() * s.nheads(), bh -> stepHead(s, in, state, y, bh));
    }

    /** h = exp(dt·A)·h + dt·x ⊗ B, y = (h·C + D·x)·silu(z) for one (batch, head), vectorized over dstate. */
    private static void stepHead(SsdShape s, SsdInputs in, float[] state, float[] y, int bh) {
        int H = s.nheads(), P = s.headdim(), N = s.dstate(), G = s.ngroups();
        int b = bh / H, h = bh % H;
        int xo = bh * P, bo = (b * G + s.groupOf(h)) * N, so = bh * P * N, nv = N - N % VL;
        float[] B = in.B(), C = in.C(), x = in.x();
        float dt = in.timeStep().apply(in.dt()[bh], h);
        float decay = (float) Math.exp(dt * in.A()[h]);
        FloatVector dv = FloatVector.broadcast(S, decay);
        for (int p = 0; p < P; p++) {
            float xdt = x[xo + p] * dt;
            FloatVector xv = FloatVector.broadcast(S, xdt), acc = FloatVector.zero(S);
            int row = so + p * N, n = 0;
            for (; n < nv; n += VL) {
                FloatVector v = FloatVector.fromArray(S, B, bo + n).fma(xv, FloatVector.fromArray(S, state, row + n).mul(dv));
                v.intoArray(state, row + n);
                acc = v.fma(FloatVector.fromArray(S, C, bo + n), acc);
            }
            float sum = acc.reduceLanes(VectorOperators.ADD);
            for (; n < N; n++) {
                float v = decay * state[row + n] + xdt * B[bo + n];
                state[row + n] = v;
                sum += v * C[bo + n];
            }
            float out = sum + in.D()[h] * x[xo + p];
            if (in.z() != null) out *= ChunkedSsd.silu(in.z()[xo + p]);
            y[xo + p] = out;
        }
    }
}
