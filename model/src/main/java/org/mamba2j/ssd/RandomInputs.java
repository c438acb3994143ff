package org.mamba2j.ssd;

import java.util.SplittableRandom;

/**
 * Random SSD inputs with the statistics of a trained Mamba-2 layer: dt from softplus of a bias
 * around log(expm1(0.01..0.1)), A = −exp(U(log 1, log 16)), unit-scale x, B, C.
 */
public final class RandomInputs {

    private RandomInputs() {
    }

    /**
     * @param dtScale multiplies dt (8 gives strong decay)
     * @param withZ   include a gate
     * @param withInitialState include a non-zero initial state
     */
    public static SsdInputs generate(SsdShape s, long seed, float dtScale, boolean withZ, boolean withInitialState) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] x = gaussian(rnd, s.xSize(), 1f);
        float[] dt = new float[(int) s.dtSize()];
        for (int i = 0; i < dt.length; i++) {
            double target = Math.exp(rnd.nextDouble(Math.log(1e-3), Math.log(1e-1)));
            dt[i] = (float) (target * dtScale);
        }
        float[] A = new float[s.nheads()];
        for (int h = 0; h < A.length; h++) A[h] = (float) -Math.exp(rnd.nextDouble(0, Math.log(16)));
        float[] B = gaussian(rnd, s.bcSize(), 1f);
        float[] C = gaussian(rnd, s.bcSize(), 1f);
        float[] D = gaussian(rnd, s.nheads(), 1f);
        float[] z = withZ ? gaussian(rnd, s.xSize(), 1f) : null;
        float[] init = withInitialState ? gaussian(rnd, s.stateSize(), 0.5f) : null;
        return new SsdInputs(x, dt, A, B, C, D, z, init, TimeStep.RAW);
    }

    public static SsdInputs generate(SsdShape s, long seed) {
        return generate(s, seed, 1f, false, false);
    }

    public static float[] gaussian(SplittableRandom rnd, long n, float scale) {
        float[] a = new float[Math.toIntExact(n)];
        for (int i = 0; i < a.length; i += 2) {
            double u = 1 - rnd.nextDouble(), v = rnd.nextDouble();
            double r = Math.sqrt(-2 * Math.log(u));
            a[i] = (float) (scale * r * Math.cos(2 * Math.PI * v));
            if (i + 1 < a.length) a[i + 1] = (float) (scale * r * Math.sin(2 * Math.PI * v));
        }
        return a;
    }
}
