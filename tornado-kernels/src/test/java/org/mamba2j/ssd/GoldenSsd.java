package org.mamba2j.ssd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.mamba2j.io.SafeTensors;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The golden SSD cases of ../shared/golden/ssd, with their float64 outputs. */
public record GoldenSsd(String name, SsdShape shape, SsdInputs inputs, SsdInputs rawDtInputs, double dtScale,
                        double[] y, double[] finalState) {

    public static Path dir() {
        return Path.of(System.getProperty("golden.dir", "../shared/golden"));
    }

    public static List<GoldenSsd> load() throws IOException {
        Path ssd = dir().resolve("ssd");
        if (!Files.isDirectory(ssd)) throw new IOException("golden SSD data not found at " + ssd.toAbsolutePath());
        JsonNode cases = new ObjectMapper().readTree(ssd.resolve("cases.json").toFile()).get("cases");
        List<GoldenSsd> out = new ArrayList<>();
        try (SafeTensors st = SafeTensors.open(ssd.resolve("cases.safetensors"))) {
            for (JsonNode c : cases) {
                String n = c.get("name").asText();
                SsdShape shape = new SsdShape(c.get("batch").asInt(), c.get("seqlen").asInt(), c.get("nheads").asInt(),
                        c.get("headdim").asInt(), c.get("ngroups").asInt(), c.get("dstate").asInt(), c.get("chunk_size").asInt());
                float[] z = c.get("has_z").asBoolean() ? st.get(n + ".z").toFloats() : null;
                float[] init = c.get("has_initial_state").asBoolean() ? st.get(n + ".initial_state").toFloats() : null;
                float[] x = st.get(n + ".x").toFloats(), A = st.get(n + ".A").toFloats();
                float[] B = st.get(n + ".B").toFloats(), C = st.get(n + ".C").toFloats(), D = st.get(n + ".D").toFloats();
                SsdInputs in = new SsdInputs(x, st.get(n + ".dt").toFloats(), A, B, C, D, z, init, TimeStep.RAW);
                SsdInputs raw = new SsdInputs(x, st.get(n + ".dt_raw").toFloats(), A, B, C, D, z, init,
                        TimeStep.softplus(st.get(n + ".dt_bias").toFloats(), 0f, Float.POSITIVE_INFINITY));
                out.add(new GoldenSsd(n, shape, in, raw, c.get("dt_scale").asDouble(),
                        st.get(n + ".y").toDoubles(), st.get(n + ".final_state").toDoubles()));
            }
        }
        if (out.isEmpty()) throw new IOException("no golden SSD cases in " + ssd);
        return out;
    }

    @Override
    public String toString() {
        return name + " (" + shape + ")";
    }
}
