package org.mamba2j.ssd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;

import static org.mamba2j.ssd.TileKernels.ROWS;
import static org.mamba2j.ssd.TileKernels.S;
import static org.mamba2j.ssd.TileKernels.VL;
import static org.mamba2j.ssd.TileKernels.roundUp;

/**
 * The chunked SSD algorithm on the JVM (Dao &amp; Gu 2024, "minimal SSD"): within a chunk the SSM is a
 * masked matrix product; chunks talk only through their final states.
 * <p>
 * Two parallel phases over all cores: first, per (batch, chunk, group), the packed C and B tiles
 * and C·Bᵀ (shared by the heads of the group); then, per (batch, head), a walk over the chunks
 * carrying the state. The matrix products run in {@link TileKernels} on tiles padded to the
 * micro-kernel's blocking (chunk rows to a multiple of the vector length, headdim to whole vectors,
 * dstate to a multiple of 4), so only the packing and the output loops see ragged edges.
 * Scratch is reused across calls: per thread for the head walk, one spare set for the group tiles.
 */
public final class ChunkedSsd {

    private ChunkedSsd() {
    }

    public static SsdResult forward(SsdShape s, SsdInputs in) {
        float[] y = new float[(int) s.xSize()];
        float[] state = new float[(int) s.stateSize()];
        forward(s, in, y, state);
        return new SsdResult(y, state);
    }

    /** Writes y and the final state into the given arrays (which may hold garbage). */
    public static void forward(SsdShape s, SsdInputs in, float[] y, float[] finalState) {
        in.validateForward(s, y, finalState);
        Dims d = new Dims(s);
        GroupTiles tiles = GroupTiles.acquire(d, s.batch() * s.nchunks() * s.ngroups());
        try {
            IntStream.range(0, tiles.count).parallel().forEach(bcg -> chunkCB(s, d, in, tiles, bcg));
            IntStream.range(0, s.batch() * s.nheads()).parallel().forEach(bh ->
                    HeadScan.forThread(d).run(s, in, tiles, y, finalState, bh / s.nheads(), bh % s.nheads()));
        } finally {
            GroupTiles.release(tiles);
        }
    }

    /** Padded tile sizes: Qp chunk rows (whole vectors), Pp headdim (whole vectors), Nr dstate (rows of 4). */
    record Dims(int Q, int P, int N, int Qp, int Pp, int Nr) {
        Dims(SsdShape s) {
            this(s.chunkSize(), s.headdim(), s.dstate(), roundUp(s.chunkSize(), Math.max(VL, ROWS)),
                    roundUp(s.headdim(), VL), roundUp(s.dstate(), ROWS));
        }

        int bcTile() { return Qp * Nr; }
        int cbTile() { return Qp * Qp; }
    }

    /**
     * Per (batch, chunk, group): C and B rows packed (Qp, Nr) and C·Bᵀ (Qp, Qp); zero outside the
     * chunk's rows and dstate.
     */
    static final class GroupTiles {
        private static final AtomicReference<GroupTiles> SPARE = new AtomicReference<>();

        final Dims d;
        final int count;
        final float[] c, b, cb;

        private GroupTiles(Dims d, int count) {
            this.d = d;
            this.count = count;
            c = new float[count * d.bcTile()];
            b = new float[count * d.bcTile()];
            cb = new float[count * d.cbTile()];
        }

        static GroupTiles acquire(Dims d, int count) {
            GroupTiles t = SPARE.getAndSet(null);
            return t != null && t.d.equals(d) && t.count == count ? t : new GroupTiles(d, count);
        }

        static void release(GroupTiles t) {
            SPARE.set(t);
        }
    }

