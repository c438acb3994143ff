package org.mamba2j.model;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.mamba2j.io.MalformedFileException;
import org.mamba2j.io.SafeTensors;
import org.mamba2j.ssd.JvmSsd;
import org.mamba2j.ssd.SsdBackend;
import org.mamba2j.ssd.SsdInputs;
import org.mamba2j.ssd.SsdShape;
import org.mamba2j.ssd.TimeStep;

import java.io.IOException;
import java.nio.file.Path;
import java.util.stream.IntStream;

/**
 * A Mamba-2 language model: embedding, n_layer x (RMSNorm, mixer) with a float32 residual, norm_f,
 * lm_head (the embedding when tied). Prefill runs the chunked SSD over the prompt; decoding runs
 * the recurrent step against a {@link State}. Each stage is its own small method so that a GPU
 * backend can replace them one at a time; SSD itself goes through {@link SsdBackend}.
 */
public final class Mamba2Model implements AutoCloseable {

    /** The weights of one block; small vectors as float[], the two projections left mapped. */
    static final class Layer {
        float[] norm;            // (d_model)
        Matrix inProj;           // (d_in_proj, d_model)
        float[] inProjBias;      // (d_in_proj) or null
        float[] convW;           // (conv_dim, d_conv)
        float[] convTaps;        // (d_conv, conv_dim): convW tap-major, a vector of channels per tap
        float[] convB;           // (conv_dim), zeros without conv bias
        float[] A;               // -exp(A_log), (nheads)
        float[] D;               // (nheads)
        TimeStep timeStep;       // dt bias, softplus, limit
        float[] gateNorm;        // (d_inner)
        Matrix outProj;          // (d_model, d_inner)
        float[] outProjBias;     // (d_model) or null
    }

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int VL = F.length();
    /** Tokens per task in prefill's per-token stages (norms, conv): enough work per fork, enough tasks to balance. */
    private static final int TOKEN_GRAIN = 64;

    private final Mamba2Config cfg;
    private final Checkpoint checkpoint;
    private final Layer[] layers;
    private final Matrix embedding, lmHead;
    private final float[] normF;
    private final SsdBackend ssd;

    private Mamba2Model(Mamba2Config cfg, Checkpoint checkpoint, Layer[] layers, Matrix embedding, Matrix lmHead,
                        float[] normF, SsdBackend ssd) {
        this.cfg = cfg;
        this.checkpoint = checkpoint;
        this.layers = layers;
        this.embedding = embedding;
        this.lmHead = lmHead;
        this.normF = normF;
        this.ssd = ssd;
    }

    public static Mamba2Model load(Path dir) throws IOException {
        return load(dir, JvmSsd.INSTANCE);
    }

    public static Mamba2Model load(Path dir, SsdBackend ssd) throws IOException {
        Checkpoint ck = Checkpoint.open(dir);
        try {
            return build(ck, ssd);
        } catch (IOException | RuntimeException e) {
            ck.close();
            throw e;
        }
    }

