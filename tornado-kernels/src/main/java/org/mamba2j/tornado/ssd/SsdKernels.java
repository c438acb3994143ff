package org.mamba2j.tornado.ssd;

import org.mamba2j.tornado.WorkGroups;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.annotations.Parallel;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * The chunked SSD as loop-parallel TornadoVM kernels over off-heap arrays ({@code FloatArray}, {@code IntArray}), one concern each.
 * Each kernel is a flat {@code @Parallel} loop over its work items; called directly they are
 * plain sequential Java (that is how CI tests them). Two have KernelContext twins for GPUs here,
 * {@link #chunkCumsumScan} and {@link #decodeStepReduce} (CI runs them through a work-group emulator).
 *
 * <p>The loop runs to {@code padded}, the global size of the kernel's worker grid (with a
 * GridScheduler TornadoVM takes a @Parallel loop's bound from the grid, not from the argument; on
 * backends where loop kernels run without a grid, {@link org.mamba2j.tornado.TornadoDevices#loopGrids}, it is the
 * argument): a multiple of the work-group size, at least the number of work items, which each
 * kernel derives from {@code dims} and checks itself.
 *
 * <p>Every kernel takes the {@link SsdDims} array ({@code dims}) instead of a dozen scalars:
 * TornadoVM tasks take at most 15 parameters, and the flags in it (z, initial state, dt bias,
 * softplus) replace nulls: an absent tensor is a 1-element dummy array that is never read.
 *
 * <p>Intermediate layouts (Q = chunk size, NC = number of chunks, positions past the sequence end
 * in the last chunk are padding):
 * <ul>
 * <li>dt, cum, wState: (batch, NC, nheads, Q); cum past the end repeats the chunk's last value, so
 * cum[.., Q-1] is always the chunk total.</li>
 * <li>cb: (batch, NC, ngroups, Q, Q), C_l·B_r for r ≤ l, 0 elsewhere.</li>
 * <li>scores: (batch, NC, nheads, Q, Q), cb weighted by decay and dt (loop variant only).</li>
 * <li>states, stateIn: (batch, NC, nheads, headdim, dstate).</li>
 * </ul>
 */
public final class SsdKernels {

    private SsdKernels() {
    }

    /** Softplus threshold: above it softplus is the identity (as in mamba_ssm). */
    static final float SOFTPLUS_THRESHOLD = 20f;

    /** log(1 + e^v) in float, accurate for small e^v (log1p by the Goldberg correction). */
    public static float softplus(float v) {
        float u = TornadoMath.exp(v);
        float w = 1f + u;
        float r = u;
        if (w != 1f) {
            r = TornadoMath.log(w) * (u / (w - 1f));
        }
        return r;
    }

    /**
     * a[i] where {@code ok}, else 0, the index clamped into the array: a guarded load may run anyway (the
     * compiler may turn it into a select), so it must stay in bounds. Kernels that SPIR-V devices run
     * combine the conditions of {@code ok} with {@code &}, not {@code &&}: TornadoVM 5.2's SPIR-V backend
     * cannot compile a short-circuit condition used as a value ("Unimplemented"); the tensor-core kernels
     * (PTX and CUDA only) need not. On OpenCL, {@code read(z, i, hasZ != 0 && p < P)} beside
     * {@code read(x, i, p < P)} came out as {@code hasZ == 0 || p < P ? 0 : z[i]}, the second condition not
     * negated (TornadoVM 5.2, PoCL; docs/results.md, forty-third session): in kernels that OpenCL devices run, such a
     * condition goes in an if of its own.
     */
    public static float read(FloatArray a, int i, boolean ok) {
        return ok ? a.get(Math.min(i, a.getSize() - 1)) : 0f;
    }

    /**
     * The intra-chunk weight C·Bᵀ[l, r]·exp(cum_l − cum_r)·dt_r of a chunk (its C·Bᵀ at cb[cbo], Q × Q; its
     * cumulative decay and dt at cbase) for r ≤ l &lt; len, else 0: the exponent is a difference, exact.
     */
    public static float causalWeight(FloatArray cb, FloatArray cum, FloatArray dt, int cbo, int cbase, int Q, int l, int r, int len) {
        float v = 0f;
        if (r <= l && l < len) {
            v = cb.get(cbo + l * Q + r) * TornadoMath.exp(cum.get(cbase + l) - cum.get(cbase + r)) * dt.get(cbase + r);
        }
        return v;
    }

    /**
     * {@link #causalWeight} with the decays and dt already read (cumL = cum_l, cumR = cum_r, dtR = dt_r): a kernel that
     * weights many (l, r) pairs reads each row's and column's once.
     */
    public static float causalWeight(FloatArray cb, int cbo, int Q, int l, int r, int len, float cumL, float cumR, float dtR) {
        float v = 0f;
        if (r <= l && l < len) {
            v = cb.get(cbo + l * Q + r) * TornadoMath.exp(cumL - cumR) * dtR;
        }
        return v;
    }

    /**
     * {@link #causalWeight} of a C·Bᵀ value already read ({@code cbLR}, zero where not {@code live}): a kernel that issues
     * all of a step's reads before it computes anything passes them in; {@code live} is r ≤ l &lt; len.
     */
    public static float causalWeight(float cbLR, boolean live, float cumL, float cumR, float dtR) {
        return live ? cbLR * TornadoMath.exp(cumL - cumR) * dtR : 0f;
    }

    /** dt from its raw value: + bias, softplus below the threshold when {@code soft} ≠ 0, clamped to [lo, hi]. */
    public static float dt(float raw, float bias, int soft, float lo, float hi) {
        float v = raw + bias;
        if (soft != 0 && v <= SOFTPLUS_THRESHOLD) {
            v = softplus(v);
        }
        return Math.min(Math.max(v, lo), hi);
    }

    public static float silu(float v) {
        return v / (1f + TornadoMath.exp(-v));
    }

    /**
     * Index of position i of a chunk in an array of Q values a chunk (cum, dt) whose chunk starts at cbase, clamped into
     * the chunk so that padding positions read valid memory (their weights are zero and their outputs not stored).
     */
    static int inChunk(int cbase, int i, int Q) {
        return cbase + Math.min(i, Q - 1);
    }

    /** exp(cum_l) of row l of a chunk (its cumulative decay at cum[cbase]; {@link #inChunk}). */
    static float rowDecay(FloatArray cum, int cbase, int l, int Q) {
        return TornadoMath.exp(cum.get(inChunk(cbase, l, Q)));
    }

    /** A chunk output's epilogue at element i: acc + D·x[i], times silu(z[i]) when hasZ ≠ 0. */
    static float gate(FloatArray x, FloatArray z, int i, float acc, float d, int hasZ) {
        float v = acc + d * x.get(i);
        if (hasZ != 0) v = v * silu(z.get(i));
        return v;
    }

    /**
     * (a) dt after bias/softplus/clamp, the running sum of dt·A within each chunk, and
     * wState = exp(cum_last − cum)·dt (each position's weight in the chunk's state; 0 in the padding),
     * per (batch, chunk, head); sequential over the positions of the chunk.
     * {@code dtLimits} = {min, max}.
     */
    public static void chunkCumsum(FloatArray dtRaw, FloatArray A, FloatArray dtBias, FloatArray dtLimits, IntArray dims,
                                   FloatArray dtOut, FloatArray cum, FloatArray wState, int padded) {
        for (@Parallel int i = 0; i < padded; i++) {
            if (i < dims.get(SsdDims.BATCH) * dims.get(SsdDims.NC) * dims.get(SsdDims.H)) {
                int L = dims.get(SsdDims.L), H = dims.get(SsdDims.H), Q = dims.get(SsdDims.Q), NC = dims.get(SsdDims.NC);
                int hasBias = dims.get(SsdDims.HAS_BIAS), soft = dims.get(SsdDims.SOFTPLUS);
                int h = i % H;
                int c = (i / H) % NC;
                int b = i / (H * NC);
                int t0 = c * Q;
                int len = Math.min(Q, L - t0);
                float a = A.get(h);
                float lo = dtLimits.get(0), hi = dtLimits.get(1);
                float bias = 0f;
                if (hasBias != 0) {
                    bias = dtBias.get(h);
                }
                int out = i * Q;
                float run = 0f;
                for (int l = 0; l < Q; l++) {
                    float v = 0f;
                    if (l < len) {
                        v = dt(dtRaw.get((b * L + t0 + l) * H + h), bias, soft, lo, hi);
                        run += v * a;
                    }
                    dtOut.set(out + l, v);
                    cum.set(out + l, run);
                }
                // run is now the chunk total: the weight of each position in the chunk's own state
                for (int l = 0; l < Q; l++) {
                    wState.set(out + l, TornadoMath.exp(run - cum.get(out + l)) * dtOut.get(out + l));
                }
            }
        }
    }

    /** Largest work-group of {@link #chunkCumsumScan} (its local scan buffers hold two rows of this many floats). */
    public static final int SCAN_MAX_LOCAL = 1024;

    /**
     * {@link #chunkCumsum} for GPUs (variant "scan"): one work-group per (batch, chunk, head), group
     * id decoded as the loop kernel's work item; its work items take consecutive positions of the
     * chunk (coalesced loads and stores), and an inclusive Hillis–Steele scan in local memory
     * (ping-pong between two rows, one barrier per step) gives cum. A chunk longer than the group goes
     * in segments of the group size, each adding the running total of the segments before it.
     * Same outputs and layouts as the loop kernel, up to float summation order: dt past the sequence
     * end is 0, cum there repeats the value at the last position exactly (so does the chunk total the
     * weights take, which makes the last position's wState exactly its dt), wState there is 0.
     * Grid: 1-D, (batch·NC·nheads) groups of any size from 1 to {@link #SCAN_MAX_LOCAL}.
     */
    public static void chunkCumsumScan(KernelContext kc, FloatArray dtRaw, FloatArray A, FloatArray dtBias, FloatArray dtLimits,
                                       IntArray dims, FloatArray dtOut, FloatArray cum, FloatArray wState) {
        int L = dims.get(SsdDims.L), H = dims.get(SsdDims.H), Q = dims.get(SsdDims.Q), NC = dims.get(SsdDims.NC);
        int hasBias = dims.get(SsdDims.HAS_BIAS), soft = dims.get(SsdDims.SOFTPLUS);
        int lid = kc.localIdx;
        int W = kc.localGroupSizeX;
        int bch = kc.groupIdx;
        int h = bch % H;
        int c = (bch / H) % NC;
        int b = bch / (H * NC);
        int t0 = c * Q;
        int len = Math.min(Q, L - t0);
        float a = A.get(h);
        float lo = dtLimits.get(0), hi = dtLimits.get(1);
        float bias = 0f;
        if (hasBias != 0) {
            bias = dtBias.get(h);
        }
        int out = bch * Q;
        // two rows of SCAN_MAX_LOCAL: the scan reads one and writes the other
        float[] buf = kc.allocateFloatLocalArray(2048);
        float carry = 0f; // the sum up to the end of the segments before this one
        for (int s0 = 0; s0 < Q; s0 += W) {
            int l = s0 + lid;
            float v = 0f;
            float term = 0f;
            if (l < len) {
                v = dt(dtRaw.get((b * L + t0 + l) * H + h), bias, soft, lo, hi);
                term = v * a;
            }
            kc.localBarrier(); // the segment before is read by everyone
            int src = 0;
            buf[lid] = term;
            kc.localBarrier();
            for (int off = 1; off < W; off *= 2) {
                float s = buf[src + lid];
                if (lid >= off) {
                    s = s + buf[src + lid - off];
                }
                src = SCAN_MAX_LOCAL - src;
                buf[src + lid] = s;
                kc.localBarrier();
            }
            // the sum through the last position of the sequence in this segment (none: carry unchanged)
            int lastLane = Math.min(len - s0, W) - 1;
            float end = carry;
            if (lastLane >= 0) {
                end = carry + buf[src + lastLane];
            }
            if (l < Q) {
                float cv = end;
                if (l < len) {
                    cv = carry + buf[src + lid];
                }
                dtOut.set(out + l, v);
                cum.set(out + l, cv);
            }
            carry = end;
        }
        // carry is now the chunk total, bit for bit the cum of the last position; each work item reads back its own positions
        for (int l = lid; l < Q; l += W) {
            wState.set(out + l, TornadoMath.exp(carry - cum.get(out + l)) * dtOut.get(out + l));
        }
    }

    /** (b) C·Bᵀ within each chunk, per (batch, chunk, group, l, r); 0 above the diagonal and past the end. */
    public static void chunkCB(FloatArray C, FloatArray B, IntArray dims, FloatArray cb, int padded) {
        for (@Parallel int i = 0; i < padded; i++) {
            if (i < dims.get(SsdDims.BATCH) * dims.get(SsdDims.NC) * dims.get(SsdDims.G) * dims.get(SsdDims.Q) * dims.get(SsdDims.Q)) {
                int L = dims.get(SsdDims.L), G = dims.get(SsdDims.G), N = dims.get(SsdDims.N), Q = dims.get(SsdDims.Q), NC = dims.get(SsdDims.NC);
                int r = i % Q;
                int l = (i / Q) % Q;
                int g = (i / (Q * Q)) % G;
                int c = (i / (Q * Q * G)) % NC;
                int b = i / (Q * Q * G * NC);
                int t0 = c * Q;
                int len = Math.min(Q, L - t0);
                float acc = 0f;
                if (r <= l && l < len) {
                    int co = ((b * L + t0 + l) * G + g) * N;
                    int bo = ((b * L + t0 + r) * G + g) * N;
                    for (int n = 0; n < N; n++) {
                        acc += C.get(co + n) * B.get(bo + n);
                    }
                }
                cb.set(i, acc);
            }
        }
    }

    /**
     * (c) The state each chunk produces on its own, per (batch, chunk, head, p, n):
     * Σ_r exp(cum_last − cum_r)·dt_r·x_r[p]·B_r[n], the weights precomputed by (a) as wState.
     */
    public static void chunkStates(FloatArray x, FloatArray B, FloatArray wState, IntArray dims, FloatArray states, int padded) {
        for (@Parallel int i = 0; i < padded; i++) {
            if (i < dims.get(SsdDims.BATCH) * dims.get(SsdDims.NC) * dims.get(SsdDims.H) * dims.get(SsdDims.P) * dims.get(SsdDims.N)) {
                int L = dims.get(SsdDims.L), H = dims.get(SsdDims.H), P = dims.get(SsdDims.P), G = dims.get(SsdDims.G);
                int N = dims.get(SsdDims.N), Q = dims.get(SsdDims.Q), NC = dims.get(SsdDims.NC);
                int n = i % N;
                int p = (i / N) % P;
                int bch = i / (N * P);
                int h = bch % H;
                int c = (bch / H) % NC;
                int b = bch / (H * NC);
                int g = h / (H / G);
                int t0 = c * Q;
                int len = Math.min(Q, L - t0);
                int cbase = bch * Q;
                float acc = 0f;
                for (int r = 0; r < len; r++) {
                    int t = b * L + t0 + r;
                    acc += wState.get(cbase + r) * x.get((t * H + h) * P + p) * B.get((t * G + g) * N + n);
                }
                states.set(i, acc);
            }
        }
    }

    /**
     * (d) Passes the state across chunks, per (batch, head, p, n), sequential over chunks:
     * stateIn[c] = state entering chunk c; state = exp(cum_last(c))·state + states[c].
     * Starts from {@code init} when dims[HAS_INIT] is set, else from zero. init and finalState from
     * element {@code stateAt} on (the prefill reads and writes a block's slot of its packed states).
     */
    public static void statePassing(FloatArray states, FloatArray cum, FloatArray init, IntArray dims,
                                    FloatArray stateIn, FloatArray finalState, int stateAt, int padded) {
        for (@Parallel int i = 0; i < padded; i++) {
            if (i < dims.get(SsdDims.BATCH) * dims.get(SsdDims.H) * dims.get(SsdDims.P) * dims.get(SsdDims.N)) {
                int H = dims.get(SsdDims.H), P = dims.get(SsdDims.P), N = dims.get(SsdDims.N), Q = dims.get(SsdDims.Q), NC = dims.get(SsdDims.NC);
                int pn = i % (P * N);
                int bh = i / (P * N);
                int h = bh % H;
                int b = bh / H;
                float run = 0f;
                if (dims.get(SsdDims.HAS_INIT) != 0) {
                    run = init.get(stateAt + i);
                }
                // chunks four a round, the round's loads before its stores (a store between two loads keeps the second
                // waiting for the first): one memory round trip a round; past NC the reads give 0, exp(0)·run + 0 = run
                for (int c = 0; c < NC; c += 4) {
                    int i0 = ((b * NC + c) * H + h) * P * N + pn, step = H * P * N;
                    int e0 = ((b * NC + c) * H + h) * Q + Q - 1, estep = H * Q;
                    float s0 = states.get(i0), s1 = read(states, i0 + step, c + 1 < NC);
                    float s2 = read(states, i0 + 2 * step, c + 2 < NC), s3 = read(states, i0 + 3 * step, c + 3 < NC);
                    float d0 = cum.get(e0), d1 = read(cum, e0 + estep, c + 1 < NC);
                    float d2 = read(cum, e0 + 2 * estep, c + 2 < NC), d3 = read(cum, e0 + 3 * estep, c + 3 < NC);
                    stateIn.set(i0, run);
                    run = TornadoMath.exp(d0) * run + s0;
                    if (c + 1 < NC) stateIn.set(i0 + step, run);
                    run = TornadoMath.exp(d1) * run + s1;
                    if (c + 2 < NC) stateIn.set(i0 + 2 * step, run);
                    run = TornadoMath.exp(d2) * run + s2;
                    if (c + 3 < NC) stateIn.set(i0 + 3 * step, run);
                    run = TornadoMath.exp(d3) * run + s3;
                }
                finalState.set(stateAt + i, run);
            }
        }
    }

    /**
     * (e0) The intra-chunk scores per (batch, chunk, head, l, r): CB[l,r]·exp(cum_l − cum_r)·dt_r for
     * r ≤ l, 0 elsewhere — one exp per pair instead of one per pair and headdim column in (e).
     * Layout (batch, NC, nheads, Q, Q): nheads/ngroups times the size of cb.
     */
    public static void chunkScores(FloatArray cb, FloatArray dt, FloatArray cum, IntArray dims, FloatArray scores, int padded) {
        for (@Parallel int i = 0; i < padded; i++) {
            if (i < dims.get(SsdDims.BATCH) * dims.get(SsdDims.NC) * dims.get(SsdDims.H) * dims.get(SsdDims.Q) * dims.get(SsdDims.Q)) {
                int L = dims.get(SsdDims.L), H = dims.get(SsdDims.H), G = dims.get(SsdDims.G), Q = dims.get(SsdDims.Q), NC = dims.get(SsdDims.NC);
                int r = i % Q;
                int l = (i / Q) % Q;
                int bch = i / (Q * Q);
                int h = bch % H;
                int bc = bch / H;
                int c = bc % NC;
                int g = h / (H / G);
                int len = Math.min(Q, L - c * Q);
                scores.set(i, causalWeight(cb, cum, dt, (bc * G + g) * Q * Q, bch * Q, Q, l, r, len));
            }
        }
    }

    /**
     * (e) The output per (batch, t, head, p), from the scores of (e0):
     * y = Σ_{r≤l} scores[l,r]·x_r + exp(cum_l)·C_l·stateIn + D·x, then ·silu(z)
     * (scores[l,r] = CB[l,r]·exp(cum_l − cum_r)·dt_r).
     */
    public static void chunkOutput(FloatArray x, FloatArray z, FloatArray cum, FloatArray scores, FloatArray C,
                                   FloatArray stateIn, FloatArray D, IntArray dims, FloatArray y, int padded) {
        for (@Parallel int i = 0; i < padded; i++) {
            if (i < dims.get(SsdDims.BATCH) * dims.get(SsdDims.L) * dims.get(SsdDims.H) * dims.get(SsdDims.P)) {
                int L = dims.get(SsdDims.L), H = dims.get(SsdDims.H), P = dims.get(SsdDims.P), G = dims.get(SsdDims.G);
                int N = dims.get(SsdDims.N), Q = dims.get(SsdDims.Q), NC = dims.get(SsdDims.NC);
                int p = i % P;
                int h = (i / P) % H;
                int bt = i / (P * H);
                int t = bt % L;
                int b = bt / L;
                int c = t / Q;
                int l = t - c * Q;
                int g = h / (H / G);
                int bch = (b * NC + c) * H + h;
                int so0 = (bch * Q + l) * Q;
                int xr = ((b * L + c * Q) * H + h) * P + p;
                float acc = 0f;
                for (int r = 0; r <= l; r++) {
                    acc += scores.get(so0 + r) * x.get(xr + r * H * P);
                }
                float cuml = cum.get(bch * Q + l);
                int co = (bt * G + g) * N;
                int so = (bch * P + p) * N;
                float s = 0f;
                for (int n = 0; n < N; n++) {
                    s += C.get(co + n) * stateIn.get(so + n);
                }
                y.set(i, gate(x, z, i, acc + TornadoMath.exp(cuml) * s, D.get(h), dims.get(SsdDims.HAS_Z)));
            }
        }
    }

    /**
     * (f) One decode step (not named "step": that is an OpenCL built-in) per (batch, head, p): h = exp(dt·A)·h + dt·x⊗B, y = h·C + D·x, ·silu(z).
     * Inputs come packed as {@link StepInputs} lays them out ({@code parts}: where each starts);
     * {@code state} (batch, nheads, headdim, dstate) is updated in place.
     */
    public static void decodeStep(FloatArray in, IntArray parts, IntArray dims, FloatArray state, FloatArray y, int padded) {
        for (@Parallel int i = 0; i < padded; i++) {
            if (i < dims.get(SsdDims.BATCH) * dims.get(SsdDims.H) * dims.get(SsdDims.P)) {
                int N = dims.get(SsdDims.N);
                int bh = i / dims.get(SsdDims.P);
                int h = bh % dims.get(SsdDims.H);
                float dt = stepDt(in, parts, dims, bh);
                float decay = TornadoMath.exp(dt * in.get(parts.get(StepInputs.A) + h));
                float xdt = in.get(i) * dt;
                int bo = stepGroupOffset(dims, bh);
                int so = i * N;
                float acc = 0f;
                for (int n = 0; n < N; n++) {
                    float s = decay * state.get(so + n) + xdt * in.get(parts.get(StepInputs.B) + bo + n);
                    state.set(so + n, s);
                    acc += s * in.get(parts.get(StepInputs.C) + bo + n);
                }
                y.set(i, stepOutput(in, parts, dims, acc, i, h));
            }
        }
    }

    /**
     * {@link #decodeStep} with one work-group per (batch, head, p) row of the state (variant
     * "reduce"): the row's dstate entries are walked side by side, so the state, nearly all the data
     * a step touches, moves in coalesced runs; h·C is the work-group's sum.
     */
    public static void decodeStepReduce(KernelContext kc, FloatArray in, IntArray parts, IntArray dims, FloatArray state, FloatArray y) {
        int i = kc.groupIdx;
        int N = dims.get(SsdDims.N);
        int bh = i / dims.get(SsdDims.P);
        int h = bh % dims.get(SsdDims.H);
        float dt = stepDt(in, parts, dims, bh);
        float decay = TornadoMath.exp(dt * in.get(parts.get(StepInputs.A) + h));
        float xdt = in.get(i) * dt;
        int bo = stepGroupOffset(dims, bh);
        int so = i * N;
        float acc = 0f;
        for (int n = kc.localIdx; n < N; n += kc.localGroupSizeX) {
            float s = decay * state.get(so + n) + xdt * in.get(parts.get(StepInputs.B) + bo + n);
            state.set(so + n, s);
            acc += s * in.get(parts.get(StepInputs.C) + bo + n);
        }
        float sum = WorkGroups.sum(kc, acc);
        if (kc.localIdx == 0) {
            y.set(i, stepOutput(in, parts, dims, sum, i, h));
        }
    }

    /** dt of (batch, head) bh after bias, softplus and clamp. */
    private static float stepDt(FloatArray in, IntArray parts, IntArray dims, int bh) {
        float bias = 0f;
        if (dims.get(SsdDims.HAS_BIAS) != 0) {
            bias = in.get(parts.get(StepInputs.BIAS) + bh % dims.get(SsdDims.H));
        }
        int limits = parts.get(StepInputs.LIMITS);
        return dt(in.get(parts.get(StepInputs.DT) + bh), bias, dims.get(SsdDims.SOFTPLUS), in.get(limits), in.get(limits + 1));
    }

    /** Where (batch, head) bh's group starts in B and C: (batch, G, N). */
    private static int stepGroupOffset(IntArray dims, int bh) {
        int H = dims.get(SsdDims.H);
        int g = (bh % H) / (H / dims.get(SsdDims.G));
        return ((bh / H) * dims.get(SsdDims.G) + g) * dims.get(SsdDims.N);
    }

    /** y = h·C + D·x, gated by silu(z) when z is given. */
    private static float stepOutput(FloatArray in, IntArray parts, IntArray dims, float hc, int i, int h) {
        float out = hc + in.get(parts.get(StepInputs.D) + h) * in.get(i);
        if (dims.get(SsdDims.HAS_Z) != 0) {
            out = out * silu(in.get(parts.get(StepInputs.Z) + i));
        }
        return out;
    }
}
