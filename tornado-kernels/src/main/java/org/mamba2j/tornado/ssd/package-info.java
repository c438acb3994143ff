/**
 * The chunked SSD on TornadoVM devices.
 *
 * <ul>
 * <li>{@link org.mamba2j.tornado.ssd.SsdKernels}: the chunked SSD as loop-parallel kernels (chunk
 * cumsum, C·Bᵀ, chunk states, state passing, chunk output, decode step), with KernelContext twins
 * of the cumsum (a scan in local memory, for GPUs) and of the decode step;
 * {@link org.mamba2j.tornado.ssd.SsdTiledKernels}: local-memory twins of the two matrix-product
 * kernels; {@link org.mamba2j.tornado.ssd.SsdBlockedKernels} (4×4 outputs per work item),
 * {@link org.mamba2j.tornado.ssd.SsdBlocked84Kernels} (8×4) and {@link org.mamba2j.tornado.ssd.SsdBlocked8Kernels}
 * (8×8): register-blocked twins, generated from the templates in src/main/templates (docs/design.md).
 * {@link org.mamba2j.tornado.ssd.KernelPipeline} runs the loop kernels as plain Java.</li>
 * <li>{@link org.mamba2j.tornado.ssd.SsdPlan} / {@link org.mamba2j.tornado.ssd.StepPlan}: task
 * graphs compiled once per (shape, optional inputs) and reused.</li>
 * <li>{@link org.mamba2j.tornado.ssd.TornadoSsd}: the {@code SsdBackend}, opened through
 * {@link org.mamba2j.tornado.TornadoAccelerator}; tuning from {@link org.mamba2j.tornado.DeviceConfig}
 * (device-configs/*.json).</li>
 * </ul>
 */
package org.mamba2j.tornado.ssd;