    private static Mamba2Model build(Checkpoint ck, SsdBackend ssd) throws IOException {
        Mamba2Config c = ck.config();
        SafeTensors.Tensor emb = ck.tensors().get("backbone.embeddings.weight");
        if (emb != null && emb.shape().length == 2 && emb.shape()[0] != c.paddedVocab() && emb.shape()[0] == c.vocabSize()
                && ck.layout() != Checkpoint.Layout.MAMBA_SSM_TORCH) {
            c = c.withPaddedVocab(c.vocabSize());   // an HF file that never padded
        }
        int D = c.dModel(), V = c.paddedVocab(), H = c.nheads(), K = c.dConv(), Di = c.dInner(), Cd = c.convDim(), Dp = c.dInProj();
        Matrix embedding = ck.matrix("backbone.embeddings.weight", V, D);
        Matrix lmHead = c.tieEmbeddings() ? embedding : ck.matrix("lm_head.weight", V, D);
        float[] normF = ck.require("backbone.norm_f.weight", D).toFloats();
        Layer[] layers = new Layer[c.nLayer()];
        for (int i = 0; i < layers.length; i++) {
            String p = "backbone.layers." + i + ".";
            Layer l = new Layer();
            l.norm = ck.require(p + "norm.weight", D).toFloats();
            l.inProj = ck.matrix(p + "mixer.in_proj.weight", Dp, D);
            l.inProjBias = c.useBias() ? ck.require(p + "mixer.in_proj.bias", Dp).toFloats() : null;
            l.convW = ck.require(p + "mixer.conv1d.weight", Cd, 1, K).toFloats();
            l.convB = c.useConvBias() ? ck.require(p + "mixer.conv1d.bias", Cd).toFloats() : new float[Cd];
            l.convTaps = new float[K * Cd];
            for (int ch = 0; ch < Cd; ch++) for (int k = 0; k < K; k++) l.convTaps[k * Cd + ch] = l.convW[ch * K + k];
            float[] aLog = ck.require(p + "mixer.A_log", H).toFloats();
            l.A = new float[H];
            for (int h = 0; h < H; h++) l.A[h] = (float) -Math.exp(aLog[h]);
            l.D = ck.require(p + "mixer.D", H).toFloats();
            l.timeStep = TimeStep.softplus(ck.require(p + "mixer.dt_bias", H).toFloats(), c.dtMin(), c.dtMax());
            l.gateNorm = ck.require(p + "mixer.norm.weight", Di).toFloats();
            l.outProj = ck.matrix(p + "mixer.out_proj.weight", D, Di);
            l.outProjBias = c.useBias() ? ck.require(p + "mixer.out_proj.bias", D).toFloats() : null;
            layers[i] = l;
        }
        return new Mamba2Model(c, ck, layers, embedding, lmHead, normF, ssd);
    }

    public Mamba2Config config() { return cfg; }
    Layer layer(int i) { return layers[i]; }
    Matrix embedding() { return embedding; }
    Matrix lmHead() { return lmHead; }
    float[] normF() { return normF; }
    public Checkpoint checkpoint() { return checkpoint; }
    public String deviceName() { return ssd.deviceName(); }

    /** Per-sequence recurrent state (conv window and SSM state per layer) and decode buffers. */
    public State newState() {
        return new State(this);
    }

    /**
     * Runs {@code tokens} through the model, continuing from {@code state} (fresh or after earlier
     * tokens) and leaving it after the last token. Returns logits (T, padded vocab) when
     * {@code allLogits}, otherwise only the last position's (padded vocab).
     */
    public float[] prefill(int[] tokens, State state, boolean allLogits) {
        int T = tokens.length, D = cfg.dModel();
        if (T == 0) throw new IllegalArgumentException("prefill needs at least one token");
        float[] h = new float[T * D];
        for (int t = 0; t < T; t++) embed(tokens[t], h, t * D);
        PrefillBuffers b = new PrefillBuffers(cfg, T);
        for (int i = 0; i < layers.length; i++) {
            Layer l = layers[i];
            forTokens(T, (t0, t1) -> {
                for (int t = t0; t < t1; t++) rmsNorm(h, t * D, l.norm, b.normed, t * D, D, cfg.normEps());
            });
            mixerPrefill(l, b, T, state, i);
            forTokens(T, (t0, t1) -> {
                for (int k = t0 * D; k < t1 * D; k++) h[k] += b.out[k];
            });
        }
        state.position += T;
        if (!allLogits) {
            rmsNorm(h, (T - 1) * D, normF, state.normed, 0, D, cfg.normEps());
            float[] logits = new float[cfg.paddedVocab()];
            lmHead.matvec(state.normed, logits);
            return logits;
        }
        forTokens(T, (t0, t1) -> {
            for (int t = t0; t < t1; t++) rmsNorm(h, t * D, normF, b.normed, t * D, D, cfg.normEps());
        });
        float[] logits = new float[T * cfg.paddedVocab()];
        lmHead.matmul(b.normed, T, logits);
        return logits;
    }

