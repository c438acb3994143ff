package org.mamba2j.ssd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.mamba2j.io.SafeTensors;
import org.mamba2j.ssd.RandomInputs;
import org.mamba2j.ssd.SsdInputs;
import org.mamba2j.ssd.SsdReference;
import org.mamba2j.ssd.SsdShape;
import org.mamba2j.ssd.TimeStep;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The SSD cases the kernels are checked on: the golden cases of testdata/ssd (float64 outputs
 * of the recurrence) and random shapes (checked against {@link SsdReference}). Plain Java.
 */
public final class CheckCases {

    /** One case with its float64 expected outputs. */
    public record Case(String name, SsdShape shape, SsdInputs inputs, double[] y, double[] finalState) {
        @Override
        public String toString() {
            return name + " (" + shape + ")";
        }
    }

    private CheckCases() {
    }

    /**
     * The golden cases, each twice where the raw dt maps 1:1: with dt as stored, and from raw dt
     * through the dt bias and softplus on the device (name suffix "+softplus").
     */
    public static List<Case> golden(Path goldenDir) throws IOException {
        Path ssd = goldenDir.resolve("ssd");
        if (!Files.isDirectory(ssd)) throw new IOException("golden SSD data not found at " + ssd.toAbsolutePath());
        JsonNode cases = new ObjectMapper().readTree(ssd.resolve("cases.json").toFile()).get("cases");
        List<Case> out = new ArrayList<>();
        try (SafeTensors st = SafeTensors.open(ssd.resolve("cases.safetensors"))) {
            for (JsonNode c : cases) {
                String n = c.get("name").asText();
                SsdShape shape = new SsdShape(c.get("batch").asInt(), c.get("seqlen").asInt(), c.get("nheads").asInt(),
                        c.get("headdim").asInt(), c.get("ngroups").asInt(), c.get("dstate").asInt(), c.get("chunk_size").asInt());
                float[] z = c.get("has_z").asBoolean() ? st.get(n + ".z").toFloats() : null;
                float[] init = c.get("has_initial_state").asBoolean() ? st.get(n + ".initial_state").toFloats() : null;
                float[] x = st.get(n + ".x").toFloats(), A = st.get(n + ".A").toFloats();
                float[] B = st.get(n + ".B").toFloats(), C = st.get(n + ".C").toFloats(), D = st.get(n + ".D").toFloats();
                double[] y = st.get(n + ".y").toDoubles(), fs = st.get(n + ".final_state").toDoubles();
                out.add(new Case(n, shape, new SsdInputs(x, st.get(n + ".dt").toFloats(), A, B, C, D, z, init, TimeStep.RAW), y, fs));
                if (c.get("dt_scale").asDouble() == 1.0) {
                    SsdInputs raw = new SsdInputs(x, st.get(n + ".dt_raw").toFloats(), A, B, C, D, z, init,
                            TimeStep.softplus(st.get(n + ".dt_bias").toFloats(), 0f, Float.POSITIVE_INFINITY));
                    out.add(new Case(n + "+softplus", shape, raw, y, fs));
                }
            }
        }
        if (out.isEmpty()) throw new IOException("no golden SSD cases in " + ssd);
        return out;
    }

    /** {@code count} random shapes (ragged chunks, groups, z, initial state, strong decay), reference from the recurrence. */
    public static List<Case> random(int count, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int[] seqlens = {1, 2, 7, 63, 64, 65, 130, 257, 400};
        int[] chunks = {1, 3, 16, 33, 64, 100, 128};
        List<Case> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int L = seqlens[i % seqlens.length];
            int Q = chunks[(i * 3 + 1) % chunks.length];
            if (L > 200 && Q < 16) Q = 48;
            int H = new int[] {1, 2, 4, 6}[rnd.nextInt(4)];
            int[] groupChoices = {1, H, H % 2 == 0 ? 2 : 1};
            int G = groupChoices[rnd.nextInt(3)];
            int batch = 1 + rnd.nextInt(3);
            int P = new int[] {4, 8, 16, 20}[rnd.nextInt(4)], N = new int[] {4, 8, 16, 32}[rnd.nextInt(4)];
            float dtScale = i % 5 == 0 ? 8f : 1f;
            SsdShape s = new SsdShape(batch, L, H, P, G, N, Q);
            SsdInputs in = RandomInputs.generate(s, seed + i, dtScale, i % 2 == 0, i % 3 != 0);
            if (i % 4 == 1) { // raw dt through bias, softplus and a limit on the device
                float[] bias = new float[H];
                for (int h = 0; h < H; h++) bias[h] = (float) (h % 2 == 0 ? -3.0 - h : 21.0); // odd heads above the softplus threshold
                float[] raw = in.dt().clone();
                for (int k = 0; k < raw.length; k++) raw[k] = (float) (raw[k] * 10 - 1);
                in = new SsdInputs(in.x(), raw, in.A(), in.B(), in.C(), in.D(), in.z(), in.initialState(),
                        TimeStep.softplus(bias, 0.001f, 0.5f));
            }
            SsdReference.Exact ref = SsdReference.forward(s, in);
            out.add(new Case("random" + i, s, in, ref.y(), ref.finalState()));
        }
        return out;
    }

    /**
     * Shapes spanning several 64-wide tiles in P, N and Q, not multiples of 64 (the random cases stay
     * below one such tile): the ragged edges of the blocked kernels, one case with strong decay.
     */
    public static List<Case> wide() {
        return List.of(
                wide("wide_ragged", new SsdShape(2, 230, 2, 72, 1, 80, 100), 1, 1f, true, true),
                wide("wide_ragged_strong_decay", new SsdShape(1, 150, 2, 130, 2, 66, 70), 2, 8f, false, true),
                wide("wide_exact_tiles", new SsdShape(1, 256, 1, 64, 1, 128, 128), 3, 1f, true, false));
    }

    private static Case wide(String name, SsdShape s, long seed, float dtScale, boolean z, boolean init) {
        SsdInputs in = RandomInputs.generate(s, 9000 + seed, dtScale, z, init);
        SsdReference.Exact ref = SsdReference.forward(s, in);
        return new Case(name, s, in, ref.y(), ref.finalState());
    }

    /** Slices token t of every batch row out of a (batch, seqlen, ...) case: the inputs of one decode step. */
    public static SsdInputs token(SsdShape s, SsdInputs in, int t) {
        int xi = s.nheads() * s.headdim(), bi = s.ngroups() * s.dstate();
        return new SsdInputs(slice(in.x(), s, xi, t), slice(in.dt(), s, s.nheads(), t), in.A(), slice(in.B(), s, bi, t),
                slice(in.C(), s, bi, t), in.D(), slice(in.z(), s, xi, t), null, in.timeStep());
    }

    private static float[] slice(float[] a, SsdShape s, int inner, int t) {
        if (a == null) return null;
        float[] out = new float[s.batch() * inner];
        for (int b = 0; b < s.batch(); b++) System.arraycopy(a, (b * s.seqlen() + t) * inner, out, b * inner, inner);
        return out;
    }
}
