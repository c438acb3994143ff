package org.mamba2j.cli;

import java.util.Arrays;

/** Wall-clock timings of a repeated call: the first call (JIT included) apart from the warm runs. */
record Timings(double firstMs, double[] sortedMs) {

    static Timings measure(Runnable call, int warmup, int iters, Runnable afterFirst) {
        long t0 = System.nanoTime();
        call.run();
        double first = (System.nanoTime() - t0) / 1e6;
        afterFirst.run();
        for (int i = 0; i < warmup; i++) call.run();
        double[] ms = new double[iters];
        for (int i = 0; i < iters; i++) {
            long s = System.nanoTime();
            call.run();
            ms[i] = (System.nanoTime() - s) / 1e6;
        }
        Arrays.sort(ms);
        return new Timings(first, ms);
    }

    /** Warm timings per unit of work, for calls that each do {@code units} of it (the first call stays whole). */
    Timings perUnit(int units) {
        double[] ms = sortedMs.clone();
        for (int i = 0; i < ms.length; i++) ms[i] /= units;
        return new Timings(firstMs, ms);
    }

    double median() {
        int n = sortedMs.length;
        return n % 2 == 1 ? sortedMs[n / 2] : (sortedMs[n / 2 - 1] + sortedMs[n / 2]) / 2;
    }

    double min() { return sortedMs[0]; }

    double max() { return sortedMs[sortedMs.length - 1]; }

    /** Interquartile range relative to the median: the spread we quote beside the median. */
    double relativeIqr() {
        return (quantile(0.75) - quantile(0.25)) / median();
    }

    private double quantile(double q) {
        double pos = q * (sortedMs.length - 1);
        int lo = (int) Math.floor(pos), hi = (int) Math.ceil(pos);
        return sortedMs[lo] + (pos - lo) * (sortedMs[hi] - sortedMs[lo]);
    }
}
