package org.mamba2j.tornado.ssd;

import org.mamba2j.ssd.SsdInputs;
import org.mamba2j.ssd.SsdShape;
import org.mamba2j.ssd.TimeStep;

/**
 * The int array every SSD kernel takes in place of scalar sizes and nullable tensors, and the
 * sizes of the intermediate buffers. Plain Java: loads no TornadoVM class.
 */
public final class SsdDims {

    public static final int BATCH = 0, L = 1, H = 2, P = 3, G = 4, N = 5, Q = 6, NC = 7;
    public static final int HAS_Z = 8, HAS_INIT = 9, HAS_BIAS = 10, SOFTPLUS = 11;
    public static final int LENGTH = 12;

    private SsdDims() {
    }

    /** Which optional parts an SSD call uses: the key of a compiled plan together with its shape. */
    public record Flags(boolean z, boolean init, boolean bias, boolean softplus) {
        public static Flags of(SsdInputs in) {
            TimeStep ts = in.timeStep();
            return new Flags(in.z() != null, in.initialState() != null, ts.bias() != null, ts.softplus());
        }
    }

    public static int[] of(SsdShape s, Flags f) {
        int[] d = new int[LENGTH];
        d[BATCH] = s.batch();
        d[L] = s.seqlen();
        d[H] = s.nheads();
        d[P] = s.headdim();
        d[G] = s.ngroups();
        d[N] = s.dstate();
        d[Q] = s.chunkSize();
        d[NC] = s.nchunks();
        d[HAS_Z] = f.z() ? 1 : 0;
        d[HAS_INIT] = f.init() ? 1 : 0;
        d[HAS_BIAS] = f.bias() ? 1 : 0;
        d[SOFTPLUS] = f.softplus() ? 1 : 0;
        return d;
    }

    public static float[] dtLimits(TimeStep ts) {
        return new float[] {ts.min(), ts.max()};
    }

    /** dt and cum: (batch, NC, H, Q). */
    public static int chunkedDtSize(SsdShape s) {
        return Math.multiplyExact(s.batch() * s.nchunks() * s.nheads(), s.chunkSize());
    }

    /** C·Bᵀ: (batch, NC, G, Q, Q). */
    public static int cbSize(SsdShape s) {
        return Math.multiplyExact(Math.multiplyExact(s.batch() * s.nchunks() * s.ngroups(), s.chunkSize()), s.chunkSize());
    }

    /** Intra-chunk scores of the loop output kernel: (batch, NC, H, Q, Q). */
    public static int scoresSize(SsdShape s) {
        return Math.multiplyExact(Math.multiplyExact(s.batch() * s.nchunks() * s.nheads(), s.chunkSize()), s.chunkSize());
    }

    /** Chunk states and states entering chunks: (batch, NC, H, P, N). */
    public static int chunkStatesSize(SsdShape s) {
        return Math.multiplyExact(Math.multiplyExact(s.batch() * s.nchunks() * s.nheads(), s.headdim()), s.dstate());
    }

    /** Work items of the cumsum kernel: one per (batch, chunk, head). */
    public static int cumsumItems(SsdShape s) {
        return s.batch() * s.nchunks() * s.nheads();
    }
}
