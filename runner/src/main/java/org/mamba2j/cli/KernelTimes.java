package org.mamba2j.cli;

import org.mamba2j.ssd.SsdBackend;

import java.util.Arrays;

/** The device kernel time of the last {@code keep} calls, where the backend measures it. */
final class KernelTimes {

    private final SsdBackend backend;
    private final double[] ring;
    private int count;

    KernelTimes(SsdBackend backend, int keep) {
        this.backend = backend;
        this.ring = new double[keep];
    }

    void record() {
        ring[count++ % ring.length] = backend.lastKernelMillis();
    }

    boolean measured() {
        return count > 0 && !Double.isNaN(median());
    }

    double median() {
        double[] v = Arrays.copyOf(ring, Math.min(count, ring.length));
        Arrays.sort(v);
        int n = v.length;
        return n == 0 ? Double.NaN : n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }
}
