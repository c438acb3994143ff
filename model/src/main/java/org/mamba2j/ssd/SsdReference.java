package org.mamba2j.ssd;

import java.util.stream.IntStream;

/**
 * The defining recurrence in float64, token by token: the ground truth for tests and --check.
 * h_t = exp(dt_t·A)·h_{t-1} + dt_t·x_t⊗B_t,  y_t = (h_t·C_t + D·x_t)·silu(z_t).
 */
public final class SsdReference {

    /** y and the final state in float64, in the layouts of {@link SsdShape}. */
    public record Exact(double[] y, double[] finalState) {
    }

    private SsdReference() {
    }

    public static Exact forward(SsdShape s, SsdInputs in) {
        in.validate(s);
        int L = s.seqlen(), H = s.nheads(), P = s.headdim(), N = s.dstate(), G = s.ngroups();
        double[] y = new double[(int) s.xSize()];
        double[] state = new double[(int) s.stateSize()];
        if (in.initialState() != null) for (int i = 0; i < state.length; i++) state[i] = in.initialState()[i];
        // Heads are independent; each (batch, head) runs its own recurrence over time.
        IntStream.range(0, s.batch() * H).parallel().forEach(bh -> {
            int b = bh / H, h = bh % H, so = bh * P * N;
            for (int t = 0; t < L; t++) {
                int bt = b * L + t, xo = (bt * H + h) * P, bo = (bt * G + s.groupOf(h)) * N;
                double dt = in.timeStep().applyExact(in.dt()[bt * H + h], h);
                double decay = Math.exp(dt * in.A()[h]);
                for (int p = 0; p < P; p++) {
                    double acc = 0;
                    for (int n = 0; n < N; n++) {
                        int i = so + p * N + n;
                        state[i] = decay * state[i] + dt * in.x()[xo + p] * in.B()[bo + n];
                        acc += state[i] * in.C()[bo + n];
                    }
                    double out = acc + in.D()[h] * in.x()[xo + p];
                    if (in.z() != null) out *= silu(in.z()[xo + p]);
                    y[xo + p] = out;
                }
            }
        });
        return new Exact(y, state);
    }

    static double silu(double v) {
        return v / (1.0 + Math.exp(-v));
    }

    /** ‖out − ref‖ / ‖ref‖ (absolute norm of out where ref is all zeros). */
    public static double relativeError(float[] out, double[] ref) {
        if (out.length != ref.length) throw new IllegalArgumentException("length " + out.length + " vs " + ref.length);
        double num = 0, den = 0;
        for (int i = 0; i < ref.length; i++) {
            double d = out[i] - ref[i];
            num += d * d;
            den += ref[i] * ref[i];
        }
        if (Double.isNaN(num)) return Double.NaN;
        return den == 0 ? Math.sqrt(num) : Math.sqrt(num / den);
    }
}
