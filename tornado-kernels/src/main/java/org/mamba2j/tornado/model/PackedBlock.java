package org.mamba2j.tornado.model;

import org.mamba2j.model.LayerWeights;
import org.mamba2j.model.MixerDims;

import org.mamba2j.tornado.ssd.OffHeap;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

/**
 * Where each of a block's weights sits in its packed off-heap array ({@link FloatArray}):
 * norm | inProj | convW | convB | dtBias | aNeg | D | dtMin, dtMax | gatedNorm | outProj, in the
 * layouts of {@link LayerWeights}. One array per block keeps a decode task graph at one object per
 * block (TornadoVM adds several graph nodes per distinct object); the offsets go to the kernels as
 * ints. Some kernels find a part without an offset, to save task arguments: rmsNorm reads the norm
 * at 0, normInProjConv convB right after convW, ssdStep aNeg, D and the dt limits after dtBias.
 */
public record PackedBlock(int norm, int inProj, int convW, int convB, int dtBias, int aNeg, int d, int dtLimits,
                          int gatedNorm, int outProj, int size) {

    /** dtBias | aNeg | D are adjacent (ssdStep reads them from one offset). */
    public static PackedBlock of(MixerDims m) {
        long at = 0;
        long norm = at; at += m.dModel();
        long inProj = at; at += (long) m.dInProj() * m.dModel();
        long convW = at; at += (long) m.convDim() * m.dConv();
        long convB = at; at += m.convDim();
        long dtBias = at; at += m.nheads();
        long aNeg = at; at += m.nheads();
        long d = at; at += m.nheads();
        long dtLimits = at; at += 2;
        long gatedNorm = at; at += m.dInner();
        long outProj = at; at += (long) m.dModel() * m.dInner();
        if (at > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("one block's weights (" + at + " floats) do not fit one array");
        return new PackedBlock((int) norm, (int) inProj, (int) convW, (int) convB, (int) dtBias, (int) aNeg, (int) d,
                (int) dtLimits, (int) gatedNorm, (int) outProj, (int) at);
    }

    /** The block's weights, and the dt limits of m, copied into one off-heap array at these offsets. */
    public FloatArray pack(LayerWeights w, MixerDims m) {
        FloatArray out = new FloatArray(size);
        put(out, w.norm(), norm, inProj);
        put(out, w.inProj(), inProj, convW);
        put(out, w.convW(), convW, convB);
        put(out, w.convB(), convB, dtBias);
        put(out, w.dtBias(), dtBias, aNeg);
        put(out, w.aNeg(), aNeg, d);
        put(out, w.d(), d, dtLimits);
        put(out, new float[]{m.dtMin(), m.dtMax()}, dtLimits, gatedNorm);
        put(out, w.gatedNorm(), gatedNorm, outProj);
        put(out, w.outProj(), outProj, size);
        return out;
    }

    private static void put(FloatArray out, float[] part, int from, int to) {
        if (part.length != to - from) throw new IllegalArgumentException("weight of " + part.length + " floats where " + (to - from) + " belong");
        OffHeap.copy(part, out, from);
    }
}
