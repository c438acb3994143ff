package org.mamba2j.cli;

import org.mamba2j.device.Precision;

import org.mamba2j.model.StepProfile;

/**
 * One (device, workload) cell of the benchmark; a failed cell keeps the reason instead of numbers.
 * Decode workloads on a device carry their step's profile ({@link StepProfile}; null elsewhere).
 */
record BenchResult(String device, String deviceName, String workload, int chunk, String status, String error,
                   double firstCallMs, double medianMs, double minMs, double maxMs, double relIqr, double kernelMs,
                   double throughput, String unit, double gflops, double relErr, StepProfile step) {

    /** The chunk column of a workload that runs no chunked SSD of its own choosing. */
    static final int NO_CHUNK = 0;

    /** Relative error above which a result counts as wrong: float32 products. */
    static final double TOLERANCE = 1e-4;
    /** The same at precision fast: fp16 operands (11 significant bits), float32 accumulation. */
    static final double FAST_TOLERANCE = 1e-2;

    static double tolerance(Precision p) {
        return p == Precision.FAST ? FAST_TOLERANCE : TOLERANCE;
    }

    /** A measured cell, checked against the tolerance of the precision that ran. */
    static BenchResult ok(String device, String deviceName, String workload, int chunk, Timings t, double kernelMs, double throughput,
                          String unit, double gflops, double relErr, Precision precision) {
        double tol = tolerance(precision);
        String status = relErr <= tol ? "ok" : "wrong";
        String error = relErr <= tol ? "" : "relative error " + relErr + " above " + tol;
        return new BenchResult(device, deviceName, workload, chunk, status, error, t.firstMs(), t.median(), t.min(), t.max(),
                t.relativeIqr(), kernelMs, throughput, unit, gflops, relErr, null);
    }

    static BenchResult failed(String device, String workload, String error) {
        return new BenchResult(device, "", workload, NO_CHUNK, "failed", error, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                Double.NaN, Double.NaN, Double.NaN, "", Double.NaN, Double.NaN, null);
    }

    /** This result with {@code suffix} after its device (the run's device config or round, when a bench has several). */
    BenchResult labelled(String suffix) {
        return suffix.isEmpty() ? this : new BenchResult(device + suffix, deviceName, workload, chunk, status, error, firstCallMs, medianMs,
                minMs, maxMs, relIqr, kernelMs, throughput, unit, gflops, relErr, step);
    }

    /**
     * This result with a decode step's profile (median = one step): the device kernel time of the
     * step goes into the kernel column. Null (the JVM) leaves it as it is.
     */
    BenchResult withStep(StepProfile p) {
        if (p == null) return this;
        return new BenchResult(device, deviceName, workload, chunk, status, error, firstCallMs, medianMs, minMs, maxMs, relIqr, p.kernelMs(),
                throughput, unit, gflops, relErr, p);
    }

    /** Host and launch time of a step: wall minus the device's kernel time (NaN without either). */
    double hostMs() {
        return step == null ? Double.NaN : medianMs - step.kernelMs();
    }

    boolean isOk() {
        return status.equals("ok");
    }
}
