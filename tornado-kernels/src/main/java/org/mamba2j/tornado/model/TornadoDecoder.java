package org.mamba2j.tornado.model;

import org.mamba2j.tornado.DeviceConfig.KernelKey;
import org.mamba2j.tornado.TornadoDevices;
import org.mamba2j.model.Decoder;
import org.mamba2j.model.Mamba2Model;
import org.mamba2j.model.StepProfile;
import org.mamba2j.model.MixerWeights;
import org.mamba2j.tornado.model.DecodePlan;
import org.mamba2j.model.LayerWeights;
import org.mamba2j.model.MixerDims;
import org.mamba2j.tornado.model.PrefillPlan;
import org.mamba2j.tornado.DeviceConfig;
import org.mamba2j.device.DeviceSpec;
import org.mamba2j.device.Precision;
import org.mamba2j.tornado.ssd.TornadoSsd;
import org.mamba2j.tornado.ssd.OffHeap;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

import java.nio.file.Path;

/**
 * Decoding on a TornadoVM device: the prompt through a {@link PrefillPlan} (all positions at once),
 * which leaves its final states in the {@link DecodePlan}'s buffer on the device; then one decode
 * step per token from them. Prompts
 * shorter than the device config's prefill minTokens go token by token through the decode plan
 * instead (for one token that is the same work without the state hand-off). Both plans are graphs
 * of one {@link ModelPlan}, which uploads the weights once ({@link DeviceWeights}: the matrices in
 * the checkpoint's format, F32 or the 16-bit patterns of F16/BF16, float32 math) when this decoder
 * opens. The logits come back into one float[] of this decoder's (valid until the next call, as
 * {@link Decoder} promises). Reach it through {@link Decoders#open}, which checks for TornadoVM
 * before this class loads.
 */
public final class TornadoDecoder implements Decoder {

    private final MixerDims dims;
    private final DeviceConfig config;
    private final boolean devicePrefill;
    private final ModelPlan modelPlan;
    private final DecodePlan plan;
    private final DevicePrefill prefill;
    private final float[] logits;
    private final String deviceName;
    private final long stepBytes;

    public static TornadoDecoder open(Mamba2Model model, DeviceSpec spec, Path deviceConfig) {
        TornadoDevice device = TornadoDevices.device(spec);
        return new TornadoDecoder(model, spec, device, DeviceConfig.forSpec(TornadoDevices.deviceName(device), spec, deviceConfig), false);
    }

    /** With a config of the caller's (checks that force short prefill passes); {@code widen}: float32 weights whatever the checkpoint stores. */
    public static TornadoDecoder open(Mamba2Model model, DeviceSpec spec, DeviceConfig config, boolean widen) {
        return new TornadoDecoder(model, spec, TornadoDevices.device(spec), config, widen);
    }

    /** With a config of the caller's, the weights in the checkpoint's format. */
    public static TornadoDecoder open(Mamba2Model model, DeviceSpec spec, DeviceConfig config) {
        return open(model, spec, config, false);
    }

    private TornadoDecoder(Mamba2Model model, DeviceSpec spec, TornadoDevice device, DeviceConfig config, boolean widen) {
        this.dims = MixerWeights.dims(model.config());
        this.config = config;
        DecodePlan.RowLaunches local = new DecodePlan.RowLaunches(RowLaunch.of(config, KernelKey.MAT_VEC), RowLaunch.of(config, KernelKey.OUT_PROJ),
                RowLaunch.of(config, KernelKey.STEP));
        this.devicePrefill = config.prefill().runsOn(spec.backend());
        this.logits = new float[dims.vocab()];
        DeviceWeights weights = DeviceWeights.of(model, DeviceWeights.Storage.of(config, widen, spec.backend()), spec.backend());
        boolean cudaGraph = config.decode().cudaGraphOn(spec.backend());
        String name = TornadoDevices.deviceName(device);
        this.modelPlan = new ModelPlan(weights);
        this.plan = new DecodePlan(dims, modelPlan, device, local, config.decodeBlocksPerGraph(), cudaGraph, name + " (" + spec + ")");
        this.prefill = devicePrefill
                ? PrefillPlan.open(dims, model.config().chunkSize(), i -> MixerWeights.layerVectors(model, i), modelPlan, device, config, plan.deviceStates())
                : null;
        modelPlan.build(device);
        plan.deviceStates().place();
        this.stepBytes = weights.bytesPerStep(1, dims.dModel());
        int graphs = plan.graphCount();
        this.deviceName = name + " (" + spec + ", TornadoVM, config " + config.name() + ", " + graphs
                + (graphs == 1 ? " task graph" : " task graphs") + " per token" + (cudaGraph ? " replayed as CUDA graphs" : "") + ", "
                + weights.describe() + ", " + modelPlan.memory().describe() + ")";
    }

    @Override
    public float[] prefill(int[] prompt) {
        if (prompt.length == 0) throw new IllegalArgumentException("prefill needs at least one token");
        if (prompt.length < config.prefill().minTokens() || !devicePrefill) {
            plan.reset();
            FloatArray out = null;
            for (int t : prompt) out = plan.step(t);
            return logits(out);
        }
        FloatArray out = prefill.run(prompt);
        plan.continueAfterPrefill();
        return logits(out);
    }

    @Override
    public float[] step(int token) {
        return logits(plan.step(token));
    }

    /** A plan's logits into this decoder's array. */
    private float[] logits(FloatArray out) {
        OffHeap.copy(out, logits);
        return logits;
    }

    @Override
    public StepProfile lastStep() {
        return new StepProfile(1, plan.taskCount(), plan.graphCount(), stepBytes, plan.lastKernelMs(), config.decode().memoryBandwidthGBs());
    }

    @Override
    public int vocab() {
        return dims.vocab();
    }

    @Override
    public Precision precision() {
        return config.precision();
    }

    @Override
    public String deviceName() {
        return deviceName;
    }

    @Override
    public void close() {
        modelPlan.close();
    }
}
