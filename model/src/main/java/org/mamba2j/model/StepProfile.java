package org.mamba2j.model;

import java.util.Locale;

/**
 * What one decode step costs on a device: {@code sequences} tokens (the batch), {@code tasks}
 * kernel launches in {@code graphs} task-graph executions (replays where the device replays them),
 * {@code weightBytes} of weights read, the device's kernel time of the last step ({@code kernelMs},
 * NaN unless profiling) and the memory bandwidth the device config names as its peak
 * ({@code peakGBs}, NaN where it names none).
 */
public record StepProfile(int sequences, int tasks, int graphs, long weightBytes, double kernelMs, double peakGBs) {

    /** The weights' bytes over a step of {@code stepMs}, as a fraction of the peak (NaN without one). */
    public double bandwidthFraction(double stepMs) {
        return weightBytes / (stepMs / 1e3) / 1e9 / peakGBs;
    }

    /** One line for a step of {@code stepMs} wall time: tasks, graph executions, kernel and host time, weights read and their bandwidth. */
    public String describe(double stepMs) {
        double gbs = weightBytes / (stepMs / 1e3) / 1e9;
        return String.format(Locale.ROOT, "per step (%d token%s): %d tasks in %d graph executions, %.3f ms wall, device kernels %s, "
                        + "host and launch %s, weights %.1f MB read (%.0f GB/s%s)", sequences, sequences == 1 ? "" : "s", tasks, graphs, stepMs,
                Double.isNaN(kernelMs) ? "– (no profiler)" : String.format(Locale.ROOT, "%.3f ms", kernelMs),
                Double.isNaN(kernelMs) ? "–" : String.format(Locale.ROOT, "%.3f ms", stepMs - kernelMs), weightBytes / 1e6, gbs,
                Double.isNaN(peakGBs) ? "" : String.format(Locale.ROOT, ", %.1f%% of %.0f GB/s", 100 * gbs / peakGBs, peakGBs));
    }
}