    /** The mixer over b.normed into b.out, advancing the layer's conv window and SSM state. */
    private void mixerPrefill(Layer l, PrefillBuffers b, int T, State st, int layer) {
        int Dp = cfg.dInProj(), Di = cfg.dInner(), Cd = cfg.convDim(), H = cfg.nheads(), GN = cfg.ngroups() * cfg.dState();
        l.inProj.matmul(b.normed, T, b.proj);
        if (l.inProjBias != null) for (int t = 0; t < T; t++) addBias(b.proj, t * Dp, l.inProjBias);
        causalConv(l, b.proj, T, st.conv[layer], b.xbc);
        forTokens(T, (t0, t1) -> {
            for (int t = t0; t < t1; t++) {
                System.arraycopy(b.xbc, t * Cd, b.x, t * Di, Di);
                System.arraycopy(b.xbc, t * Cd + Di, b.B, t * GN, GN);
                System.arraycopy(b.xbc, t * Cd + Di + GN, b.C, t * GN, GN);
                System.arraycopy(b.proj, t * Dp + Di + Cd, b.dt, t * H, H);
            }
        });
        SsdShape shape = new SsdShape(1, T, H, cfg.headdim(), cfg.ngroups(), cfg.dState(), cfg.chunkSize());
        float[] init = st.position == 0 ? null : st.ssm[layer];
        ssd.forward(shape, new SsdInputs(b.x, b.dt, l.A, b.B, b.C, l.D, null, init, l.timeStep), b.y, b.finalState);
        System.arraycopy(b.finalState, 0, st.ssm[layer], 0, b.finalState.length);
        forTokens(T, (t0, t1) -> {
            for (int t = t0; t < t1; t++) gatedNorm(l, b.y, t * Di, b.proj, t * Dp);
        });
        l.outProj.matmul(b.y, T, b.out);
        if (l.outProjBias != null) for (int t = 0; t < T; t++) addBias(b.out, t * cfg.dModel(), l.outProjBias);
    }

    /**
     * One layer's activations for T tokens, allocated once per prefill and reused by every layer: at
     * a long prompt they are tens of MB, which per layer would keep the collector copying them.
     */
    private static final class PrefillBuffers {
        final float[] normed, proj, xbc, x, B, C, dt, y, finalState, out;

        PrefillBuffers(Mamba2Config c, int T) {
            int GN = c.ngroups() * c.dState();
            normed = new float[T * c.dModel()];
            proj = new float[T * c.dInProj()];
            xbc = new float[T * c.convDim()];
            x = new float[T * c.dInner()];
            B = new float[T * GN];
            C = new float[T * GN];
            dt = new float[T * c.nheads()];
            y = new float[T * c.dInner()];
            finalState = new float[c.nheads() * c.headdim() * c.dState()];
            out = new float[T * c.dModel()];
        }
    }

    /**
     * Causal depthwise conv1d (with bias) and SiLU over the xBC part of {@code proj}, continuing the
     * window in {@code convState} ((d_conv-1) past inputs, oldest first), which is then advanced.
     * Token t reads rows t .. t+d_conv-1 of (window ++ these tokens' xBC): the first d_conv-1 tokens
     * reach into the window and read a stitched copy, the rest read proj in place, so the vector
     * loop never branches on where its input lives.
     */
    private void causalConv(Layer l, float[] proj, int T, float[] convState, float[] xbc) {
        int Dp = cfg.dInProj(), Di = cfg.dInner(), Cd = cfg.convDim(), K = cfg.dConv(), Km1 = K - 1;
        float[] taps = l.convTaps;
        int head = Math.min(T, Km1);
        float[] stitched = new float[(Km1 + head) * Cd];
        System.arraycopy(convState, 0, stitched, 0, Km1 * Cd);
        for (int t = 0; t < head; t++) System.arraycopy(proj, t * Dp + Di, stitched, (Km1 + t) * Cd, Cd);
        convRows(stitched, 0, Cd, taps, l.convB, xbc, 0, head);
        if (T > head) {
            forTokens(T - head, (t0, t1) -> convRows(proj, (head + t0 - Km1) * Dp + Di, Dp, taps, l.convB,
                    xbc, (head + t0) * Cd, t1 - t0));
        }
        // The new window is the last K-1 rows of (old window ++ these tokens).
        float[] next = new float[Km1 * Cd];
        for (int j = 0; j < Km1; j++) {
            int src = T - Km1 + j;
            if (src >= 0) System.arraycopy(proj, src * Dp + Di, next, j * Cd, Cd);
            else System.arraycopy(convState, (Km1 + src) * Cd, next, j * Cd, Cd);
        }
        System.arraycopy(next, 0, convState, 0, next.length);
    }

