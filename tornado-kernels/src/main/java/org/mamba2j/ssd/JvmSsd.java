package org.mamba2j.ssd;

import java.util.stream.IntStream;

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
        SsdShape s = shape.withSeqlen(1);
        if (in.initialState() != null) throw new IllegalArgumentException("step takes the state separately, not as initial_state");
        in.validate(s);
        SsdInputs.check("state", state, s.stateSize());
        SsdInputs.check("y", y, s.xSize());
        int H = s.nheads(), P = s.headdim(), N = s.dstate(), G = s.ngroups();
        IntStream.range(0, s.batch() * H).parallel().forEach(bh -> {
            int b = bh / H, h = bh % H;
            int xo = bh * P, bo = (b * G + s.groupOf(h)) * N, so = bh * P * N;
            float dt = in.timeStep().apply(in.dt()[bh], h);
            float decay = (float) Math.exp(dt * in.A()[h]);
            for (int p = 0; p < P; p++) {
                float xdt = in.x()[xo + p] * dt, acc = 0f;
                for (int n = 0; n < N; n++) {
                    int i = so + p * N + n;
                    float v = decay * state[i] + xdt * in.B()[bo + n];
                    state[i] = v;
                    acc += v * in.C()[bo + n];
                }
                float out = acc + in.D()[h] * in.x()[xo + p];
                if (in.z() != null) out *= ChunkedSsd.silu(in.z()[xo + p]);
                y[xo + p] = out;
            }
        });
    }
}
