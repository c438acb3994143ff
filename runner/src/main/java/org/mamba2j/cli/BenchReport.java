package org.mamba2j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.mamba2j.model.StepProfile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Writes a benchmark run as results.csv, results.json, results.md and chart.svg. */
final class BenchReport {

    private static final String[] COLUMNS = {"device", "device_name", "workload", "chunk", "status", "first_call_ms",
            "median_ms", "min_ms", "max_ms", "rel_iqr", "kernel_ms", "throughput", "unit", "gflops", "rel_err", "error",
            "step_sequences", "step_tasks", "step_graphs", "step_host_ms", "step_weight_bytes", "step_weight_gbs", "step_peak_fraction"};

    private BenchReport() {
    }

    static void write(Path dir, String command, List<BenchResult> results) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("results.csv"), csv(results));
        Files.writeString(dir.resolve("results.json"), json(command, results));
        Files.writeString(dir.resolve("results.md"), markdown(command, results));
        Files.writeString(dir.resolve("chart.svg"), svg(results));
    }

    private static Object[] values(BenchResult r) {
        StepProfile s = r.step();
        return new Object[]{r.device(), r.deviceName(), r.workload(), chunk(r), r.status(), r.firstCallMs(), r.medianMs(),
                r.minMs(), r.maxMs(), r.relIqr(), r.kernelMs(), r.throughput(), r.unit(), r.gflops(), r.relErr(), r.error(),
                s == null ? null : s.sequences(), s == null ? null : s.tasks(), s == null ? null : s.graphs(), r.hostMs(),
                s == null ? null : s.weightBytes(), s == null ? Double.NaN : s.weightBytes() / (r.medianMs() / 1e3) / 1e9,
                s == null ? Double.NaN : s.bandwidthFraction(r.medianMs())};
    }

    /** The chunk size that ran, or null where the workload has none of its own. */
    private static Integer chunk(BenchResult r) {
        return r.chunk() == BenchResult.NO_CHUNK ? null : r.chunk();
    }

    static String csv(List<BenchResult> results) {
        StringBuilder sb = new StringBuilder(String.join(",", COLUMNS)).append('\n');
        for (BenchResult r : results) {
            List<String> cells = new ArrayList<>();
            for (Object v : values(r)) cells.add(csvCell(v));
            sb.append(String.join(",", cells)).append('\n');
        }
        return sb.toString();
    }

    private static String csvCell(Object v) {
        if (v == null) return "";
        if (v instanceof Double d) return d.isNaN() ? "" : String.format(Locale.ROOT, "%.6g", d);
        String s = String.valueOf(v);
        return s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }

    static String json(String command, List<BenchResult> results) throws IOException {
        ObjectMapper om = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = om.createObjectNode();
        root.put("command", command);
        root.put("java", Runtime.version().toString());
        root.put("cores", Runtime.getRuntime().availableProcessors());
        ArrayNode rows = root.putArray("results");
        for (BenchResult r : results) {
            ObjectNode o = rows.addObject();
            Object[] v = values(r);
            for (int i = 0; i < COLUMNS.length; i++) {
                if (v[i] == null) {
                    o.putNull(COLUMNS[i]);
                } else if (v[i] instanceof Integer n) {
                    o.put(COLUMNS[i], n);
                } else if (v[i] instanceof Long n) {
                    o.put(COLUMNS[i], n);
                } else if (v[i] instanceof Double d) {
                    if (d.isNaN()) o.putNull(COLUMNS[i]); else o.put(COLUMNS[i], d);
                } else {
                    o.put(COLUMNS[i], String.valueOf(v[i]));
                }
            }
        }
        return om.writeValueAsString(root) + "\n";
    }

    static String markdown(String command, List<BenchResult> results) {
        StringBuilder sb = new StringBuilder();
        sb.append("`").append(command).append("`\n\n");
        sb.append("| device | workload | chunk | median | spread (IQR) | device kernels | first call | throughput | GFLOP/s | rel err | status |\n");
        sb.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
        for (BenchResult r : results) {
            if (!r.status().equals("failed")) {
                sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %.3f ms | %.1f%% | %s | %.0f ms | %s %s | %s | %.1e | %s |%n",
                        label(r), r.workload(), chunk(r) == null ? "–" : chunk(r), r.medianMs(), 100 * r.relIqr(),
                        Double.isNaN(r.kernelMs()) ? "–" : String.format(Locale.ROOT, "%.3f ms", r.kernelMs()), r.firstCallMs(),
                        human(r.throughput()), r.unit(), Double.isNaN(r.gflops()) ? "–" : String.format(Locale.ROOT, "%.1f", r.gflops()), r.relErr(), r.error().isEmpty() ? r.status() : r.status() + ": " + r.error()));
            } else {
                sb.append(String.format(Locale.ROOT, "| %s | %s | – | – | – | – | – | – | – | – | failed: %s |%n",
                        r.device(), r.workload(), r.error().replace("|", "/")));
            }
        }
        List<BenchResult> steps = results.stream().filter(r -> r.step() != null && !r.status().equals("failed")).toList();
        if (!steps.isEmpty()) {
            sb.append("\nPer decode step (a step is one token of each of its sequences; host = wall − device kernels; weights as read per step, ")
                    .append("against the device config's decode.memoryBandwidthGBs):\n\n");
            sb.append("| device | workload | sequences | tasks | graph executions | wall | device kernels | host (launch) | weights read | weight GB/s | of peak |\n");
            sb.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            for (BenchResult r : steps) {
                StepProfile p = r.step();
                sb.append(String.format(Locale.ROOT, "| %s | %s | %d | %d | %d | %.3f ms | %s | %s | %.1f MB | %.0f | %s |%n", r.device(), r.workload(),
                        p.sequences(), p.tasks(), p.graphs(), r.medianMs(), ms(p.kernelMs()), ms(r.hostMs()), p.weightBytes() / 1e6,
                        p.weightBytes() / (r.medianMs() / 1e3) / 1e9,
                        Double.isNaN(p.peakGBs()) ? "–" : String.format(Locale.ROOT, "%.1f%% of %.0f GB/s", 100 * p.bandwidthFraction(r.medianMs()), p.peakGBs())));
            }
        }
        return sb.toString();
    }

    private static String ms(double v) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%.3f ms", v);
    }

    private static String label(BenchResult r) {
        return r.deviceName().isEmpty() ? r.device() : r.device() + " (" + r.deviceName() + ")";
    }

    private static String human(double v) {
        return v >= 100 ? String.format(Locale.ROOT, "%,.0f", v) : String.format(Locale.ROOT, "%.2f", v);
    }

    /** Horizontal bars of throughput per device, one panel per workload, log-free and dependency-free. */
    static String svg(List<BenchResult> results) {
        Map<String, List<BenchResult>> byWorkload = new LinkedHashMap<>();
        for (BenchResult r : results) byWorkload.computeIfAbsent(r.workload(), k -> new ArrayList<>()).add(r);
        int barH = 22, gap = 6, left = 260, width = 900, barMax = width - left - 150;
        int height = 20;
        for (List<BenchResult> rs : byWorkload.values()) height += 40 + rs.size() * (barH + gap);
        String[] palette = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7"};
        Map<String, String> colour = new LinkedHashMap<>();
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"13\">%n", width, height));
        sb.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        int y = 20;
        for (Map.Entry<String, List<BenchResult>> e : byWorkload.entrySet()) {
            double max = e.getValue().stream().filter(r -> !Double.isNaN(r.throughput())).mapToDouble(BenchResult::throughput).max().orElse(1);
            String unit = e.getValue().stream().map(BenchResult::unit).filter(u -> !u.isEmpty()).findFirst().orElse("");
            sb.append(String.format(Locale.ROOT, "<text x=\"10\" y=\"%d\" font-weight=\"bold\">%s (%s, higher is better)</text>%n", y + 14, esc(e.getKey()), esc(unit)));
            y += 26;
            for (BenchResult r : e.getValue()) {
                String c = colour.computeIfAbsent(r.device(), k -> palette[colour.size() % palette.length]);
                sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>%n", left - 8, y + 16, esc(r.device())));
                if (Double.isNaN(r.throughput())) {
                    sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" fill=\"#a00\">failed</text>%n", left, y + 16));
                } else {
                    int w = (int) Math.max(1, Math.round(barMax * r.throughput() / max));
                    sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"/>%n", left, y, w, barH, c));
                    sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s%s</text>%n", left + w + 6, y + 16, human(r.throughput()), r.isOk() ? "" : " (" + r.status() + ")"));
                }
                y += barH + gap;
            }
            y += 14;
        }
        sb.append("</svg>\n");
        return sb.toString();
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