    /**
     * out row j = silu(bias + Σ_k taps[k] ⊙ in row j+k) for j &lt; n: rows of conv_dim channels,
     * {@code stride} apart in {@code in} and packed in {@code out}; vectorized over channels.
     */
    private static void convRows(float[] in, int inOff, int stride, float[] taps, float[] bias, float[] out, int outOff, int n) {
        int Cd = bias.length, K = taps.length / Cd, vEnd = F.loopBound(Cd);
        for (int j = 0; j < n; j++) {
            int row = inOff + j * stride, o = outOff + j * Cd, c = 0;
            for (; c < vEnd; c += VL) {
                FloatVector acc = FloatVector.fromArray(F, bias, c);
                for (int k = 0; k < K; k++) {
                    acc = FloatVector.fromArray(F, taps, k * Cd + c).fma(FloatVector.fromArray(F, in, row + k * stride + c), acc);
                }
                silu(acc).intoArray(out, o + c);
            }
            for (; c < Cd; c++) {
                float acc = bias[c];
                for (int k = 0; k < K; k++) acc += taps[k * Cd + c] * in[row + k * stride + c];
                out[o + c] = silu(acc);
            }
        }
    }

    /**
     * One decode step: feeds {@code token}, advances {@code st}, returns the logits in a buffer owned
     * by {@code st} (overwritten by the next step). Allocates no buffer of the model's size: only each
     * matrix-vector product's copy of its input in its kernel's form (a few KB, see {@link Matrix}).
     */
    public float[] step(int token, State st) {
        int D = cfg.dModel();
        float[] h = st.hidden;
        embed(token, h, 0);
        for (int i = 0; i < layers.length; i++) {
            Layer l = layers[i];
            rmsNorm(h, 0, l.norm, st.normed, 0, D, cfg.normEps());
            mixerStep(l, st, i);
            for (int k = 0; k < D; k++) h[k] += st.out[k];
        }
        rmsNorm(h, 0, normF, st.normed, 0, D, cfg.normEps());
        lmHead.matvec(st.normed, st.logits);
        st.position++;
        return st.logits;
    }

    private void mixerStep(Layer l, State st, int layer) {
        l.inProj.matvec(st.normed, st.proj);
        if (l.inProjBias != null) addBias(st.proj, 0, l.inProjBias);
        convSsdGate(l, st, layer);
        l.outProj.matvec(st.y, st.out);
        if (l.outProjBias != null) addBias(st.out, 0, l.outProjBias);
    }

    /**
     * One decode step for several sequences at once: {@code tokens[b]} is fed to {@code states[b]},
     * which advances; returns each state's logits (its own buffer, as {@link #step}). The
     * projections and the lm_head run as one matrix product over the batch, so every weight is read
     * once per step for all sequences; the conv, SSD step and gated norm run per sequence (in
     * parallel). Each sequence gets what {@link #step} gives it alone, up to the summation order of
     * the products.
     */
    public float[][] step(int[] tokens, State[] states) {
        int B = states.length, D = cfg.dModel(), Dp = cfg.dInProj(), Di = cfg.dInner(), V = cfg.paddedVocab();
        if (tokens.length != B) throw new IllegalArgumentException(tokens.length + " tokens for " + B + " sequences");
        float[] h = new float[B * D], normed = new float[B * D], proj = new float[B * Dp], y = new float[B * Di], out = new float[B * D];
        for (int b = 0; b < B; b++) embed(tokens[b], h, b * D);
        for (int i = 0; i < layers.length; i++) {
            Layer l = layers[i];
            int layer = i;
            for (int b = 0; b < B; b++) rmsNorm(h, b * D, l.norm, normed, b * D, D, cfg.normEps());
            l.inProj.matmul(normed, B, proj);
            IntStream.range(0, B).parallel().forEach(b -> {
                State st = states[b];
                System.arraycopy(proj, b * Dp, st.proj, 0, Dp);
                if (l.inProjBias != null) addBias(st.proj, 0, l.inProjBias);
                convSsdGate(l, st, layer);
                System.arraycopy(st.y, 0, y, b * Di, Di);
            });
            l.outProj.matmul(y, B, out);
            for (int b = 0; b < B; b++) {
                if (l.outProjBias != null) addBias(out, b * D, l.outProjBias);
            }
            for (int k = 0; k < B * D; k++) h[k] += out[k];
        }
        for (int b = 0; b < B; b++) rmsNorm(h, b * D, normF, normed, b * D, D, cfg.normEps());
        float[] logits = new float[B * V];
        lmHead.matmul(normed, B, logits);
        float[][] result = new float[B][];
        for (int b = 0; b < B; b++) {
            State st = states[b];
            System.arraycopy(logits, b * V, st.logits, 0, V);
            st.position++;
            result[b] = st.logits;
        }
        return result;
    }

