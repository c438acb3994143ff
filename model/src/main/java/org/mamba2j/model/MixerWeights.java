package org.mamba2j.model;

import org.mamba2j.io.SafeTensors.DType;

import java.lang.foreign.MemorySegment;

/** The model's sizes and weights as the device kernels take them (small vectors in float32, A as −exp(A_log); matrices as stored); plain Java. */
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

    /** Block i's small weights, without the projections (null there): for a device that keeps those as stored. */
    public static LayerWeights layerVectors(Mamba2Model model, int i) {
        Mamba2Model.Layer l = model.layer(i);
        return new LayerWeights(l.norm, null, l.convW, l.convB, l.timeStep.bias(), l.A, l.D, l.gateNorm, null);
    }

    /**
     * A weight matrix as the checkpoint stores it: dtype F32, F16 or BF16, rows × cols elements
     * little-endian and row-major in {@code data} (read-only; valid while the model is open).
     */
    public record StoredMatrix(DType dtype, int rows, int cols, MemorySegment data) {
        public long elements() {
            return (long) rows * cols;
        }
    }

    /** Block i's in_proj (dInProj × dModel) as stored. */
    public static StoredMatrix inProj(Mamba2Model model, int i) {
        return stored(model.layer(i).inProj);
    }

    /** Block i's out_proj (dModel × dInner) as stored. */
    public static StoredMatrix outProj(Mamba2Model model, int i) {
        return stored(model.layer(i).outProj);
    }

    /** The token embedding (vocab × dModel) as stored. */
    public static StoredMatrix storedEmbedding(Mamba2Model model) {
        return stored(model.embedding());
    }

    /** The LM head as stored, or null when it is the embedding (tied weights). */
    public static StoredMatrix storedLmHead(Mamba2Model model) {
        return model.lmHead() == model.embedding() ? null : stored(model.lmHead());
    }

    /** As stored; a Q8_0 matrix dequantized to F32 (devices keep F32, F16 or BF16). */
    private static StoredMatrix stored(Matrix m) {
        if (m.type == WeightType.Q8_0) return new StoredMatrix(DType.F32, m.rows, m.cols, MemorySegment.ofArray(m.toFloats()));
        return new StoredMatrix(m.type.dtype, m.rows, m.cols, m.stored());
    }

    /** The final RMSNorm's weight. */
    public static float[] finalNorm(Mamba2Model model) {
        return model.normF();
    }
}