    /** Packs the chunk's C and B tiles and computes C·Bᵀ, lower triangle by row blocks: (Q, Q) per (batch, chunk, group). */
    static void chunkCB(SsdShape s, Dims d, SsdInputs in, GroupTiles t, int bcg) {
        int G = s.ngroups(), N = s.dstate(), L = s.seqlen(), nc = s.nchunks();
        int Qp = d.Qp(), Nr = d.Nr();
        int g = bcg % G, c = (bcg / G) % nc, b = bcg / (G * nc);
        int t0 = c * d.Q(), len = Math.min(d.Q(), L - t0);
        int to = bcg * d.bcTile(), cbo = bcg * d.cbTile();
        Arrays.fill(t.c, to, to + d.bcTile(), 0f);
        Arrays.fill(t.b, to, to + d.bcTile(), 0f);
        float[] bT = transposedB(d);
        Arrays.fill(bT, 0f);
        for (int l = 0; l < len; l++) {
            int src = ((b * L + t0 + l) * G + g) * N;
            System.arraycopy(in.C(), src, t.c, to + l * Nr, N);
            System.arraycopy(in.B(), src, t.b, to + l * Nr, N);
            for (int n = 0; n < N; n++) bT[n * Qp + l] = in.B()[src + n];
        }
        int rows = roundUp(len, ROWS);
        for (int l0 = 0; l0 < rows; l0 += ROWS) {
            TileKernels.gemm(ROWS, roundUp(l0 + ROWS, VL), 0, N, t.c, to + l0 * Nr, Nr, 1,
                    bT, 0, Qp, t.cb, cbo + l0 * Qp, Qp, false);
        }
    }

    private static final ThreadLocal<float[]> TRANSPOSED_B = new ThreadLocal<>();

    /** Per-thread scratch for the chunk's B transposed (Nr, Qp), the right operand of C·Bᵀ. */
    private static float[] transposedB(Dims d) {
        float[] bT = TRANSPOSED_B.get();
        if (bT == null || bT.length != d.bcTile()) TRANSPOSED_B.set(bT = new float[d.bcTile()]);
        return bT;
    }

    /** One (batch, head): walks the chunks in order, carrying the state (kept transposed, (N, P)). */
    private static final class HeadScan {
        private static final ThreadLocal<HeadScan> PER_THREAD = new ThreadLocal<>();

        final Dims d;
        final int Q, P, N, Qp, Pp, Nr;
        final float[] cum, expCum, toEnd, colDecay, rowDecay, xdt, xdtw, decayedCB, yTile, state;
        // per run
        SsdShape s;
        SsdInputs in;
        int b, h, g;

        static HeadScan forThread(Dims d) {
            HeadScan hs = PER_THREAD.get();
            if (hs == null || !hs.d.equals(d)) PER_THREAD.set(hs = new HeadScan(d));
            return hs;
        }

        private HeadScan(Dims d) {
            this.d = d;
            Q = d.Q(); P = d.P(); N = d.N(); Qp = d.Qp(); Pp = d.Pp(); Nr = d.Nr();
            cum = new float[Qp]; expCum = new float[Qp]; toEnd = new float[Qp];
            colDecay = new float[Qp]; rowDecay = new float[Qp / VL * Qp];
            xdt = new float[Qp * Pp]; xdtw = new float[Qp * Pp];
            decayedCB = new float[Qp * Qp]; yTile = new float[Qp * Pp];
            state = new float[Nr * Pp];
        }

        void run(SsdShape s, SsdInputs in, GroupTiles t, float[] y, float[] finalState, int b, int h) {
            this.s = s; this.in = in; this.b = b; this.h = h; this.g = s.groupOf(h);
            int so = (b * s.nheads() + h) * P * N;
            Arrays.fill(state, 0f);
            if (in.initialState() != null) {
                for (int p = 0; p < P; p++) for (int n = 0; n < N; n++) state[n * Pp + p] = in.initialState()[so + p * N + n];
            }
            for (int c = 0; c < s.nchunks(); c++) {
                int t0 = c * Q, len = Math.min(Q, s.seqlen() - t0);
                int tile = (b * s.nchunks() + c) * s.ngroups() + g;
                chunkCumsum(t0, len);
                interChunkOutput(t, tile, len);
                intraChunkOutput(t, tile, len);
                writeOutput(y, t0, len);
                statePassing(len);
                chunkState(t, tile, len);
            }
            for (int p = 0; p < P; p++) for (int n = 0; n < N; n++) finalState[so + p * N + n] = state[n * Pp + p];
        }

