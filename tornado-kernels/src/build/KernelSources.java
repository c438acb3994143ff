import freemarker.template.Configuration;
import freemarker.template.Template;
import freemarker.template.TemplateExceptionHandler;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Renders the kernel templates (src/main/templates, FreeMarker) into Java sources before compilation (the build's
 * generate-sources phase): kernels that differ only in the shape of a work item's register block are written once.
 * A source is rewritten only when its text changes, so an unchanged template leaves the compiled classes alone, and a
 * source no rendering produces any more is deleted.
 *
 * <p>usage: java -cp freemarker.jar KernelSources.java TEMPLATE_DIR OUTPUT_DIR
 */
public final class KernelSources {

    /** One rendering: the template (relative to the template folder), the class it becomes, its parameters. */
    record Rendering(String template, String className, Map<String, Object> model) {
    }

    static final List<Rendering> RENDERINGS = List.of(
            new Rendering("org/mamba2j/tornado/ssd/SsdBlockedKernels.ftl", "SsdBlockedKernels",
                    Map.of("variant", "blocked", "M", 4, "tiles", true)),
            new Rendering("org/mamba2j/tornado/ssd/SsdBlockedKernels.ftl", "SsdBlocked84Kernels",
                    Map.of("variant", "blocked84", "M", 8, "tiles", false)),
            new Rendering("org/mamba2j/tornado/ssd/SsdBlocked8Kernels.ftl", "SsdBlocked8Kernels", Map.of()),
            new Rendering("org/mamba2j/tornado/model/GemmKernels.ftl", "GemmKernels", Map.of()),
            new Rendering("org/mamba2j/tornado/ssd/SsdMmaKernels.ftl", "SsdMmaKernels", Map.of("halves", false)),
            new Rendering("org/mamba2j/tornado/ssd/SsdMmaKernels.ftl", "SsdMmaCudaKernels", Map.of("halves", true)),
            new Rendering("org/mamba2j/tornado/mma/MmaGemm.ftl", "MmaGemm", Map.of()));

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: KernelSources TEMPLATE_DIR OUTPUT_DIR");
            System.exit(2);
        }
        Path templates = Path.of(args[0]), out = Path.of(args[1]);
        Configuration cfg = new Configuration(Configuration.VERSION_2_3_34);
        cfg.setDirectoryForTemplateLoading(templates.toFile());
        cfg.setDefaultEncoding("UTF-8");
        cfg.setNumberFormat("computer"); // 1024, not 1,024
        cfg.setTemplateExceptionHandler(TemplateExceptionHandler.RETHROW_HANDLER);
        cfg.setLogTemplateExceptions(false);
        Set<Path> written = new HashSet<>();
        for (Rendering r : RENDERINGS) {
            Template t = cfg.getTemplate(r.template());
            StringWriter text = new StringWriter();
            Map<String, Object> model = new HashMap<>(r.model());
            model.put("className", r.className());
            t.process(model, text);
            Path file = out.resolve(Path.of(r.template()).getParent()).resolve(r.className() + ".java");
            write(file, text.toString());
            written.add(file);
        }
        try (Stream<Path> files = Files.walk(out)) {
            for (Path f : files.filter(f -> f.toString().endsWith(".java") && !written.contains(f)).toList()) Files.delete(f);
        }
    }

    private static void write(Path file, String text) throws IOException {
        if (Files.exists(file) && Files.readString(file, StandardCharsets.UTF_8).equals(text)) return;
        Files.createDirectories(file.getParent());
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }
}
