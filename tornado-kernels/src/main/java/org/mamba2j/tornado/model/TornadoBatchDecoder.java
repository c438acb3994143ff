package org.mamba2j.tornado.model;

import org.mamba2j.device.DeviceSpec;
import org.mamba2j.device.Precision;
import org.mamba2j.model.BatchDecoder;
import org.mamba2j.model.Mamba2Model;
import org.mamba2j.model.MixerDims;
import org.mamba2j.model.MixerWeights;
import org.mamba2j.model.StepProfile;
import org.mamba2j.tornado.DeviceConfig;
import org.mamba2j.tornado.TornadoDevices;
import org.mamba2j.tornado.ssd.OffHeap;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * Batched decoding on a TornadoVM device: one {@link ModelPlan} (the weights once) with the
 * prefill ({@link PrefillPlan}) and the batched step ({@link BatchDecodePlan}). A prompt long
 * enough for the device prefill runs through it alone and its states go into its slot (on the device:
 * {@link BatchDecodePlan#handoff}); a shorter
 * one goes token by token through batched steps in which only its slot runs (the others hold), as
 * {@link TornadoDecoder} runs it through its batch-1 step. A step brings back each slot's greedy
 * pick; the logits come back only when a sequence samples ({@link #logits}), into a float[] per slot.
 */
public final class TornadoBatchDecoder implements BatchDecoder {

    private final MixerDims dims;
    private final DeviceConfig config;
    private final boolean devicePrefill;
    private final ModelPlan modelPlan;
    private final BatchDecodePlan plan;
    private final DevicePrefill prefill;
    private final float[][] logits;
    private final int[] modes;
    /** The last step's logits of every slot, once fetched ({@code fetched}). */
    private FloatArray all;
    private boolean fetched;
    private final String deviceName;
    private final long stepBytes;

    public static TornadoBatchDecoder open(Mamba2Model model, DeviceSpec spec, Path deviceConfig, int capacity) {
        TornadoDevice device = TornadoDevices.device(spec);
        return new TornadoBatchDecoder(model, spec, device, DeviceConfig.forSpec(TornadoDevices.deviceName(device), spec, deviceConfig),
                capacity);
    }

    /** With a config of the caller's (checks that pick kernel variants or prefill lengths). */
    public static TornadoBatchDecoder open(Mamba2Model model, DeviceSpec spec, DeviceConfig config, int capacity) {
        return new TornadoBatchDecoder(model, spec, TornadoDevices.device(spec), config, capacity);
    }

    private TornadoBatchDecoder(Mamba2Model model, DeviceSpec spec, TornadoDevice device, DeviceConfig config, int capacity) {
        this.dims = MixerWeights.dims(model.config());
        this.config = config;
        this.devicePrefill = config.prefill().runsOn(spec.backend());
        this.logits = new float[BatchDecoder.checkCapacity(capacity)][dims.vocab()];
        this.modes = new int[capacity];
        DeviceWeights weights = DeviceWeights.of(model, DeviceWeights.Storage.of(config, false, spec.backend()), spec.backend());
        boolean cudaGraph = config.decode().cudaGraphOn(spec.backend());
        this.modelPlan = new ModelPlan(weights);
        this.plan = new BatchDecodePlan(dims, modelPlan, device, config, capacity, cudaGraph);
        this.prefill = devicePrefill ? PrefillPlan.open(dims, model.config().chunkSize(), i -> MixerWeights.layerVectors(model, i), modelPlan, device, config,
                plan.handoff())
                : null;
        modelPlan.build(device);
        plan.handoff().place();
        this.stepBytes = weights.bytesPerStep(capacity, dims.dModel());
        int graphs = plan.graphCount();
        this.deviceName = TornadoDevices.deviceName(device) + " (" + spec + ", TornadoVM, config " + config.name() + ", batch " + capacity + ", "
                + plan.taskCount() + " tasks in " + graphs + (graphs == 1 ? " task graph" : " task graphs") + " per step"
                + (cudaGraph ? " replayed as CUDA graphs" : "") + splitNote(plan.splits())
                + (plan.onTensorCores().isEmpty() ? "" : ", on tensor cores: " + String.join(", ", plan.onTensorCores()))
                + (plan.ssmStates() == BatchStates.F32 ? "" : ", SSM states " + plan.ssmStates().name().toLowerCase(Locale.ROOT)) + ", "
                + weights.describe() + ", " + modelPlan.memory().describe() + ")";
    }

    /** ", k of in_proj in 5 splits, of out_proj in 8" where the batch GEMMs split k, else nothing. */
    private static String splitNote(int[] splits) {
        return splits[0] == 1 && splits[1] == 1 ? "" : ", k of in_proj in " + splits[0] + " splits, of out_proj in " + splits[1];
    }

    @Override
    public int capacity() {
        return logits.length;
    }

    @Override
    public float[] prefill(int slot, int[] prompt) {
        if (prompt.length == 0) throw new IllegalArgumentException("prefill needs at least one token");
        if (slot < 0 || slot >= capacity()) throw new IllegalArgumentException("slot " + slot + " of a batch of " + capacity());
        if (prompt.length < config.prefill().minTokens() || !devicePrefill) {
            int[] tokens = new int[capacity()];
            Arrays.fill(modes, BatchKernels.HOLD);
            for (int i = 0; i < prompt.length; i++) {
                tokens[slot] = prompt[i];
                modes[slot] = i == 0 ? BatchKernels.RESTART : BatchKernels.STEP;
                plan.step(tokens, modes);
            }
            fetched = false;
            return logits(slot);
        }
        FloatArray out = prefill.run(prompt);
        plan.load(slot);
        OffHeap.copy(out, logits[slot]);
        return logits[slot];
    }

    @Override
    public void step(int[] tokens, boolean[] active) {
        for (int s = 0; s < capacity(); s++) modes[s] = active[s] ? BatchKernels.STEP : BatchKernels.HOLD;
        plan.step(tokens, modes);
        fetched = false;
    }

    /** The slot's row of the last step's logits, fetched from the device once per step on the first call. */
    @Override
    public float[] logits(int slot) {
        if (!fetched) {
            all = plan.logits();
            fetched = true;
        }
        OffHeap.copy(all, slot * dims.vocab(), logits[slot], 0, dims.vocab());
        return logits[slot];
    }

    /** Picked on the device: the logits stay there. */
    @Override
    public int argmax(int slot) {
        return plan.picks().get(slot);
    }

    @Override
    public StepProfile lastStep() {
        return new StepProfile(capacity(), plan.taskCount(), plan.graphCount(), stepBytes, plan.lastKernelMs(), config.decode().memoryBandwidthGBs());
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
