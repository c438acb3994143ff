/**
 * SSD on TornadoVM devices.
 *
 * <ul>
 * <li>{@link org.mamba2j.tornado.ssd.SsdKernels}: the chunked SSD as loop-parallel kernels over
 * primitive arrays (cumsum, C·Bᵀ, chunk states, state passing, chunk output, decode step), with
 * KernelContext twins of the cumsum (a scan in local memory, for GPUs) and of the decode step;
 * {@link org.mamba2j.tornado.ssd.SsdTiledKernels}: KernelContext/local-memory twins of the two
 * matrix-product kernels; {@link org.mamba2j.tornado.ssd.SsdBlockedKernels} (4×4 outputs per work
 * item) and {@link org.mamba2j.tornado.ssd.SsdBlocked8Kernels} (8×8): register-blocked twins of the
 * three. {@link org.mamba2j.tornado.ssd.KernelPipeline} runs the loop kernels as
 * plain Java (how CI tests them).</li>
 * <li>{@link org.mamba2j.tornado.ssd.SsdPlan} / {@link org.mamba2j.tornado.ssd.StepPlan}: task
 * graphs compiled once per (shape, optional inputs) and reused.</li>
 * <li>{@link org.mamba2j.tornado.ssd.TornadoSsd}: the {@code SsdBackend}; open it with
 * {@link org.mamba2j.tornado.TornadoBackends#open}, which needs no TornadoVM class to fail
 * cleanly. Devices: {@link org.mamba2j.device.DeviceSpec}; tuning:
 * {@link org.mamba2j.tornado.DeviceConfig} (device-configs/*.json).</li>
 * <li>{@link org.mamba2j.tornado.check.TornadoSsdCheck}: the integration check
 * ({@code scripts/tornado-it}).</li>
 * </ul>
 *
 * <p>Only TornadoSsd, SsdPlan, StepPlan, the kernels and the check refer to TornadoVM classes;
 * DeviceSpec, DeviceConfig, SsdDims, CheckCases and TornadoBackends are plain Java.
 */
package org.mamba2j.tornado.ssd;
