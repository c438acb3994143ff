package org.mamba2j.tornado.check;

import org.mamba2j.tornado.Packed16;
import org.mamba2j.device.DeviceSpec;
import org.mamba2j.tornado.TornadoDevices;
import org.mamba2j.tornado.mma.MmaGemm;
import org.mamba2j.tornado.mma.MmaTiles;
import org.mamba2j.tornado.model.BatchKernels;
import org.mamba2j.tornado.model.GemmKernels;
import org.mamba2j.tornado.ssd.SsdPlan;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.TornadoExecutionResult;
import uk.ac.manchester.tornado.api.WorkerGrid1D;
import uk.ac.manchester.tornado.api.WorkerGrid2D;
import uk.ac.manchester.tornado.api.annotations.Parallel;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.enums.ProfilerMode;
import uk.ac.manchester.tornado.api.types.HalfFloat;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.HalfFloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.LongArray;
import uk.ac.manchester.tornado.api.types.collections.VectorHalf4;
import uk.ac.manchester.tornado.api.types.vectors.Half4;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * The tensor-core kernels on a device against float64 references of the same fp16-rounded
 * operands: the GEMM ({@link MmaGemm}) for every weight format at ragged shapes and at the 130m
 * projections' shapes, each a row of the table; then, with {@code --time}, kernel time and TFLOP/s
 * of the MMA GEMM beside the float32 "blocked" one at the 130m and 2.7b projection shapes.
 * Devices of backends without MMA (OpenCL, SPIR-V) are skipped with a line. Last, probes of what TornadoVM 5.2 compiles
 * for 16-bit values the kernels compute (lines starting "#"), one of them a row on CUDA devices: the batched SSD step with bf16 quad
 * states against the fp16 one over restarts, steps and holds; {@code --probes} runs the probes alone.
 *   java @argfile -cp ... org.mamba2j.tornado.check.MmaCheck --device cuda:0 [--device ptx:0]... [--time] [--probes] [--tol 1e-5]
 * Ends with "N rows, N failed"; exit status 1 when a row failed.
 */
public final class MmaCheck {

    private record Shape(int rows, int n, int k) {
    }

    private static final List<Shape> SHAPES = List.of(new Shape(64, 64, 32), new Shape(128, 136, 72), new Shape(192, 200, 40),
            new Shape(2048, 3352, 768), new Shape(2048, 768, 1536));
    private static final List<Shape> TIMED = List.of(new Shape(2048, 3352, 768), new Shape(2048, 768, 1536),
            new Shape(2048, 10576, 2560), new Shape(2048, 2560, 5120));

    private MmaCheck() {
    }

