package org.mamba2j.model;

/** Sizes of a Mamba-2 stack as the decode kernels see them. */
public record MixerDims(int dModel, int nLayer, int vocab, int nheads, int headdim, int ngroups, int dstate, int dConv,
                        float eps, float gatedEps, float dtMin, float dtMax) {

    public int dInner() { return nheads * headdim; }
    public int convDim() { return dInner() + 2 * ngroups * dstate; }
    /** in_proj output: z | x | B | C | dt. */
    public int dInProj() { return 2 * dInner() + 2 * ngroups * dstate + nheads; }
    public int xbcOffset() { return dInner(); }
    public int dtOffset() { return dInner() + convDim(); }
}
