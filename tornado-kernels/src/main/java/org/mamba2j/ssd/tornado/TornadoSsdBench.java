package org.mamba2j.ssd.tornado;

import org.mamba2j.ssd.JvmSsd;
import org.mamba2j.ssd.RandomInputs;
import org.mamba2j.ssd.SsdBackend;
import org.mamba2j.ssd.SsdInputs;
import org.mamba2j.ssd.SsdReference;
import org.mamba2j.ssd.SsdShape;

import java.nio.file.Path;
import java.util.Locale;

/**
 * Rough timing of one SSD forward and one decode step on a TornadoVM device against the JVM
 * (host copies included, compile excluded). Launch like the check:
 * {@code scripts/tornado-it} style flags, main class org.mamba2j.ssd.tornado.TornadoSsdBench,
 * args: SPEC [batch seqlen nheads headdim ngroups dstate chunk] [--device-config FILE] [--iters N].
 */
public final class TornadoSsdBench {

    private TornadoSsdBench() {
    }

    public static void main(String[] args) {
        String spec = args.length > 0 ? args[0] : "opencl:0";
        int[] d = {1, 1024, 24, 64, 1, 128, 256};
        Path cfg = null;
        int iters = 5;
        int k = 0;
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("--device-config")) cfg = Path.of(args[++i]);
            else if (args[i].equals("--iters")) iters = Integer.parseInt(args[++i]);
            else d[k++] = Integer.parseInt(args[i]);
        }
        SsdShape s = new SsdShape(d[0], d[1], d[2], d[3], d[4], d[5], d[6]);
        SsdInputs in = RandomInputs.generate(s, 1, 1f, true, false);
        float[] y = new float[(int) s.xSize()], st = new float[(int) s.stateSize()];
        try (SsdBackend dev = TornadoBackends.open(spec, cfg)) {
            System.out.println("device " + dev.deviceName() + ", shape " + s);
            for (SsdBackend b : new SsdBackend[] {JvmSsd.INSTANCE, dev}) {
                b.forward(s, in, y, st); // warm-up / compile
                long t0 = System.nanoTime();
                for (int i = 0; i < iters; i++) b.forward(s, in, y, st);
                double ms = (System.nanoTime() - t0) / 1e6 / iters;
                SsdShape s1 = s.withSeqlen(1);
                SsdInputs tok = CheckCases.token(s, in, 0);
                float[] state = new float[(int) s.stateSize()], y1 = new float[(int) s1.xSize()];
                b.step(s, tok, state, y1);
                long t1 = System.nanoTime();
                for (int i = 0; i < iters * 10; i++) b.step(s, tok, state, y1);
                double stepMs = (System.nanoTime() - t1) / 1e6 / (iters * 10);
                System.out.printf(Locale.ROOT, "%-70.70s forward %9.2f ms (%6.2f GFLOP/s)   step %7.3f ms%n", b.deviceName(), ms,
                        s.flops() / ms / 1e6, stepMs);
            }
            if (s.seqlen() <= 2048) {
                double err = SsdReference.relativeError(y, SsdReference.forward(s, in).y());
                System.out.printf(Locale.ROOT, "device y rel. error vs float64 recurrence: %.2e%n", err);
            }
        }
    }
}
