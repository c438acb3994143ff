package org.mamba2j.ssd;

/**
 * Sizes of one SSD call. Tensors are row-major float arrays:
 * x, z, y (batch, seqlen, nheads, headdim); dt (batch, seqlen, nheads); A, D, dt bias (nheads);
 * B, C (batch, seqlen, ngroups, dstate); state (batch, nheads, headdim, dstate).
 * Head h reads group h / (nheads / ngroups).
 */
public record SsdShape(int batch, int seqlen, int nheads, int headdim, int ngroups, int dstate, int chunkSize) {

    public SsdShape {
        positive("batch", batch);
        positive("seqlen", seqlen);
        positive("nheads", nheads);
        positive("headdim", headdim);
        positive("ngroups", ngroups);
        positive("dstate", dstate);
        positive("chunkSize", chunkSize);
        if (nheads % ngroups != 0) {
            throw new IllegalArgumentException("nheads (" + nheads + ") must be a multiple of ngroups (" + ngroups + ")");
        }
    }

    private static void positive(String name, int value) {
        if (value <= 0) throw new IllegalArgumentException(name + " must be positive, got " + value);
    }

    /** The same shape for a different sequence length (a prefill continuation, a decode step). */
    public SsdShape withSeqlen(int newSeqlen) {
        return new SsdShape(batch, newSeqlen, nheads, headdim, ngroups, dstate, chunkSize);
    }

    /** The same shape at another chunk size. */
    public SsdShape withChunkSize(int newChunkSize) {
        return new SsdShape(batch, seqlen, nheads, headdim, ngroups, dstate, newChunkSize);
    }

    public int headsPerGroup() { return nheads / ngroups; }
    public int groupOf(int head) { return head / headsPerGroup(); }
    public int nchunks() { return (seqlen + chunkSize - 1) / chunkSize; }

    public long xSize() { return (long) batch * seqlen * nheads * headdim; }
    public long dtSize() { return (long) batch * seqlen * nheads; }
    public long bcSize() { return (long) batch * seqlen * ngroups * dstate; }
    public long stateSize() { return (long) batch * nheads * headdim * dstate; }

    /** Floating-point operations of one forward, as 2·L·(Q·N·G + 2·H·P·N + Q·H·P) per batch row. */
    public double flops() {
        return 2.0 * batch * seqlen * ((double) chunkSize * dstate * ngroups
                + 2.0 * nheads * headdim * dstate + (double) chunkSize * nheads * headdim);
    }

    @Override
    public String toString() {
        return "batch=" + batch + " seqlen=" + seqlen + " heads=" + nheads + " headdim=" + headdim
                + " groups=" + ngroups + " dstate=" + dstate + " chunk=" + chunkSize;
    }
}