    public static void main(String[] args) {
        List<String> specs = new ArrayList<>();
        boolean time = false, probesOnly = false;
        double tol = 1e-5;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--device" -> specs.add(args[++i]);
                case "--time" -> time = true;
                case "--probes" -> probesOnly = true;
                case "--tol" -> tol = Double.parseDouble(args[++i]);
                default -> {
                    System.err.println("mma-check: unknown argument " + args[i]);
                    System.exit(2);
                }
            }
        }
        if (specs.isEmpty()) System.out.println("# no --device: nothing to check");
        // kernel times need the runtime's time-stamps, which it turns on only when asked before it starts
        if (time) System.setProperty(SsdPlan.PROFILE, "true");
        int rows = 0, failed = 0;
        System.out.printf(Locale.ROOT, "%-8s %-5s %-6s %6s %6s %6s %12s  %s%n", "device", "fmt", "a", "rows", "n", "k", "rel.err", "");
        for (String s : specs) {
            DeviceSpec spec = DeviceSpec.parse(s);
            if (spec.backend() != DeviceSpec.Backend.PTX && spec.backend() != DeviceSpec.Backend.CUDA) {
                System.out.println("# " + s + ": skipped (TornadoVM's MMA runs on the PTX and CUDA backends)");
                continue;
            }
            TornadoDevice device = TornadoDevices.device(spec);
            int[] formats = probesOnly ? new int[0] : new int[]{MmaGemm.F32, MmaGemm.F16, MmaGemm.BF16}; // --probes: the probes alone
            for (int format : formats) {
                for (int activations : new int[]{MmaGemm.HALVES, MmaGemm.FLOATS}) {
                    for (Shape sh : SHAPES) {
                        rows++;
                        double err;
                        String note = "";
                        try {
                            err = gemmError(device, sh, format, activations);
                        } catch (RuntimeException e) {
                            err = Double.NaN;
                            note += String.valueOf(e).lines().findFirst().orElse("");
                        }
                        boolean ok = err <= tol;
                        if (!ok) failed++;
                        System.out.printf(Locale.ROOT, "%-8s %-5s %-6s %6d %6d %6d %12.3e  %s %s%n", s, formatName(format), activationsName(activations),
                                sh.rows, sh.n, sh.k, err, ok ? "ok" : "FAIL", note);
                    }
                }
            }
            if (time && !probesOnly) {
                for (Shape sh : TIMED) time(device, s, sh);
            }
            // last: a kernel that does not compile should not precede the timings
            probeComputedHalves(device, s);
            probeStateQuads(device, s);
            boolean packed = probeBf16Packing(device, s);
            if (spec.backend() == DeviceSpec.Backend.CUDA) { // the fp16 and bf16 steps store computed 16-bit values: CUDA only
                rows += 2;
                if (!packed) failed++;
                if (!probeBatchStates(device, s)) failed++;
            }
        }
        System.out.println(rows + " rows, " + failed + " failed");
        System.exit(failed == 0 ? 0 : 1);
    }

    /** fp16 of a value computed in the kernel, into a HalfFloatArray: out[i] = a[i]·b[i] + 0.5. */
    public static void halvesOfProducts(FloatArray a, FloatArray b, HalfFloatArray out) {
        for (@Parallel int i = 0; i < out.getSize(); i++) {
            out.set(i, new HalfFloat(a.get(i) * b.get(i) + 0.5f));
        }
    }

    /** The same as patterns in ints, as the tensor-core staging would pack them. */
    public static void patternsOfProducts(FloatArray a, FloatArray b, IntArray out) {
        for (@Parallel int i = 0; i < out.getSize(); i++) {
            out.set(i, new HalfFloat(a.get(i) * b.get(i) + 0.5f).getHalfFloatValue() & 0xFFFF);
        }
    }

    /** Prints whether both probes give Float.floatToFloat16's patterns on the device (4096 values), or what went wrong. */
    private static void probeComputedHalves(TornadoDevice device, String spec) {
        int n = 4096;
        Random r = new Random(5);
        FloatArray a = new FloatArray(n), b = new FloatArray(n);
        int[] want = new int[n];
        for (int i = 0; i < n; i++) {
            a.set(i, (float) r.nextGaussian() * 30f);
            b.set(i, (float) r.nextGaussian());
            want[i] = Float.floatToFloat16(a.get(i) * b.get(i) + 0.5f) & 0xFFFF;
        }
        HalfFloatArray halves = new HalfFloatArray(n);
        IntArray patterns = new IntArray(n);
        patterns.init(-1);
        String first = probe(device, new TaskGraph("halves").transferToDevice(DataTransferMode.EVERY_EXECUTION, a, b)
                .task("probe", MmaCheck::halvesOfProducts, a, b, halves).transferToHost(DataTransferMode.EVERY_EXECUTION, halves));
        if (first == null) first = wrong(n, i -> halves.get(i).getHalfFloatValue() & 0xFFFF, want);
        String second = probe(device, new TaskGraph("patterns").transferToDevice(DataTransferMode.EVERY_EXECUTION, a, b)
                .task("probe", MmaCheck::patternsOfProducts, a, b, patterns).transferToHost(DataTransferMode.EVERY_EXECUTION, patterns));
        if (second == null) second = wrong(n, patterns::get, want);
        System.out.println("# " + spec + ": fp16 of a computed float: into a HalfFloatArray " + first + "; as a packed pattern " + second);
    }

    /**
     * An fp16 state updated four entries at a time through {@link VectorHalf4}, as the batched SSD step would read and write
     * its states with one 8-byte access instead of four 2-byte ones: s[i] = decay·s[i] + xdt·b[i] in float32, rounded.
     * Written three ways, as TornadoVM's CUDA backend lowers some forms of a computed fp16 and not others.
     */
    public static void stateQuads(VectorHalf4 s, FloatArray b, float decay, float xdt) {
        for (@Parallel int i = 0; i < s.getLength(); i++) {
            Half4 v = s.get(i);
            s.set(i, new Half4(new HalfFloat(decay * v.getX().getFloat32() + xdt * b.get(4 * i)),
                    new HalfFloat(decay * v.getY().getFloat32() + xdt * b.get(4 * i + 1)),
                    new HalfFloat(decay * v.getZ().getFloat32() + xdt * b.get(4 * i + 2)),
                    new HalfFloat(decay * v.getW().getFloat32() + xdt * b.get(4 * i + 3))));
        }
    }

    /** {@link #stateQuads} through a fresh Half4's setters. */
    public static void stateQuadsSetters(VectorHalf4 s, FloatArray b, float decay, float xdt) {
        for (@Parallel int i = 0; i < s.getLength(); i++) {
            Half4 v = s.get(i);
            Half4 o = new Half4();
            o.setX(new HalfFloat(decay * v.getX().getFloat32() + xdt * b.get(4 * i)));
            o.setY(new HalfFloat(decay * v.getY().getFloat32() + xdt * b.get(4 * i + 1)));
            o.setZ(new HalfFloat(decay * v.getZ().getFloat32() + xdt * b.get(4 * i + 2)));
            o.setW(new HalfFloat(decay * v.getW().getFloat32() + xdt * b.get(4 * i + 3)));
            s.set(i, o);
        }
    }

    /** {@link #stateQuads} by setting the loaded Half4's elements. */
    public static void stateQuadsInPlace(VectorHalf4 s, FloatArray b, float decay, float xdt) {
        for (@Parallel int i = 0; i < s.getLength(); i++) {
            Half4 v = s.get(i);
            float x = decay * v.getX().getFloat32() + xdt * b.get(4 * i), y = decay * v.getY().getFloat32() + xdt * b.get(4 * i + 1);
            float z = decay * v.getZ().getFloat32() + xdt * b.get(4 * i + 2), w = decay * v.getW().getFloat32() + xdt * b.get(4 * i + 3);
            v.setX(new HalfFloat(x));
            v.setY(new HalfFloat(y));
            v.setZ(new HalfFloat(z));
            v.setW(new HalfFloat(w));
            s.set(i, v);
        }
    }

    /** The read alone: out[i] = the sum of s's four entries of quad i (float32). */
    public static void quadSums(VectorHalf4 s, FloatArray out) {
        for (@Parallel int i = 0; i < s.getLength(); i++) {
            Half4 v = s.get(i);
            out.set(i, (v.getX().getFloat32() + v.getY().getFloat32()) + (v.getZ().getFloat32() + v.getW().getFloat32()));
        }
    }

    /** A kernel of {@link #stateQuads}'s shape. */
    private interface QuadKernel {
        void run(VectorHalf4 s, FloatArray b, float decay, float xdt);
    }

    /** Prints whether each form of {@link #stateQuads} and {@link #quadSums} compiles on the device and gives the JVM's results (4096 entries). */
    private static void probeStateQuads(TornadoDevice device, String spec) {
        int n = 4096;
        float decay = 0.9f, xdt = 0.25f;
        Random r = new Random(6);
        short[] initial = new short[n];
        FloatArray b = new FloatArray(n);
        int[] want = new int[n];
        for (int i = 0; i < n; i++) {
            initial[i] = Float.floatToFloat16((float) r.nextGaussian() * 4f);
            b.set(i, (float) r.nextGaussian());
            want[i] = Float.floatToFloat16(decay * Float.float16ToFloat(initial[i]) + xdt * b.get(i)) & 0xFFFF;
        }
        String[] names = {"constructor", "setters", "in place"};
        QuadKernel[] kernels = {MmaCheck::stateQuads, MmaCheck::stateQuadsSetters, MmaCheck::stateQuadsInPlace};
        StringBuilder line = new StringBuilder();
        for (int k = 0; k < kernels.length; k++) {
            VectorHalf4 s = quads(initial);
            TaskGraph g = new TaskGraph("quads" + k).transferToDevice(DataTransferMode.EVERY_EXECUTION, s, b);
            switch (k) {
                case 0 -> g.task("probe", MmaCheck::stateQuads, s, b, decay, xdt);
                case 1 -> g.task("probe", MmaCheck::stateQuadsSetters, s, b, decay, xdt);
                default -> g.task("probe", MmaCheck::stateQuadsInPlace, s, b, decay, xdt);
            }
            String got = probe(device, g.transferToHost(DataTransferMode.EVERY_EXECUTION, s));
            if (got == null) got = wrong(n, i -> s.getArray().get(i).getHalfFloatValue() & 0xFFFF, want);
            VectorHalf4 jvm = quads(initial);
            kernels[k].run(jvm, b, decay, xdt);
            line.append(k == 0 ? "" : "; ").append(names[k]).append(' ').append(got).append(" (JVM ")
                    .append(wrong(n, i -> jvm.getArray().get(i).getHalfFloatValue() & 0xFFFF, want)).append(')');
        }
        VectorHalf4 s = quads(initial);
        FloatArray sums = new FloatArray(n / 4);
        String read = probe(device, new TaskGraph("quadSums").transferToDevice(DataTransferMode.EVERY_EXECUTION, s)
                .task("probe", MmaCheck::quadSums, s, sums).transferToHost(DataTransferMode.EVERY_EXECUTION, sums));
        if (read == null) {
            int bad = 0;
            for (int i = 0; i < n / 4; i++) {
                float w = (Float.float16ToFloat(initial[4 * i]) + Float.float16ToFloat(initial[4 * i + 1]))
                        + (Float.float16ToFloat(initial[4 * i + 2]) + Float.float16ToFloat(initial[4 * i + 3]));
                if (sums.get(i) != w) bad++;
            }
            read = bad == 0 ? "exact" : bad + "/" + n / 4 + " wrong";
        }
        System.out.println("# " + spec + ": fp16 states four at a time (VectorHalf4): " + line + "; read alone " + read);
    }

    /**
     * Prints how the batched SSD step with bf16 quad states ({@link BatchKernels#ssdStepRowsBf16}) follows the fp16 one on
     * the device: both start from the same (bf16-representable) states and step three slots three times, each slot
     * restarting, stepping and held in turn, so that later steps read what a restart, a step and a hold left; per step the
     * largest difference of an active slot's y relative to its largest |y|, and at the end of the states. The first step
     * differs by summation order only, later ones by the two formats' rounding; a row of the check, failed past 1e-2.
     */
    private static boolean probeBatchStates(TornadoDevice device, String spec) {
        int nheads = 4, headdim = 16, ngroups = 1, dstate = 16, batch = 3, lanes = 8, local = 256;
        int dInner = nheads * headdim, convDim = dInner + 2 * ngroups * dstate, dInProj = dInner + convDim + nheads, ssm = dInner * dstate;
        Random r = new Random(7);
        FloatArray zx = gaussian(r, batch * dInProj), xbc = gaussian(r, batch * convDim), w = gaussian(r, 3 * nheads + 2);
        for (int h = 0; h < nheads; h++) w.set(nheads + h, -(float) Math.exp(w.get(nheads + h)));
        w.set(3 * nheads, 1e-3f);
        w.set(3 * nheads + 1, 0.5f);
        HalfFloatArray s16 = new HalfFloatArray(batch * ssm);
        LongArray quads = Packed16.allocate((long) batch * ssm);
        for (int i = 0; i < batch * ssm; i += 4) {
            float[] v = new float[4];
            for (int k = 0; k < 4; k++) {
                v[k] = BatchKernels.bf16(BatchKernels.bf16Quad((float) r.nextGaussian(), 0, 0, 0), 0);
                s16.set(i + k, new HalfFloat(v[k]));
            }
            quads.set(i / 4, BatchKernels.bf16Quad(v[0], v[1], v[2], v[3]));
        }
        IntArray input = new IntArray(2 * batch), halves = new IntArray(batch * dInner / 2);
        FloatArray y16 = new FloatArray(batch * dInner), yBf16 = new FloatArray(batch * dInner);
        KernelContext kc = new KernelContext();
        TaskGraph g = new TaskGraph("steps").transferToDevice(DataTransferMode.EVERY_EXECUTION, input)
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, zx, xbc, w, s16, quads, halves, y16, yBf16)
                .task("f16", BatchKernels::ssdStepRowsF16, kc, input, zx, xbc, s16, 0, ssm, w, 0, y16, halves, nheads, headdim, ngroups, dstate,
                        batch, 1, 0, lanes, BatchKernels.Y_GATED)
                .task("bf16", BatchKernels::ssdStepRowsBf16, kc, input, zx, xbc, quads, 0, ssm, w, 0, yBf16, halves, nheads, headdim, ngroups,
                        dstate, batch, 1, 0, lanes, BatchKernels.Y_GATED)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, y16, yBf16, s16, quads);
        int perGroup = local / lanes;
        WorkerGrid1D rows = new WorkerGrid1D((batch * dInner + perGroup - 1) / perGroup * local);
        WorkerGrid1D runs = new WorkerGrid1D((batch * dInner / BatchKernels.QUAD_ROWS + perGroup - 1) / perGroup * local);
        rows.setLocalWork(local, 1, 1);
        runs.setLocalWork(local, 1, 1);
        GridScheduler grids = new GridScheduler("steps.f16", rows);
        grids.addWorkerGrid("steps.bf16", runs);
        int[][] modes = {{BatchKernels.RESTART, BatchKernels.STEP, BatchKernels.HOLD}, {BatchKernels.STEP, BatchKernels.STEP, BatchKernels.RESTART},
                {BatchKernels.HOLD, BatchKernels.RESTART, BatchKernels.STEP}};
        StringBuilder line = new StringBuilder();
        double worst = Double.NaN;
        try (TornadoExecutionPlan p = new TornadoExecutionPlan(g.snapshot())) {
            p.withDevice(device).withGridScheduler(grids);
            worst = 0;
            for (int[] step : modes) {
                for (int b = 0; b < batch; b++) input.set(batch + b, step[b]);
                p.execute();
                line.append(line.isEmpty() ? "" : ";");
                for (int b = 0; b < batch; b++) {
                    if (step[b] == BatchKernels.HOLD) continue;
                    double d = 0, m = 0;
                    for (int i = b * dInner; i < (b + 1) * dInner; i++) {
                        d = Math.max(d, Math.abs(yBf16.get(i) - y16.get(i)));
                        m = Math.max(m, Math.abs(y16.get(i)));
                    }
                    worst = Math.max(worst, d / m); // Math.max keeps a NaN
                    line.append(String.format(Locale.ROOT, " %s %.1e", step[b] == BatchKernels.RESTART ? "restart" : "step", d / m));
                }
            }
            double d = 0, m = 0;
            for (int i = 0; i < batch * ssm; i++) {
                float a = s16.get(i).getFloat32();
                d = Math.max(d, Math.abs(BatchKernels.bf16(quads.get(i / 4), i % 4) - a));
                m = Math.max(m, Math.abs(a));
            }
            worst = Math.max(worst, d / m); // Math.max keeps a NaN
            line.append(String.format(Locale.ROOT, "; states %.1e", d / m));
        } catch (Exception | Error e) {
            line.append(" fails (").append(String.valueOf(e).lines().findFirst().orElse("")).append(")");
        }
        boolean ok = worst <= 1e-2;
        System.out.println("# " + spec + ": bf16 quad states against fp16 (y of active slots, max diff / max |y|):" + line + (ok ? "  ok" : "  FAIL"));
        return ok;
    }

    /** bf16 patterns of computed floats packed four to a long as {@link Packed16#quadOf} does (out[i] from v[4i ..]). */
    public static void bf16Quads(FloatArray v, LongArray out) {
        for (@Parallel int i = 0; i < out.getSize(); i++) {
            out.set(i, BatchKernels.bf16Quad(v.get(4 * i) * 1.5f, v.get(4 * i + 1) * 1.5f, v.get(4 * i + 2) * 1.5f, v.get(4 * i + 3) * 1.5f));
        }
    }

    /**
     * Whether {@link Packed16#quadOf} packs bf16 patterns of computed floats right on the device (1024 longs of mixed signs),
     * printed with how many are off; the batched bf16 states ({@link BatchKernels#loadSlotBf16}, the step) depend on it.
     */
    private static boolean probeBf16Packing(TornadoDevice device, String spec) {
        int n = 1024;
        FloatArray v = gaussian(new Random(8), 4 * n);
        LongArray want = new LongArray(n), out = new LongArray(n);
        bf16Quads(v, want); // the kernel itself, run here on the JVM
        String got = probe(device, new TaskGraph("pack").transferToDevice(DataTransferMode.EVERY_EXECUTION, v)
                .task("probe", MmaCheck::bf16Quads, v, out).transferToHost(DataTransferMode.EVERY_EXECUTION, out));
        int bad = -1;
        if (got == null) {
            bad = 0;
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < 4; j++) if (Math.abs(Packed16.patternOf(out.get(i), j) - Packed16.patternOf(want.get(i), j)) > 1) bad++;
            }
            got = bad + "/" + 4 * n + " patterns off by more than one unit";
        }
        System.out.println("# " + spec + ": bf16 patterns packed on the device (quadOf): " + got + (bad == 0 ? "  ok" : "  FAIL"));
        return bad == 0;
    }

    private static FloatArray gaussian(Random r, int n) {
        FloatArray a = new FloatArray(n);
        for (int i = 0; i < n; i++) a.set(i, (float) r.nextGaussian());
        return a;
    }

    private static VectorHalf4 quads(short[] patterns) {
        VectorHalf4 s = new VectorHalf4(patterns.length / 4);
        for (int i = 0; i < patterns.length; i++) s.getArray().set(i, new HalfFloat(patterns[i]));
        return s;
    }

    /** Runs a one-task graph; null when it ran, else the first line of what it threw. */
    private static String probe(TornadoDevice device, TaskGraph g) {
        try (TornadoExecutionPlan p = new TornadoExecutionPlan(g.snapshot())) {
            p.withDevice(device).execute();
            return null;
        } catch (Exception | Error e) {
            return "fails (" + String.valueOf(e).lines().findFirst().orElse("") + ")";
        }
    }

    private static String wrong(int n, java.util.function.IntUnaryOperator got, int[] want) {
        int bad = 0;
        for (int i = 0; i < n; i++) if (got.applyAsInt(i) != want[i]) bad++;
        return bad == 0 ? "native, exact" : bad + "/" + n + " wrong";
    }

    private static String formatName(int format) {
        return switch (format) {
            case MmaGemm.F32 -> "f32";
            case MmaGemm.F16 -> "f16";
            default -> "bf16";
        };
    }

    private static String activationsName(int activations) {
        return activations == MmaGemm.HALVES ? "fp16" : "f32";
    }

    /**
     * Random operands of a shape, the weights in a format: a (as floats and as the fp16 pairs the prefill's norms
     * write), w32, w16 and the operands as the kernel rounds them.
     */
    private record Operands(FloatArray a, IntArray halves, FloatArray w32, LongArray w16, float[] aRounded, float[] wRounded) {
        static Operands of(Shape sh, int format, long seed) {
            Random r = new Random(seed);
            FloatArray a = new FloatArray(sh.rows * sh.k);
            float[] aRounded = new float[sh.rows * sh.k];
            for (int i = 0; i < aRounded.length; i++) {
                float v = (float) r.nextGaussian();
                a.set(i, v);
                aRounded[i] = Float.float16ToFloat(Float.floatToFloat16(v));
            }
            IntArray halves = MmaTiles.halvesOf(aRounded, aRounded.length, MmaGemm.halvesSize(sh.rows, sh.k));
            int nk = sh.n * sh.k;
            FloatArray w32 = new FloatArray(format == MmaGemm.F32 ? nk : 1);
            LongArray w16 = Packed16.allocate(format == MmaGemm.F32 ? 1 : nk);
            float[] wRounded = new float[nk];
            for (int i = 0; i < nk; i++) {
                float v = (float) (r.nextGaussian() * 0.05);
                short h = Float.floatToFloat16(v);
                switch (format) {
                    case MmaGemm.F32 -> w32.set(i, v);
                    case MmaGemm.F16 -> Packed16.set(w16, i, h);
                    default -> {
                        h = (short) (Float.floatToIntBits(v) >>> 16);
                        Packed16.set(w16, i, h);
                        h = (short) MmaTiles.halfOfBf16(h & 0xFFFF);
                    }
                }
                wRounded[i] = Float.float16ToFloat(h);
            }
            return new Operands(a, halves, w32, w16, aRounded, wRounded);
        }
    }

    private static TornadoExecutionPlan plan(TornadoDevice device, Shape sh, int format, int activations, Operands o, FloatArray out, boolean profile) {
        IntArray control = IntArray.fromElements(sh.rows);
        FloatArray noScale = new FloatArray(1);
        KernelContext kc = new KernelContext();
        TaskGraph g = new TaskGraph("mma")
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, control, o.a, o.halves, noScale, o.w32, o.w16)
                .task("gemm", MmaGemm::gemm, kc, control, o.a, o.halves, noScale, activations, o.w32, o.w16, format, 0, out,
                        sh.n, sh.k, sh.k)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, out);
        int tileN = MmaGemm.TILE_N, local = MmaGemm.LOCAL;
        WorkerGrid2D grid = new WorkerGrid2D((sh.n + tileN - 1) / tileN * local, (sh.rows + MmaGemm.TILE_M - 1) / MmaGemm.TILE_M);
        grid.setLocalWork(local, 1, 1);
        TornadoExecutionPlan p = new TornadoExecutionPlan(g.snapshot());
        p.withDevice(device).withGridScheduler(new GridScheduler("mma.gemm", grid));
        if (profile) p.withProfiler(ProfilerMode.SILENT);
        return p;
    }

    /** ‖out − ref‖ / ‖ref‖ over every row (every 8th row at the big shapes), ref the float64 product of the rounded operands. */
    private static double gemmError(TornadoDevice device, Shape sh, int format, int activations) {
        Operands o = Operands.of(sh, format, 17L * sh.n + sh.k + format + activations);
        FloatArray out = new FloatArray(roundRows(sh.rows) * sh.n);
        out.init(Float.NaN);
        try (TornadoExecutionPlan p = plan(device, sh, format, activations, o, out, false)) {
            p.execute();
        } catch (Exception e) {
            throw e instanceof RuntimeException r ? r : new RuntimeException(e);
        }
        int step = sh.rows >= 1024 ? 8 : 1;
        double err = 0, norm = 0;
        for (int m = 0; m < sh.rows; m += step) {
            for (int j = 0; j < sh.n; j++) {
                double ref = 0;
                for (int kk = 0; kk < sh.k; kk++) ref += (double) o.aRounded[m * sh.k + kk] * o.wRounded[j * sh.k + kk];
                double d = out.get(m * sh.n + j) - ref;
                err += d * d;
                norm += ref * ref;
            }
        }
        return Math.sqrt(err / norm);
    }

    private static int roundRows(int rows) {
        return (rows + MmaGemm.TILE_M - 1) / MmaGemm.TILE_M * MmaGemm.TILE_M;
    }

    /**
     * Median kernel time of 20 runs (after 3 warm-up runs) of the MMA GEMM (weights f32, f16 and bf16; fp16 activations as the
     * prefill gives them, and float32 ones with bf16 weights) and the float32 blocked one.
     */
    private static void time(TornadoDevice device, String spec, Shape sh) {
        double flop = 2.0 * sh.rows * sh.n * sh.k;
        StringBuilder mmaTimes = new StringBuilder();
        Operands o = null;
        int[][] runs = {{MmaGemm.F32, MmaGemm.HALVES}, {MmaGemm.F16, MmaGemm.HALVES}, {MmaGemm.BF16, MmaGemm.HALVES}, {MmaGemm.BF16, MmaGemm.FLOATS}};
        for (int[] run : runs) {
            int format = run[0], activations = run[1];
            o = Operands.of(sh, format, 5);
            FloatArray out = new FloatArray(roundRows(sh.rows) * sh.n);
            try {
                try (TornadoExecutionPlan p = plan(device, sh, format, activations, o, out, true)) {
                    double mma = medianKernelMs(p);
                    mmaTimes.append(String.format(Locale.ROOT, "%s weights, %s a %.3f ms = %.1f TFLOP/s; ", formatName(format),
                            activationsName(activations), mma, flop / mma / 1e9));
                }
            } catch (Exception e) {
                System.out.println("# " + spec + " mma gemm " + sh + ": " + String.valueOf(e).lines().findFirst().orElse(""));
                return;
            }
        }
        FloatArray out = new FloatArray(roundRows(sh.rows) * sh.n);
        double blocked;
        FloatArray w = new FloatArray(sh.n * sh.k);
        w.init(0.01f);
        IntArray control = IntArray.fromElements(sh.rows);
        KernelContext kc = new KernelContext();
        TaskGraph g = new TaskGraph("f32")
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, control, o.a, w)
                .task("gemm", GemmKernels::gemmBlocked, kc, control, o.a, w, 0, out, sh.n, sh.k, 0)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, out);
        WorkerGrid2D grid = new WorkerGrid2D((sh.n + 63) / 64 * 16, (sh.rows + 63) / 64 * 16);
        grid.setLocalWork(16, 16, 1);
        try (TornadoExecutionPlan p = new TornadoExecutionPlan(g.snapshot())) {
            p.withDevice(device).withGridScheduler(new GridScheduler("f32.gemm", grid)).withProfiler(ProfilerMode.SILENT);
            blocked = medianKernelMs(p);
        } catch (Exception e) {
            blocked = Double.NaN;
        }
        System.out.printf(Locale.ROOT, "# %s gemm rows %d n %d k %d: mma %sf32 blocked %.3f ms = %.1f TFLOP/s%n", spec, sh.rows,
                sh.n, sh.k, mmaTimes, blocked, flop / blocked / 1e9);
    }

    private static double medianKernelMs(TornadoExecutionPlan p) {
        double[] t = new double[20];
        for (int i = 0; i < 3; i++) p.execute();
        for (int i = 0; i < t.length; i++) {
            TornadoExecutionResult r = p.execute();
            t[i] = r.getProfilerResult().getDeviceKernelTime() / 1e6;
            if (!(t[i] > 0)) throw new IllegalStateException("the profiler reported no kernel time");
        }
        Arrays.sort(t);
        return t[t.length / 2];
    }
}
