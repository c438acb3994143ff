package org.mamba2j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import org.mamba2j.device.Accelerators;
import org.mamba2j.device.DeviceInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "devices", mixinStandardHelpOptions = true,
        description = "List every device the JVM and TornadoVM see, with the spec to pass to --device.")
final class DevicesCommand implements Callable<Integer> {

    @Option(names = "--json", description = "print a JSON array") boolean json;
    @Option(names = "--verbose", description = "stack traces on errors") boolean verbose;

    @Override
    public Integer call() throws Exception {
        List<DeviceInfo> devices = Devices.list();
        if (json) {
            ObjectMapper om = new ObjectMapper();
            ArrayNode arr = om.createArrayNode();
            for (DeviceInfo d : devices) {
                arr.addObject().put("spec", d.spec()).put("backend", d.backend()).put("name", d.name())
                        .put("memory_bytes", d.memoryBytes()).put("compute_units", d.computeUnits());
            }
            System.out.println(om.writeValueAsString(arr));
            return 0;
        }
        System.out.printf("%-10s %-8s %10s %6s  %s%n", "SPEC", "BACKEND", "MEMORY", "UNITS", "NAME");
        for (DeviceInfo d : devices) {
            System.out.printf("%-10s %-8s %10s %6d  %s%n", d.spec(), d.backend(), gib(d.memoryBytes()), d.computeUnits(), d.name());
        }
        if (Accelerators.active().isEmpty()) {
            System.out.println("(TornadoVM not active: set TORNADO_SDK to a TornadoVM 5.2 SDK, build with it and launch through scripts/mamba2 to list GPUs and OpenCL devices)");
        }
        return 0;
    }

    private static String gib(long bytes) {
        return bytes < 0 ? "?" : String.format("%.1f GiB", bytes / (double) (1L << 30));
    }
}