    /** The mixer between the projections, on one sequence: conv step on st.proj's xBC, SSD step, gated norm into st.y. */
    private void convSsdGate(Layer l, State st, int layer) {
        int Di = cfg.dInner(), Cd = cfg.convDim(), K = cfg.dConv(), Km1 = K - 1, H = cfg.nheads();
        int GN = cfg.ngroups() * cfg.dState();
        float[] proj = st.proj, conv = st.conv[layer];
        convStep(conv, proj, Di, l.convTaps, l.convB, st.xbc);
        if (Km1 > 0) {
            System.arraycopy(conv, Cd, conv, 0, (Km1 - 1) * Cd);
            System.arraycopy(proj, Di, conv, (Km1 - 1) * Cd, Cd);
        }
        System.arraycopy(st.xbc, 0, st.x, 0, Di);
        System.arraycopy(st.xbc, Di, st.B, 0, GN);
        System.arraycopy(st.xbc, Di + GN, st.C, 0, GN);
        System.arraycopy(proj, Di + Cd, st.dt, 0, H);
        ssd.step(st.stepShape, st.stepInputs[layer], st.ssm[layer], st.y);
        gatedNorm(l, st.y, 0, proj, 0);
    }

    /**
     * out = silu(bias + Σ_k taps[k] ⊙ row k of (window ++ the new input at in[inOff])): the conv of one
     * decoded token, vectorized over channels and summed in {@link #convRows}'s order, so a token
     * gets the same value decoded as inside a prompt.
     */
    private static void convStep(float[] window, float[] in, int inOff, float[] taps, float[] bias, float[] out) {
        int Cd = bias.length, Km1 = taps.length / Cd - 1, vEnd = F.loopBound(Cd), c = 0;
        for (; c < vEnd; c += VL) {
            FloatVector acc = FloatVector.fromArray(F, bias, c);
            for (int k = 0; k < Km1; k++) acc = FloatVector.fromArray(F, taps, k * Cd + c).fma(FloatVector.fromArray(F, window, k * Cd + c), acc);
            acc = FloatVector.fromArray(F, taps, Km1 * Cd + c).fma(FloatVector.fromArray(F, in, inOff + c), acc);
            silu(acc).intoArray(out, c);
        }
        for (; c < Cd; c++) {
            float acc = bias[c];
            for (int k = 0; k < Km1; k++) acc += taps[k * Cd + c] * window[k * Cd + c];
            out[c] = silu(acc + taps[Km1 * Cd + c] * in[inOff + c]);
        }
    }

    /** Gated RMSNorm over groups of d_inner/ngroups, as mamba_ssm: norm(y * silu(z)) * w, in place on y. */
    private void gatedNorm(Layer l, float[] y, int yOff, float[] proj, int zOff) {
        int gs = cfg.dInner() / cfg.ngroups(), vEnd = F.loopBound(gs);
        boolean gateFirst = !cfg.normBeforeGate();
        for (int g = 0; g < cfg.ngroups(); g++) {
            int o = yOff + g * gs, zo = zOff + g * gs, wo = g * gs;
            if (gateFirst) {
                int k = 0;
                for (; k < vEnd; k += VL) {
                    FloatVector.fromArray(F, y, o + k).mul(silu(FloatVector.fromArray(F, proj, zo + k))).intoArray(y, o + k);
                }
                for (; k < gs; k++) y[o + k] *= silu(proj[zo + k]);
            }
            double ss = 0;
            for (int k = 0; k < gs; k++) ss += (double) y[o + k] * y[o + k];
            float inv = (float) (1.0 / Math.sqrt(ss / gs + cfg.mixerNormEps()));
            int k = 0;
            for (; k < vEnd; k += VL) {
                FloatVector v = FloatVector.fromArray(F, y, o + k).mul(inv).mul(FloatVector.fromArray(F, l.gateNorm, wo + k));
                if (!gateFirst) v = v.mul(silu(FloatVector.fromArray(F, proj, zo + k)));
                v.intoArray(y, o + k);
            }
            for (; k < gs; k++) {
                float v = y[o + k] * inv * l.gateNorm[wo + k];
                y[o + k] = gateFirst ? v : v * silu(proj[zo + k]);
            }
        }
    }

