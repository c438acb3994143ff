/**
 * SSD on TornadoVM devices.
 *
 * <ul>
 * <li>{@link org.mamba2j.ssd.tornado.SsdKernels}: the chunked SSD as loop-parallel kernels over
 * off-heap FloatArray/IntArray buffers (cumsum, C·Bᵀ, chunk states, state passing, chunk output, decode step), with
 * KernelContext twins of the cumsum (a scan in local memory, for GPUs) and of the decode step;
 * {@link org.mamba2j.ssd.tornado.SsdTiledKernels}: KernelContext/local-memory twins of the two
 * matrix-product kernels; {@link org.mamba2j.ssd.tornado.SsdBlockedKernels} (4×4 outputs per work
 * item) and {@link org.mamba2j.ssd.tornado.SsdBlocked8Kernels} (8×8): register-blocked twins of the
 * three. {@link org.mamba2j.ssd.tornado.KernelPipeline} runs the loop kernels as
 * plain Java (how CI tests them).</li>
 * <li>{@link org.mamba2j.ssd.tornado.SsdPlan} / {@link org.mamba2j.ssd.tornado.StepPlan}: task
 * graphs compiled once per (shape, optional inputs) and reused.</li>
 * <li>{@link org.mamba2j.ssd.tornado.TornadoSsd}: the {@code SsdBackend}; open it with
 * {@link org.mamba2j.ssd.tornado.TornadoBackends#open}, which needs no TornadoVM class to fail
 * cleanly. Devices: {@link org.mamba2j.ssd.tornado.DeviceSpec}; tuning:
 * {@link org.mamba2j.ssd.tornado.DeviceConfig} (device-configs/*.json).</li>
 * <li>{@link org.mamba2j.ssd.tornado.TornadoSsdCheck}: the integration check
 * ({@code scripts/tornado-it}).</li>
 * </ul>
 *
 * <p>Only TornadoSsd, SsdPlan, StepPlan, the kernels and the check refer to TornadoVM classes;
 * DeviceSpec, DeviceConfig, SsdDims, CheckCases and TornadoBackends are plain Java.
 */
package org.mamba2j.ssd.tornado;