        int xOffset(int t) { return ((b * s.seqlen() + t) * s.nheads() + h) * P; }

        /**
         * cum = cumsum(dt·A), expCum = exp(cum), toEnd = exp(cum_last − cum)  (Q);
         * xdt = x·dt, xdtw = xdt·toEnd  (Q, P); rows past the chunk end are zero.
         */
        void chunkCumsum(int t0, int len) {
            float a = in.A()[h], run = 0f;
            int pv = P - P % VL;
            for (int l = 0; l < len; l++) {
                float dt = in.timeStep().apply(in.dt()[(b * s.seqlen() + t0 + l) * s.nheads() + h], h);
                run += dt * a;
                cum[l] = run;
                int xo = xOffset(t0 + l), ro = l * Pp;
                int p = 0;
                for (; p < pv; p += VL) FloatVector.fromArray(S, in.x(), xo + p).mul(dt).intoArray(xdt, ro + p);
                for (; p < P; p++) xdt[ro + p] = in.x()[xo + p] * dt;
                for (; p < Pp; p++) xdt[ro + p] = 0f;
            }
            Arrays.fill(cum, len, Qp, run);
            Arrays.fill(xdt, len * Pp, Qp * Pp, 0f);
            FloatVector last = FloatVector.broadcast(S, run);
            for (int l = 0; l < Qp; l += VL) {
                FloatVector cv = FloatVector.fromArray(S, cum, l);
                cv.lanewise(VectorOperators.EXP).intoArray(expCum, l);
                last.sub(cv).lanewise(VectorOperators.EXP).intoArray(toEnd, l);
            }
            for (int l = 0; l < Qp; l++) {
                FloatVector w = FloatVector.broadcast(S, toEnd[l]);
                for (int p = 0; p < Pp; p += VL) FloatVector.fromArray(S, xdt, l * Pp + p).mul(w).intoArray(xdtw, l * Pp + p);
            }
        }

        /** yTile = exp(cum_l)·(C_l · state)   (Q, P): the previous chunks' contribution. */
        void interChunkOutput(GroupTiles t, int tile, int len) {
            int rows = roundUp(len, ROWS);
            TileKernels.gemm(rows, Pp, 0, N, t.c, tile * d.bcTile(), Nr, 1, state, 0, Pp, yTile, 0, Pp, false);
            for (int l = 0; l < rows; l++) {
                FloatVector e = FloatVector.broadcast(S, expCum[l]);
                for (int p = 0; p < Pp; p += VL) FloatVector.fromArray(S, yTile, l * Pp + p).mul(e).intoArray(yTile, l * Pp + p);
            }
        }

        /**
         * yTile[l] += Σ_{r≤l} (C_l·B_r)·exp(cum_l − cum_r)·xdt[r]   (Q, P): the decayed lower triangle
         * of C·Bᵀ, then the triangular product by row blocks.
         */
        void intraChunkOutput(GroupTiles t, int tile, int len) {
            int rows = roundUp(len, ROWS);
            segmentDecayedCB(t.cb, tile * d.cbTile(), rows);
            for (int l0 = 0; l0 < rows; l0 += ROWS) {
                TileKernels.gemm(ROWS, Pp, 0, l0 + ROWS, decayedCB, l0 * Qp, Qp, 1,
                        xdt, 0, Pp, yTile, l0 * Pp, Pp, true);
            }
        }

