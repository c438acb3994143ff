package org.mamba2j.model;

import org.mamba2j.model.kernels.LayerWeights;
import org.mamba2j.model.kernels.MixerDims;

/** The model's sizes and weights as the device kernels take them (float32, A as −exp(A_log)); plain Java. */
final class MixerWeights {

    private MixerWeights() {
    }

    /** Refuses what the device kernels do not implement, with one line saying which. */
    static MixerDims dims(Mamba2Config c) {
        if (c.useBias()) throw new IllegalArgumentException("the TornadoVM decoder does not support in_proj/out_proj biases (use_bias=true)");
        if (c.normBeforeGate()) throw new IllegalArgumentException("the TornadoVM decoder does not support norm_before_gate=true");
        return new MixerDims(c.dModel(), c.nLayer(), c.paddedVocab(), c.nheads(), c.headdim(), c.ngroups(),
                c.dState(), c.dConv(), c.normEps(), c.mixerNormEps(), c.dtMin(), c.dtMax());
    }

    /** Block i's weights, the projections widened to float32 (a new copy per call). */
    static LayerWeights layer(Mamba2Model model, int i) {
        Mamba2Model.Layer l = model.layer(i);
        return new LayerWeights(l.norm, l.inProj.toFloats(), l.convW, l.convB, l.timeStep.bias(), l.A, l.D,
                l.gateNorm, l.outProj.toFloats());
    }
}
