package org.mamba2j.tornado.check;

import org.mamba2j.device.DeviceSpec;
import org.mamba2j.tornado.TornadoDevices;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.ImmutableTaskGraph;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.WorkerGrid1D;
import uk.ac.manchester.tornado.api.annotations.Parallel;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The minimal kernels of the TornadoVM 5.2 SPIR-V bug reports in docs/spirv.md, each run on one
 * device and compared with what Java computes. Each case prints "expected", "actual" and PASS or
 * FAIL; a case whose compilation or run does not end within the timeout is reported as a hang (the
 * JVM then exits, as TornadoVM's compiler thread cannot be stopped).
 *   java @argfile -cp ... org.mamba2j.tornado.check.SpirvRepro [--device spirv:0] [--timeout-s 120] [CASE...]
 * Cases: unsigned-below, kernel-context, loadstore-fma (the last one hangs only with
 * -Dtornado.spirv.loadstore=true, TornadoVM's default). Exit status 0 when every case passed.
 */
public final class SpirvRepro {

    private SpirvRepro() {
    }

    /** Bug 1: {@code c >= 0 && c < n}, which Graal folds to the unsigned {@code c |<| n}; out starts as zeros. */
    public static void inRange(IntArray out, int offset, int n) {
        for (@Parallel int i = 0; i < out.getSize(); i++) {
            int c = i - offset;
            if (c >= 0 && c < n) {
                out.set(i, 1);
            }
        }
    }

    /**
     * Bug 2: a KernelContext kernel with an integer remainder (or division) by a value known only at
     * run time; the same kernel without it compiles.
     */
    public static void gatherWithContext(KernelContext ctx, IntArray n, FloatArray in, FloatArray out) {
        int i = ctx.globalIdx;
        out.set(i, in.get(i % n.get(0)));
    }

    /**
     * Bug 3: a dot product per row (a multiply-add into a loop-carried sum) for the first m rows,
     * 0 for the others. The sizes come in an array: a scalar argument is compiled in as a constant,
     * and the loop is then unrolled away.
     */
    public static void rowDot(FloatArray a, FloatArray x, FloatArray y, IntArray dims) {
        for (@Parallel int r = 0; r < y.getSize(); r++) {
            int n = dims.get(0);
            int m = dims.get(1);
            float acc = 0f;
            if (r < m) {
                for (int k = 0; k < n; k++) {
                    acc += a.get(r * n + k) * x.get(k);
                }
            }
            y.set(r, acc);
        }
    }

    private static String unsignedBelow(TornadoDevice device) {
        IntArray out = new IntArray(8);
        out.init(0);
        TaskGraph g = new TaskGraph("reproBelow").transferToDevice(DataTransferMode.FIRST_EXECUTION, out).task("t", SpirvRepro::inRange, out, 4, 2)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, out);
        run(g.snapshot(), device, null);
        return Arrays.toString(out.toHeapArray());
    }

    private static String expectedUnsignedBelow() {
        int[] e = new int[8];
        for (int i = 0; i < 8; i++) e[i] = i - 4 >= 0 && i - 4 < 2 ? 1 : 0;
        return Arrays.toString(e);
    }

    private static String kernelContext(TornadoDevice device) {
        FloatArray in = new FloatArray(16), out = new FloatArray(16);
        for (int i = 0; i < 16; i++) in.set(i, i);
        out.init(-1f);
        IntArray n = IntArray.fromElements(3);
        TaskGraph g = new TaskGraph("reproCtx").transferToDevice(DataTransferMode.FIRST_EXECUTION, n, in)
                .task("t", SpirvRepro::gatherWithContext, new KernelContext(), n, in, out)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, out);
        WorkerGrid1D w = new WorkerGrid1D(16);
        w.setLocalWork(4, 1, 1);
        run(g.snapshot(), device, new GridScheduler("reproCtx.t", w));
        return Arrays.toString(out.toHeapArray());
    }

    private static String expectedKernelContext() {
        float[] e = new float[16];
        for (int i = 0; i < 16; i++) e[i] = i % 3;
        return Arrays.toString(e);
    }

    private static final int ROWS = 4, COLS = 8;

    private static String loadstoreFma(TornadoDevice device) {
        FloatArray a = new FloatArray(ROWS * COLS), x = new FloatArray(COLS), y = new FloatArray(ROWS);
        for (int i = 0; i < ROWS * COLS; i++) a.set(i, i % 5);
        for (int k = 0; k < COLS; k++) x.set(k, k);
        y.init(-1f);
        IntArray dims = IntArray.fromElements(COLS, ROWS - 1);
        TaskGraph g = new TaskGraph("reproFma").transferToDevice(DataTransferMode.FIRST_EXECUTION, a, x, dims)
                .task("t", SpirvRepro::rowDot, a, x, y, dims)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, y);
        run(g.snapshot(), device, null);
        return Arrays.toString(y.toHeapArray());
    }

    private static String expectedLoadstoreFma() {
        float[] e = new float[ROWS];
        for (int r = 0; r < ROWS - 1; r++) {
            for (int k = 0; k < COLS; k++) e[r] += (r * COLS + k) % 5 * (float) k;
        }
        return Arrays.toString(e);
    }

    private static void run(ImmutableTaskGraph g, TornadoDevice device, GridScheduler grid) {
        try (TornadoExecutionPlan plan = new TornadoExecutionPlan(g)) {
            plan.withDevice(device);
            if (grid != null) plan.withGridScheduler(grid);
            plan.execute();
        } catch (Exception e) {
            throw e instanceof RuntimeException r ? r : new RuntimeException(e);
        }
    }

    public static void main(String[] args) throws Exception {
        String spec = "spirv:0";
        long timeout = 120;
        List<String> cases = new java.util.ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--device" -> spec = args[++i];
                case "--timeout-s" -> timeout = Long.parseLong(args[++i]);
                default -> cases.add(args[i]);
            }
        }
        if (cases.isEmpty()) cases = List.of("unsigned-below", "kernel-context", "loadstore-fma");
        TornadoDevice device = TornadoDevices.device(DeviceSpec.parse(spec));
        System.out.println("# " + spec + " = " + TornadoDevices.deviceName(device) + ", tornado.spirv.loadstore="
                + System.getProperty("tornado.spirv.loadstore", "(default: true)"));
        ExecutorService pool = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "repro");
            t.setDaemon(true);
            return t;
        });
        int failed = 0;
        for (String c : cases) {
            String expected = switch (c) {
                case "unsigned-below" -> expectedUnsignedBelow();
                case "kernel-context" -> expectedKernelContext();
                case "loadstore-fma" -> expectedLoadstoreFma();
                default -> throw new IllegalArgumentException("unknown case " + c);
            };
            Future<String> f = pool.submit(() -> switch (c) {
                case "unsigned-below" -> unsignedBelow(device);
                case "kernel-context" -> kernelContext(device);
                default -> loadstoreFma(device);
            });
            String actual;
            try {
                actual = f.get(timeout, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                System.out.printf(Locale.ROOT, "%-15s expected %s%n%-15s actual   no result after %d s (hang)  FAIL%n", c, expected, "", timeout);
                System.out.println((failed + 1) + " failed");
                System.out.flush();
                Runtime.getRuntime().halt(1);
                return;
            } catch (java.util.concurrent.ExecutionException e) {
                String m = String.valueOf(e.getCause());
                actual = "error: " + m.lines().findFirst().orElse(m);
            }
            boolean ok = expected.equals(actual);
            if (!ok) failed++;
            System.out.printf(Locale.ROOT, "%-15s expected %s%n%-15s actual   %s  %s%n", c, expected, "", actual, ok ? "PASS" : "FAIL");
        }
        System.out.println(failed + " failed");
        System.exit(failed == 0 ? 0 : 1);
    }
}