    private void embed(int token, float[] dst, int off) {
        if (token < 0 || token >= cfg.paddedVocab()) {
            throw new IllegalArgumentException("token id " + token + " is outside the vocabulary [0, " + cfg.paddedVocab() + ")");
        }
        embedding.row(token, dst, off);
    }

    static void rmsNorm(float[] x, int xOff, float[] w, float[] out, int outOff, int n, float eps) {
        double ss = 0;
        for (int k = 0; k < n; k++) ss += (double) x[xOff + k] * x[xOff + k];
        float inv = (float) (1.0 / Math.sqrt(ss / n + eps));
        for (int k = 0; k < n; k++) out[outOff + k] = x[xOff + k] * inv * w[k];
    }

    private static void addBias(float[] v, int off, float[] b) {
        for (int k = 0; k < b.length; k++) v[off + k] += b[k];
    }

    /** Runs a per-token stage over tokens [0, T) in blocks of {@link #TOKEN_GRAIN} on all cores. */
    private static void forTokens(int T, TokenRange stage) {
        int blocks = (T + TOKEN_GRAIN - 1) / TOKEN_GRAIN;
        if (blocks == 1) {
            stage.run(0, T);
            return;
        }
        IntStream.range(0, blocks).parallel().forEach(b -> stage.run(b * TOKEN_GRAIN, Math.min(T, (b + 1) * TOKEN_GRAIN)));
    }

    @FunctionalInterface
    private interface TokenRange {
        void run(int t0, int t1);
    }

    /** SiLU with the vector EXP (SVML on x86): Math.exp per element was most of the conv's and gated norm's time. */
    private static FloatVector silu(FloatVector v) {
        return v.div(v.neg().lanewise(VectorOperators.EXP).add(1f));
    }

    static float silu(float v) {
        return v / (1f + (float) Math.exp(-v));
    }

    @Override
    public void close() {
        checkpoint.close();
    }

    /** Recurrent state of one sequence plus every buffer a decode step writes. */
    public static final class State {
        final float[][] conv, ssm;
        final float[] hidden, normed, proj, xbc, x, dt, B, C, y, out, logits;
        final SsdShape stepShape;
        final SsdInputs[] stepInputs;
        int position;

        /** Block {@code layer}'s conv window, (dConv − 1, convDim), live: writes change the state. */
        public float[] convWindow(int layer) {
            return conv[layer];
        }

        /** Block {@code layer}'s SSM state, (nheads, headdim, dstate), live. */
        public float[] ssmState(int layer) {
            return ssm[layer];
        }

        /** Sets the position of the next token (after states were written from elsewhere). */
        public void moveTo(int nextPosition) {
            position = nextPosition;
        }

        private State(Mamba2Model m) {
            Mamba2Config c = m.cfg;
            int L = c.nLayer(), GN = c.ngroups() * c.dState();
            conv = new float[L][(c.dConv() - 1) * c.convDim()];
            ssm = new float[L][c.nheads() * c.headdim() * c.dState()];
            hidden = new float[c.dModel()];
            normed = new float[c.dModel()];
            proj = new float[c.dInProj()];
            xbc = new float[c.convDim()];
            x = new float[c.dInner()];
            dt = new float[c.nheads()];
            B = new float[GN];
            C = new float[GN];
            y = new float[c.dInner()];
            out = new float[c.dModel()];
            logits = new float[c.paddedVocab()];
            stepShape = new SsdShape(1, 1, c.nheads(), c.headdim(), c.ngroups(), c.dState(), c.chunkSize());
            // Built once: they only hold references to the buffers above, refilled every step.
            stepInputs = new SsdInputs[L];
            for (int i = 0; i < L; i++) {
                Layer l = m.layers[i];
                stepInputs[i] = new SsdInputs(x, dt, l.A, B, C, l.D, null, null, l.timeStep);
            }
        }

        /** Tokens consumed so far. */
        public int position() { return position; }
    }
}
