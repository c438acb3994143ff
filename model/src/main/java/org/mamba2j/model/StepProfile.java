package org.mamba2j.model;

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
}
