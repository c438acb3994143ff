package org.mamba2j.tornado.model;

import org.mamba2j.model.LayerWeights;
import org.mamba2j.model.MixerDims;

import org.mamba2j.tornado.ssd.OffHeap;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

/**
 * Where each of a block's weights sits on the device ({@link DeviceWeights}), relative to the
 * block's start in two arrays. The small ones, float32: norm | convW | convB | dtBias | aNeg | D |
 * dtMin, dtMax | gatedNorm ({@link #smallSize} floats). The projections, in the checkpoint's format:
 * inProj | outProj ({@link #bigSize} elements). Layouts as {@link LayerWeights}. Few arrays keep a
 * task graph at few objects (TornadoVM adds several graph nodes per distinct object); the offsets go
 * to the kernels as ints. Some kernels find a part without an offset, to save task arguments:
 * normInProjConv convB right after convW, ssdStep aNeg, D and the dt limits after dtBias.
 */
public record PackedBlock(int norm, int convW, int convB, int dtBias, int aNeg, int d, int dtLimits, int gatedNorm, int smallSize,
                          int inProj, int outProj, int bigSize) {

    /** dtBias | aNeg | D | dt limits are adjacent (ssdStep reads them from one offset). */
    public static PackedBlock of(MixerDims m) {
        long at = 0;
        long norm = at; at += m.dModel();
        long convW = at; at += (long) m.convDim() * m.dConv();
        long convB = at; at += m.convDim();
        long dtBias = at; at += m.nheads();
        long aNeg = at; at += m.nheads();
        long d = at; at += m.nheads();
        long dtLimits = at; at += 2;
        long gatedNorm = at; at += m.dInner();
        long inProj = 0, outProj = (long) m.dInProj() * m.dModel(), big = outProj + (long) m.dModel() * m.dInner();
        if (big > DeviceWeights.MAX_ELEMENTS) throw new IllegalArgumentException("one block's projections (" + big + " elements) do not fit one array");
        return new PackedBlock((int) norm, (int) convW, (int) convB, (int) dtBias, (int) aNeg, (int) d, (int) dtLimits, (int) gatedNorm,
                (int) at, (int) inProj, (int) outProj, (int) big);
    }

    /** The block's small weights, and the dt limits of m, into out from {@code at} (smallSize floats). */
    public void packSmall(LayerWeights w, MixerDims m, FloatArray out, int at) {
        put(out, at, w.norm(), norm, convW);
        put(out, at, w.convW(), convW, convB);
        put(out, at, w.convB(), convB, dtBias);
        put(out, at, w.dtBias(), dtBias, aNeg);
        put(out, at, w.aNeg(), aNeg, d);
        put(out, at, w.d(), d, dtLimits);
        put(out, at, new float[]{m.dtMin(), m.dtMax()}, dtLimits, gatedNorm);
        put(out, at, w.gatedNorm(), gatedNorm, smallSize);
    }

    /** The block's float32 projections into out from {@code at} (bigSize floats). */
    public void packBig(LayerWeights w, FloatArray out, int at) {
        put(out, at, w.inProj(), inProj, outProj);
        put(out, at, w.outProj(), outProj, bigSize);
    }

    private static void put(FloatArray out, int at, float[] part, int from, int to) {
        if (part.length != to - from) throw new IllegalArgumentException("weight of " + part.length + " floats where " + (to - from) + " belong");
        OffHeap.copy(part, out, at + from);
    }
}