        /**
         * decayedCB[l][r] = CB[l][r]·exp(cum_l − cum_r) for r ≤ l, 0 above the diagonal   (Q, Q).
         * Column blocks of one vector [r0, m]: on the diagonal block the exponent is taken per (l, r);
         * below it, exp(cum_l − cum_r) = exp(cum_l − cum_m)·exp(cum_m − cum_r) with r ≤ m &lt; l, both
         * exponents ≤ 0, so neither factor overflows under strong decay (an underflow to 0 only
         * drops a term that is smaller still). That takes one exponential per (block, row) instead of
         * one per (row, column).
         */
        void segmentDecayedCB(float[] cb, int cbo, int rows) {
            for (int r0 = 0; r0 < rows; r0 += VL) {
                FloatVector m = FloatVector.broadcast(S, cum[r0 + VL - 1]);
                m.sub(FloatVector.fromArray(S, cum, r0)).lanewise(VectorOperators.EXP).intoArray(colDecay, r0);
                for (int l = r0 + VL; l < rows; l += VL) {
                    FloatVector.fromArray(S, cum, l).sub(m).lanewise(VectorOperators.EXP).intoArray(rowDecay, r0 / VL * Qp + l);
                }
            }
            for (int l = 0; l < rows; l++) {
                int diag = l - l % VL, ro = l * Qp;
                for (int r = 0; r < diag; r += VL) {
                    FloatVector.fromArray(S, cb, cbo + ro + r).mul(FloatVector.fromArray(S, colDecay, r))
                            .mul(rowDecay[r / VL * Qp + l]).intoArray(decayedCB, ro + r);
                }
                FloatVector e = FloatVector.broadcast(S, cum[l]).sub(FloatVector.fromArray(S, cum, diag)).lanewise(VectorOperators.EXP);
                FloatVector v = FloatVector.fromArray(S, cb, cbo + ro + diag).mul(e);
                FloatVector.zero(S).blend(v, S.indexInRange(diag, l + 1)).intoArray(decayedCB, ro + diag);
            }
        }

        /** y = (yTile + D·x)·silu(z)   (len, P). */
        void writeOutput(float[] y, int t0, int len) {
            float dh = in.D()[h];
            float[] x = in.x(), z = in.z();
            int pv = P - P % VL;
            for (int l = 0; l < len; l++) {
                int yo = xOffset(t0 + l), ro = l * Pp;
                int p = 0;
                for (; p < pv; p += VL) {
                    FloatVector v = FloatVector.fromArray(S, x, yo + p).fma(FloatVector.broadcast(S, dh), FloatVector.fromArray(S, yTile, ro + p));
                    if (z != null) {
                        FloatVector zv = FloatVector.fromArray(S, z, yo + p);
                        v = v.mul(zv).div(zv.neg().lanewise(VectorOperators.EXP).add(1f));
                    }
                    v.intoArray(y, yo + p);
                }
                for (; p < P; p++) {
                    float v = yTile[ro + p] + dh * x[yo + p];
                    if (z != null) v *= silu(z[yo + p]);
                    y[yo + p] = v;
                }
            }
        }

        /** state = exp(cum_last)·state   (N, P): the carried state decays over the chunk. */
        void statePassing(int len) {
            float decay = (float) Math.exp(cum[len - 1]);
            for (int i = 0; i < state.length; i += VL) FloatVector.fromArray(S, state, i).mul(decay).intoArray(state, i);
        }

        /** state += Σ_r B_r ⊗ exp(cum_last − cum_r)·xdt[r]   (N, P): the chunk's own contribution. */
        void chunkState(GroupTiles t, int tile, int len) {
            TileKernels.gemm(Nr, Pp, 0, len, t.b, tile * d.bcTile(), 1, Nr,
                    xdtw, 0, Pp, state, 0, Pp, true);
        }
    }

    static float silu(float v) {
        return v / (1f + (float) Math.exp(-v));
    }
}
