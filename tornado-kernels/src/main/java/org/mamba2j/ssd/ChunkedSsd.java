package org.mamba2j.ssd;

import java.util.stream.IntStream;

/**
 * The chunked SSD algorithm on the JVM (Dao &amp; Gu 2024, "minimal SSD"): within a chunk the SSM is a
 * masked matrix product; chunks talk only through their final states.
 * Work is split across cores by (batch, head); C·Bᵀ is computed once per (batch, chunk, group) and
 * shared by the heads of the group.
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
        in.validate(s);
        SsdInputs.check("y", y, s.xSize());
        SsdInputs.check("final_state", finalState, s.stateSize());
        float[] cb = chunkCB(s, in);
        IntStream.range(0, s.batch() * s.nheads()).parallel()
                .forEach(bh -> new HeadScan(s, in, cb, y, finalState, bh / s.nheads(), bh % s.nheads()).run());
    }

    /** C·Bᵀ within each chunk, lower triangle: (batch, nchunks, ngroups, Q, Q). */
    static float[] chunkCB(SsdShape s, SsdInputs in) {
        int Q = s.chunkSize(), G = s.ngroups(), N = s.dstate(), L = s.seqlen(), nc = s.nchunks();
        float[] cb = new float[s.batch() * nc * G * Q * Q];
        IntStream.range(0, s.batch() * nc * G).parallel().forEach(bcg -> {
            int g = bcg % G, c = (bcg / G) % nc, b = bcg / (G * nc);
            int t0 = c * Q, len = Math.min(Q, L - t0), out = bcg * Q * Q;
            for (int l = 0; l < len; l++) {
                int co = ((b * L + t0 + l) * G + g) * N;
                for (int r = 0; r <= l; r++) {
                    int bo = ((b * L + t0 + r) * G + g) * N;
                    float acc = 0f;
                    for (int n = 0; n < N; n++) acc += in.C()[co + n] * in.B()[bo + n];
                    cb[out + l * Q + r] = acc;
                }
            }
        });
        return cb;
    }

    /** One (batch, head): walks the chunks in order, carrying the state between them. */
    private static final class HeadScan {
        final SsdShape s;
        final SsdInputs in;
        final float[] cb, y, finalState;
        final int b, h, g, Q, P, N;
        final float[] dt, cum, xdt, state, chunkState;

        HeadScan(SsdShape s, SsdInputs in, float[] cb, float[] y, float[] finalState, int b, int h) {
            this.s = s; this.in = in; this.cb = cb; this.y = y; this.finalState = finalState;
            this.b = b; this.h = h; this.g = s.groupOf(h);
            Q = s.chunkSize(); P = s.headdim(); N = s.dstate();
            dt = new float[Q]; cum = new float[Q]; xdt = new float[Q * P];
            state = new float[P * N]; chunkState = new float[P * N];
        }

        void run() {
            int so = (b * s.nheads() + h) * P * N;
            if (in.initialState() != null) System.arraycopy(in.initialState(), so, state, 0, P * N);
            for (int c = 0; c < s.nchunks(); c++) {
                int t0 = c * Q, len = Math.min(Q, s.seqlen() - t0);
                chunkCumsum(t0, len);
                intraChunkOutput(c, t0, len);
                interChunkOutput(t0, len);
                chunkState(t0, len);
                statePassing(len);
            }
            System.arraycopy(state, 0, finalState, so, P * N);
        }

        int xOffset(int t) { return ((b * s.seqlen() + t) * s.nheads() + h) * P; }
        int bcOffset(int t) { return ((b * s.seqlen() + t) * s.ngroups() + g) * N; }

        /** dt (len), cum = cumsum(dt·A) (len), xdt = x·dt (len, P). */
        void chunkCumsum(int t0, int len) {
            float a = in.A()[h], run = 0f;
            for (int l = 0; l < len; l++) {
                int t = t0 + l;
                dt[l] = in.timeStep().apply(in.dt()[(b * s.seqlen() + t) * s.nheads() + h], h);
                run += dt[l] * a;
                cum[l] = run;
                int xo = xOffset(t);
                for (int p = 0; p < P; p++) xdt[l * P + p] = in.x()[xo + p] * dt[l];
            }
        }

        /** y[l] = Σ_{r≤l} (C_l·B_r)·exp(cum_l − cum_r)·xdt[r] + D·x[l]   (len, P). */
        void intraChunkOutput(int c, int t0, int len) {
            int cbo = ((b * s.nchunks() + c) * s.ngroups() + g) * Q * Q;
            float d = in.D()[h];
            for (int l = 0; l < len; l++) {
                int yo = xOffset(t0 + l);
                for (int p = 0; p < P; p++) y[yo + p] = d * in.x()[yo + p];
                for (int r = 0; r <= l; r++) {
                    float w = cb[cbo + l * Q + r] * (float) Math.exp(cum[l] - cum[r]);
                    for (int p = 0; p < P; p++) y[yo + p] += w * xdt[r * P + p];
                }
            }
        }

        /** y[l] += exp(cum_l)·(state · C_l), then the optional gate y·silu(z)   (len, P). */
        void interChunkOutput(int t0, int len) {
            for (int l = 0; l < len; l++) {
                int yo = xOffset(t0 + l), co = bcOffset(t0 + l);
                float decay = (float) Math.exp(cum[l]);
                for (int p = 0; p < P; p++) {
                    float acc = 0f;
                    for (int n = 0; n < N; n++) acc += state[p * N + n] * in.C()[co + n];
                    float v = y[yo + p] + decay * acc;
                    if (in.z() != null) v *= silu(in.z()[yo + p]);
                    y[yo + p] = v;
                }
            }
        }

        /** chunkState = Σ_r exp(cum_last − cum_r)·xdt[r] ⊗ B_r   (P, N). */
        void chunkState(int t0, int len) {
            java.util.Arrays.fill(chunkState, 0f);
            float last = cum[len - 1];
            for (int r = 0; r < len; r++) {
                int bo = bcOffset(t0 + r);
                float w = (float) Math.exp(last - cum[r]);
                for (int p = 0; p < P; p++) {
                    float xw = xdt[r * P + p] * w;
                    for (int n = 0; n < N; n++) chunkState[p * N + n] += xw * in.B()[bo + n];
                }
            }
        }

        /** state = exp(cum_last)·state + chunkState   (P, N). */
        void statePassing(int len) {
            float decay = (float) Math.exp(cum[len - 1]);
            for (int i = 0; i < P * N; i++) state[i] = decay * state[i] + chunkState[i];
        }
    }

    static float silu(float v) {
        return v / (1f + (float) Math.exp(-v));
    }
}
