package org.mamba2j.device;

/** One device: the spec to pass to --device, and what the device reports about itself (−1: unknown). */
public record DeviceInfo(String spec, String backend, String name, long memoryBytes, int computeUnits) {
}
