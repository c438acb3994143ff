package org.mamba2j.tornado.check;

import org.mamba2j.tornado.DeviceConfig.KernelKey;
import org.mamba2j.tornado.TornadoDevices;

import org.mamba2j.tornado.TornadoAccelerator;

import org.mamba2j.device.DeviceInfo;

import org.mamba2j.device.Accelerators;

import org.mamba2j.device.DeviceSpec;
import org.mamba2j.device.Precision;
import org.mamba2j.ssd.CheckCases;
import org.mamba2j.tornado.DeviceConfig;
import org.mamba2j.tornado.ssd.SsdDims;
import org.mamba2j.tornado.ssd.StepPlan;
import org.mamba2j.tornado.ssd.TornadoSsd;

import org.mamba2j.ssd.SsdBackend;
import org.mamba2j.ssd.SsdInputs;
import org.mamba2j.ssd.SsdReference;
import org.mamba2j.ssd.SsdShape;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Integration check: runs every golden SSD case and random shapes on every TornadoVM device (or
 * the ones named), with each kernel variant, forward and token-by-token steps, and prints a table
 * device × variant × case × relative error. Exits 1 when any error exceeds the tolerance, 2 when
 * it cannot run. Must be launched with the TornadoVM SDK's flags: see scripts/tornado-it.
 *
 * <pre>
 * options: --golden DIR (default testdata)   --random N (default 24)   --device SPEC (repeatable)
 *          --variants config,loop,tiled,blocked,blocked8,blocked84,fused,scan,preferred,fast,mma,mmafused    --tol 1e-5    --fast-tol 5e-3
 *          --no-steps    --case NAME
 *          --device-config FILE (instead of the config matched by device name)
 * </pre>
 * Variants: "config" = the device config as matched, at each case's chunk size; "loop"/"tiled"/"blocked"/"blocked8"/"blocked84" =
 * that config with the matrix-product kernels forced to the variant, and the cumsum to its loop
 * version ("loop") or its scan ("tiled", "blocked", "blocked8", "blocked84"); "fused" = "blocked84" with the state
 * passing fused into the chunk states at every shape; "scan" = the config with only the
 * cumsum forced to its scan (see {@link DeviceConfig#withVariant}); "preferred" = as matched, with
 * the config's preferred chunk size. So "config" and "loop" run both cumsums wherever the config
 * picks the scan (the GPU files), and the forced KernelContext variants run the scan everywhere.
 * "fast" = the config at precision fast ({@link DeviceConfig#at}: its "fast" kernels, the tensor-core
 * chunk states and output on PTX and CUDA), checked against {@code --fast-tol} (fp16 operands);
 * on a backend without fast kernels its rows are skipped with a note, as they would rerun "config". "mma" = "fast" with
 * the SSD's chunk states and output on their tensor-core kernels ({@code SsdMmaKernels} on PTX, {@code SsdMmaCudaKernels}
 * on the CUDA backend), whichever kernels the config's fast section names for them, skipped where "fast" is; "mmafused"
 * the same with the state passing fused into the tensor-core chunk states at every shape.
 */
public final class TornadoSsdCheck {

    private TornadoSsdCheck() {
    }

    public static void main(String[] args) throws Exception {
        Path golden = Path.of("testdata");
        int nRandom = 24;
        double tol = 1e-5;
        double fastTol = 5e-3;
        boolean steps = true;
        String only = null;
        Path configFile = null;
        List<String> devices = new ArrayList<>();
        List<String> variants = List.of("config", "loop", "tiled", "blocked", "blocked8", "blocked84", "fused", "scan", "preferred", "fast", "mma", "mmafused");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--golden" -> golden = Path.of(args[++i]);
                case "--random" -> nRandom = Integer.parseInt(args[++i]);
                case "--device" -> devices.add(args[++i]);
                case "--variants" -> variants = List.of(args[++i].split(","));
                case "--tol" -> tol = Double.parseDouble(args[++i]);
                case "--fast-tol" -> fastTol = Double.parseDouble(args[++i]);
                case "--no-steps" -> steps = false;
                case "--case" -> only = args[++i];
                case "--device-config" -> configFile = Path.of(args[++i]);
                default -> {
                    System.err.println("unknown option " + args[i]);
                    System.exit(2);
                }
            }
        }
        if (Accelerators.active().isEmpty()) {
            System.err.println("TornadoVM is not available: launch with java @$TORNADO_SDK/etc/tornado-argfile (scripts/tornado-it does)");
            System.exit(2);
        }
        List<CheckCases.Case> cases = new ArrayList<>(CheckCases.golden(golden));
        cases.addAll(CheckCases.random(nRandom, 9000));
        cases.addAll(CheckCases.wide());
        if (only != null) {
            String o = only;
            cases.removeIf(c -> !c.name().equals(o));
        }
        if (devices.isEmpty()) {
            for (DeviceInfo d : TornadoDevices.all()) devices.add(d.spec());
        }
        int failures = specErrorsAreOneLine(devices);
        System.out.printf(Locale.ROOT, "%-10s %-10s %-22s %-30s %10s %10s %10s %10s  %s%n", "device", "variant",
                "case", "shape", "y", "state", "step y", "step st", "ok");
        int rows = 0;
        for (String spec : devices) {
            DeviceSpec ds;
            String name;
            DeviceConfig matched;
            try {
                ds = DeviceSpec.parse(spec);
                name = TornadoDevices.deviceName(TornadoDevices.device(ds));
                matched = DeviceConfig.forDevice(name, ds.backend(), configFile);
                System.out.println("# " + spec + " = " + name + ": device config " + matched.source()
                        + " (variant preferred runs at its chunk size " + matched.chunkSize() + "; the shape column shows the case's; cumsum "
                        + matched.kernel(KernelKey.CUMSUM).variant() + ")");
                try (SsdBackend opened = open(spec, configFile)) {
                    System.out.println("# opened through the accelerator: " + opened.deviceName());
                }
            } catch (RuntimeException ex) {
                failures++;
                rows++;
                System.out.printf(Locale.ROOT, "%-10s ERROR %s%n", spec, TornadoAccelerator.firstLine(ex));
                continue;
            }
            for (String variant : variants) {
                DeviceConfig cfg = switch (variant) {
                    case "config", "preferred" -> matched;
                    case "loop", "tiled", "blocked", "blocked8", "blocked84", "fused", "scan" -> matched.withVariant(DeviceConfig.Variant.parse(variant));
                    case "fast", "mma", "mmafused" -> matched.at(Precision.FAST, ds.backend());
                    default -> throw new IllegalArgumentException("unknown variant " + variant);
                };
                boolean fp16 = variant.equals("fast") || variant.startsWith("mma");
                if (fp16 && cfg.precision() != Precision.FAST) {
                    System.out.println("# " + spec + ": no fast kernels on this backend, variant " + variant + " skipped");
                    continue;
                }
                if (variant.startsWith("mma")) cfg = cfg.withVariant(DeviceConfig.Variant.MMA);
                if (variant.equals("mmafused")) cfg = cfg.withVariant(DeviceConfig.Variant.FUSED);
                double rowTol = fp16 ? fastTol : tol;
                try (TornadoSsd ssd = TornadoSsd.open(ds, cfg, !variant.equals("preferred"))) {
                    for (CheckCases.Case c : cases) {
                        double[] e = check(ssd, c, steps && (variant.equals("config") || variant.equals("loop")));
                        // errors must be numbers within tol: NaN (an unwritten, poisoned element) fails
                        boolean ok = e[0] <= rowTol && e[1] <= rowTol && (e[4] == 0 || (e[2] <= rowTol && e[3] <= rowTol));
                        if (!ok) failures++;
                        rows++;
                        System.out.printf(Locale.ROOT, "%-10s %-10s %-22s %-30.30s %10.2e %10.2e %10s %10s  %s%n", spec, variant, c.name(), shortShape(c.shape()), e[0], e[1], fmt(e[2]), fmt(e[3]), ok ? "ok" : "FAIL");
                    }
                } catch (RuntimeException ex) {
                    failures++;
                    rows++;
                    System.out.printf(Locale.ROOT, "%-10s %-10s ERROR %s%n", spec, variant, TornadoAccelerator.firstLine(ex));
                    ex.printStackTrace(System.err);
                }
            }
        }
        System.out.printf(Locale.ROOT, "%d rows, %d failed (tolerance %.0e, variant fast %.0e)%n", rows, failures, tol, fastTol);
        System.exit(failures == 0 ? 0 : 1);
    }

    /** Opens a device as the runner does: through the accelerator service. */
    private static SsdBackend open(String spec, Path configFile) {
        DeviceSpec ds = DeviceSpec.parse(spec);
        return Accelerators.require(ds).openSsd(ds, configFile);
    }

    /** Bad specs on a real runtime: an absent backend and an index past the last device must fail in one line. */
    private static int specErrorsAreOneLine(List<String> devices) {
        int failures = 0;
        List<String> bad = new ArrayList<>(List.of("opencl:99", "ptx:0", "spirv:0", "cuda:7", "metal:0"));
        bad.removeAll(devices);
        for (String spec : bad) {
            try (SsdBackend b = open(spec, null)) {
                System.out.println("# " + spec + " opened (" + b.deviceName() + ")");
            } catch (RuntimeException e) {
                boolean oneLine = e.getMessage() != null && !e.getMessage().contains("\n");
                if (!oneLine) failures++;
                System.out.println("# " + spec + " -> " + e.getClass().getSimpleName() + ": " + e.getMessage() + (oneLine ? "" : "  FAIL: not one line"));
            }
        }
        return failures;
    }

    private static String fmt(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2e", v);
    }

    private static String shortShape(SsdShape s) {
        return "b" + s.batch() + " L" + s.seqlen() + " H" + s.nheads() + " P" + s.headdim() + " G" + s.ngroups()
                + " N" + s.dstate() + " Q" + s.chunkSize();
    }

    /** {y err, state err, step y err, step state err, 1 if steps ran else 0}. Outputs are poisoned with NaN first. */
    static double[] check(TornadoSsd ssd, CheckCases.Case c, boolean steps) {
        SsdShape s = c.shape();
        float[] y = new float[(int) s.xSize()], st = new float[(int) s.stateSize()];
        Arrays.fill(y, Float.NaN);
        Arrays.fill(st, Float.NaN);
        ssd.forward(s, c.inputs(), y, st);
        double ey = SsdReference.relativeError(y, c.y()), es = SsdReference.relativeError(st, c.finalState());
        double sy = Double.NaN, ss = Double.NaN;
        if (steps && s.seqlen() <= 70) {
            SsdInputs in = c.inputs();
            float[] state = in.initialState() != null ? in.initialState().clone() : new float[(int) s.stateSize()];
            float[] ys = new float[(int) s.xSize()];
            Arrays.fill(ys, Float.NaN);
            int xi = s.nheads() * s.headdim();
            float[] yt = new float[s.batch() * xi];
            // the first half through TornadoSsd.step (state copied each step), the rest with the state resident on the device
            int half = s.seqlen() / 2;
            for (int t = 0; t < half; t++) {
                Arrays.fill(yt, Float.NaN);
                ssd.step(s, CheckCases.token(s, in, t), state, yt);
                for (int b = 0; b < s.batch(); b++) System.arraycopy(yt, b * xi, ys, (b * s.seqlen() + t) * xi, xi);
            }
            if (half < s.seqlen()) {
                SsdInputs first = CheckCases.token(s, in, half);
                try (StepPlan resident = ssd.residentSteps(s, SsdDims.Flags.of(first), state)) {
                    for (int t = half; t < s.seqlen(); t++) {
                        Arrays.fill(yt, Float.NaN);
                        resident.run(CheckCases.token(s, in, t), null, yt);
                        for (int b = 0; b < s.batch(); b++) System.arraycopy(yt, b * xi, ys, (b * s.seqlen() + t) * xi, xi);
                    }
                    Arrays.fill(state, Float.NaN);
                    resident.readState(state);
                }
            }
            sy = SsdReference.relativeError(ys, c.y());
            ss = SsdReference.relativeError(state, c.finalState());
        }
        return new double[] {ey, es, sy, ss, Double.isNaN(sy) && Double.isNaN(ss) && !(steps && s.seqlen() <= 70) ? 0 : 1};
    }
}
