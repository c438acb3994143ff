package org.mamba2j.tornado.model;

import org.mamba2j.tornado.TornadoDevices;
import org.mamba2j.model.Decoder;
import org.mamba2j.model.Mamba2Model;
import org.mamba2j.model.MixerWeights;
import org.mamba2j.tornado.model.DecodePlan;
import org.mamba2j.model.LayerWeights;
import org.mamba2j.model.MixerDims;
import org.mamba2j.tornado.model.PrefillPlan;
import org.mamba2j.tornado.DeviceConfig;
import org.mamba2j.device.DeviceSpec;
import org.mamba2j.tornado.ssd.TornadoSsd;
import org.mamba2j.tornado.ssd.OffHeap;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

import java.nio.file.Path;
import java.util.function.IntFunction;

/**
 * Decoding on a TornadoVM device: the prompt through a {@link PrefillPlan} (all positions at once),
 * whose final states the {@link DecodePlan} resumes from; then one decode step per token. Prompts
 * shorter than the device config's prefill minTokens go token by token through the decode plan
 * instead (for one token that is the same work without the state hand-off). The weights are
 * widened to float32 into off-heap arrays ({@link FloatArray}) and stay on the device in each plan;
 * the prefill plan is built at the first prompt that needs it. The logits come back into one
 * float[] of this decoder's (valid until the next call, as {@link Decoder} promises). Reach it
 * through {@link Decoders#open}, which checks for TornadoVM before this class loads.
 */
public final class TornadoDecoder implements Decoder {

    private final Mamba2Model model;
    private final MixerDims dims;
    private final TornadoDevice device;
    private final DeviceConfig config;
    private final boolean devicePrefill;
    private final DecodePlan plan;
    private final FloatArray normF, embedding, lmHead;
    private final float[] logits;
    private final String deviceName;
    private PrefillPlan prefill;

    public static TornadoDecoder open(Mamba2Model model, DeviceSpec spec, Path deviceConfig) {
        TornadoDevice device = TornadoDevices.device(spec);
        return new TornadoDecoder(model, spec, device, DeviceConfig.forDevice(TornadoDevices.deviceName(device), spec.backend(), deviceConfig));
    }

    /** With a config of the caller's (checks that force short prefill passes). */
    public static TornadoDecoder open(Mamba2Model model, DeviceSpec spec, DeviceConfig config) {
        return new TornadoDecoder(model, spec, TornadoDevices.device(spec), config);
    }

    private TornadoDecoder(Mamba2Model model, DeviceSpec spec, TornadoDevice device, DeviceConfig config) {
        this.model = model;
        this.dims = MixerWeights.dims(model.config());
        this.device = device;
        this.config = config;
        DecodePlan.LocalSizes local = new DecodePlan.LocalSizes(config.kernel("matVec").local(), config.kernel("step").local());
        this.devicePrefill = config.prefill().runsOn(spec.backend());
        // one off-heap host copy for both plans
        this.normF = FloatArray.fromArray(MixerWeights.finalNorm(model));
        this.embedding = FloatArray.fromArray(MixerWeights.embedding(model));
        float[] untied = MixerWeights.untiedLmHead(model);
        this.lmHead = untied == null ? embedding : FloatArray.fromArray(untied);
        this.logits = new float[dims.vocab()];
        this.plan = new DecodePlan(dims, layers(), normF, embedding, lmHead, device, local, config.decodeBlocksPerGraph());
        int graphs = plan.graphCount();
        this.deviceName = TornadoDevices.deviceName(device) + " (" + spec + ", TornadoVM, config " + config.name() + ", "
                + graphs + (graphs == 1 ? " task graph" : " task graphs") + " per token)";
    }

    private IntFunction<LayerWeights> layers() {
        return i -> MixerWeights.layer(model, i);
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
        if (prefill == null) {
            prefill = new PrefillPlan(dims, model.config().chunkSize(), layers(), normF, embedding, lmHead, device, config);
        }
        FloatArray out = prefill.run(prompt);
        plan.resume(prefill.states());
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
    public int vocab() {
        return dims.vocab();
    }

    @Override
    public String deviceName() {
        return deviceName;
    }

    @Override
    public void close() {
        try {
            plan.close();
        } finally {
            if (prefill != null) prefill.close();
        }
    }
}
