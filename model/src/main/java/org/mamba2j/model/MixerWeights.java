package org.mamba2j.model;


/** The model's sizes and weights as the device kernels take them (float32, A as −exp(A_log)); plain Java. */
public final class MixerWeights {

    private MixerWeights() {
    }

    /** Refuses what the device kernels do not implement, with one line saying which. */
    public static MixerDims dims(Mamba2Config c) {
        if (c.useBias()) throw new IllegalArgumentException("the TornadoVM decoder does not support in_proj/out_proj biases (use_bias=true)");
        if (c.normBeforeGate()) throw new IllegalArgumentException("the TornadoVM decoder does not support norm_before_gate=true");
        return new MixerDims(c.dModel(), c.nLayer(), c.paddedVocab(), c.nheads(), c.headdim(), c.ngroups(),
                c.dState(), c.dConv(), c.normEps(), c.mixerNormEps(), c.dtMin(), c.dtMax());
    }

    /** Block i's weights, the projections widened to float32 (a new copy per call). */
    public static LayerWeights layer(Mamba2Model model, int i) {
        Mamba2Model.Layer l = model.layer(i);
        return new LayerWeights(l.norm, l.inProj.toFloats(), l.convW, l.convB, l.timeStep.bias(), l.A, l.D,
                l.gateNorm, l.outProj.toFloats());
    }

    /** The token embedding (vocab × dModel), widened to float32 (a new copy per call). */
    public static float[] embedding(Mamba2Model model) {
        return model.embedding().toFloats();
    }

    /** The LM head widened to float32, or null when it is the embedding (tied weights). */
    public static float[] untiedLmHead(Mamba2Model model) {
        return model.lmHead() == model.embedding() ? null : model.lmHead().toFloats();
    }

    /** The final RMSNorm's weight. */
    public static float[] finalNorm(Mamba2Model model) {
        return model.normF();
    }
}
