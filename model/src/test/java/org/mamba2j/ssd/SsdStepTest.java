package org.mamba2j.ssd;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertTrue;

class SsdStepTest {

    /** Slice of a (batch, seqlen, inner...) tensor: tokens [from, to) of every batch row. */
    static float[] tokens(float[] a, SsdShape s, int inner, int from, int to) {
        if (a == null) return null;
        float[] out = new float[s.batch() * (to - from) * inner];
        for (int b = 0; b < s.batch(); b++) {
            System.arraycopy(a, (b * s.seqlen() + from) * inner, out, b * (to - from) * inner, (to - from) * inner);
        }
        return out;
    }

    static SsdInputs slice(SsdInputs in, SsdShape s, int from, int to, float[] state) {
        int xi = s.nheads() * s.headdim(), bi = s.ngroups() * s.dstate();
        return new SsdInputs(tokens(in.x(), s, xi, from, to), tokens(in.dt(), s, s.nheads(), from, to), in.A(),
                tokens(in.B(), s, bi, from, to), tokens(in.C(), s, bi, from, to), in.D(),
                tokens(in.z(), s, xi, from, to), state, in.timeStep());
    }

    static void assertRel(String what, float[] out, float[] ref, double tol) {
        double[] r = new double[ref.length];
        for (int i = 0; i < r.length; i++) r[i] = ref[i];
        double err = SsdReference.relativeError(out, r);
        assertTrue(err <= tol, what + ": relative error " + err);
    }

    @ParameterizedTest
    @CsvSource({"1,33,4,8,1,16,8", "2,20,4,4,2,8,16", "3,17,6,8,6,4,5", "1,9,2,5,1,40,4", "1,6,80,64,1,128,256"})
    void stepsEqualOneForward(int batch, int L, int H, int P, int G, int N, int Q) {
        SsdShape s = new SsdShape(batch, L, H, P, G, N, Q);
        SsdInputs in = RandomInputs.generate(s, 42 + L, 1f, true, true);
        SsdResult full = Ssd.forward(s, in);
        float[] state = in.initialState().clone();
        float[] y = new float[(int) s.xSize()];
        Arrays.fill(y, Float.NaN);
        int xi = H * P;
        for (int t = 0; t < L; t++) {
            float[] yt = Ssd.step(s, slice(in, s, t, t + 1, null), state);
            for (int b = 0; b < batch; b++) System.arraycopy(yt, b * xi, y, (b * L + t) * xi, xi);
        }
        assertRel("y", y, full.y(), 1e-5);
        assertRel("state", state, full.finalState(), 1e-5);
    }

    @ParameterizedTest
    @CsvSource({"1,100,4,8,2,16,16", "2,77,2,8,1,8,32", "1,64,4,4,4,8,64"})
    void forwardSplitAnywhereContinuesFromState(int batch, int L, int H, int P, int G, int N, int Q) {
        SsdShape s = new SsdShape(batch, L, H, P, G, N, Q);
        SsdInputs in = RandomInputs.generate(s, 7 + L, 1f, true, false);
        SsdResult full = Ssd.forward(s, in);
        int xi = H * P;
        for (int split = 1; split < L; split += Math.max(1, L / 9)) {
            SsdShape s1 = s.withSeqlen(split), s2 = s.withSeqlen(L - split);
            SsdResult first = Ssd.forward(s1, slice(in, s, 0, split, null));
            SsdResult second = Ssd.forward(s2, slice(in, s, split, L, first.finalState()));
            float[] y = new float[(int) s.xSize()];
            for (int b = 0; b < batch; b++) {
                System.arraycopy(first.y(), b * split * xi, y, b * L * xi, split * xi);
                System.arraycopy(second.y(), b * (L - split) * xi, y, (b * L + split) * xi, (L - split) * xi);
            }
            assertRel("y split at " + split, y, full.y(), 1e-5);
            assertRel("state split at " + split, second.finalState(), full.finalState(), 1e-5);
        }
    }
}
