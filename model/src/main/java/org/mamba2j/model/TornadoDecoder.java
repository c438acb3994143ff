package org.mamba2j.model;

import org.mamba2j.model.kernels.DecodePlan;
import org.mamba2j.model.kernels.LayerWeights;
import org.mamba2j.model.kernels.MixerDims;
import org.mamba2j.ssd.tornado.DeviceConfig;
import org.mamba2j.ssd.tornado.DeviceSpec;
import org.mamba2j.ssd.tornado.TornadoSsd;
import uk.ac.manchester.tornado.api.common.TornadoDevice;

import java.nio.file.Path;
import java.util.function.IntFunction;

/**
 * Decoding on a TornadoVM device through a {@link DecodePlan}: the weights are widened to float32
 * once and stay on the device with every state. The prompt goes through the same recurrent plan,
 * token by token, so the states never leave the device.
 * Reach it through {@link Decoders#open}, which checks for TornadoVM before this class loads.
 */
final class TornadoDecoder implements Decoder {

    private final DecodePlan plan;
    private final int vocab;
    private final String deviceName;

    static TornadoDecoder open(Mamba2Model model, DeviceSpec spec, Path deviceConfig) {
        TornadoDevice device = TornadoSsd.device(spec);
        String name = TornadoSsd.deviceName(device);
        DeviceConfig config = DeviceConfig.forDevice(name, deviceConfig);
        DecodePlan.LocalSizes local = new DecodePlan.LocalSizes(config.kernel("matVec").local(), config.kernel("step").local());
        // execution graphs exist on the PTX backend only (CUDA graphs)
        boolean graphs = config.executionGraphs() && spec.backend() == DeviceSpec.Backend.PTX;
        return new TornadoDecoder(model, device, local, config.decodeBlocksPerGraph(), graphs,
                name + " (" + spec + ", TornadoVM, config " + config.name() + (graphs ? ", CUDA graph" : ""));
    }

    private TornadoDecoder(Mamba2Model model, TornadoDevice device, DecodePlan.LocalSizes local, int blocksPerGraph,
                           boolean executionGraphs, String deviceName) {
        Mamba2Config c = model.config();
        if (c.useBias()) throw new IllegalArgumentException("the TornadoVM decoder does not support in_proj/out_proj biases (use_bias=true)");
        if (c.normBeforeGate()) throw new IllegalArgumentException("the TornadoVM decoder does not support norm_before_gate=true");
        MixerDims dims = new MixerDims(c.dModel(), c.nLayer(), c.paddedVocab(), c.nheads(), c.headdim(), c.ngroups(),
                c.dState(), c.dConv(), c.normEps(), c.mixerNormEps(), c.dtMin(), c.dtMax());
        IntFunction<LayerWeights> layers = i -> {
            Mamba2Model.Layer l = model.layer(i);
            return new LayerWeights(l.norm, l.inProj.toFloats(), l.convW, l.convB, l.timeStep.bias(), l.A, l.D,
                    l.gateNorm, l.outProj.toFloats());
        };
        float[] embedding = model.embedding().toFloats();
        float[] lmHead = model.lmHead() == model.embedding() ? embedding : model.lmHead().toFloats();
        this.plan = new DecodePlan(dims, layers, model.normF(), embedding, lmHead, device, local, blocksPerGraph, executionGraphs);
        this.vocab = c.paddedVocab();
        int graphs = plan.graphCount();
        this.deviceName = deviceName + ", " + graphs + (graphs == 1 ? " task graph" : " task graphs") + " per token)";
    }

    @Override
    public float[] prefill(int[] prompt) {
        if (prompt.length == 0) throw new IllegalArgumentException("prefill needs at least one token");
        plan.reset();
        float[] logits = null;
        for (int t : prompt) logits = plan.step(t);
        return logits;
    }

    @Override
    public float[] step(int token) {
        return plan.step(token);
    }

    @Override
    public int vocab() {
        return vocab;
    }

    @Override
    public String deviceName() {
        return deviceName;
    }

    @Override
    public void close() {
        plan.close();
    }
}
