package org.mamba2j.cli;

import org.mamba2j.ssd.RandomInputs;
import org.mamba2j.ssd.SsdBackend;
import org.mamba2j.ssd.SsdInputs;
import org.mamba2j.ssd.SsdReference;
import org.mamba2j.ssd.SsdShape;

import java.util.Arrays;
import java.util.List;

/** One row of the benchmark matrix: what runs, how its throughput is counted, how it is checked. */
abstract class Workload {

    final String name;
    final String description;

    Workload(String name, String description) {
        this.name = name;
        this.description = description;
    }

    /** The workloads `mamba2 bench` knows, in the order they run. */
    static List<Workload> all() {
        return List.of(
                new SsdForward("ssd-130m", new SsdShape(1, 2048, 24, 64, 1, 128, 256)),
                new SsdForward("ssd-2.7b", new SsdShape(1, 4096, 80, 64, 1, 128, 256)),
                new DecodeStep("decode-step", new SsdShape(1, 1, 80, 64, 1, 128, 256)));
    }

    abstract BenchResult run(String device, SsdBackend backend, int warmup, int iters);

    /** SSD forward on random inputs; throughput in tokens/s, checked against the float64 recurrence. */
    static final class SsdForward extends Workload {
        final SsdShape shape;

        SsdForward(String name, SsdShape shape) {
            super(name, "SSD forward, " + shape);
            this.shape = shape;
        }

        @Override
        BenchResult run(String device, SsdBackend backend, int warmup, int iters) {
            SsdInputs in = RandomInputs.generate(shape, 11);
            float[] y = new float[(int) shape.xSize()], state = new float[(int) shape.stateSize()];
            Arrays.fill(y, Float.NaN);
            double[] err = {Double.NaN};
            KernelTimes kernels = new KernelTimes(backend, iters);
            Timings t = Timings.measure(() -> {
                backend.forward(shape, in, y, state);
                kernels.record();
            }, warmup, iters, () -> {
                SsdReference.Exact ref = SsdReference.forward(shape, in);
                err[0] = Math.max(SsdReference.relativeError(y, ref.y()), SsdReference.relativeError(state, ref.finalState()));
            });
            double perS = shape.batch() * shape.seqlen() / (t.median() / 1e3);
            return BenchResult.ok(device, backend.deviceName(), name, t, kernels.median(), perS, "tokens/s",
                    shape.flops() / (t.median() / 1e3) / 1e9, err[0]);
        }
    }

    /** One recurrent decode step (all heads of one layer), state kept where the backend keeps it; steps/s. */
    static final class DecodeStep extends Workload {
        static final int STEPS = 50;
        final SsdShape shape;

        /** The same token's inputs {@code n} times over (batch 1): what {@code n} identical steps consume. */
        static SsdInputs repeated(SsdInputs in, int n) {
            return new SsdInputs(tile(in.x(), n), tile(in.dt(), n), in.A(), tile(in.B(), n), tile(in.C(), n), in.D(),
                    in.z() == null ? null : tile(in.z(), n), null, in.timeStep());
        }

        private static float[] tile(float[] a, int n) {
            float[] out = new float[a.length * n];
            for (int i = 0; i < n; i++) System.arraycopy(a, 0, out, i * a.length, a.length);
            return out;
        }

        DecodeStep(String name, SsdShape shape) {
            super(name, "SSD decode step, " + shape);
            this.shape = shape;
        }

        @Override
        BenchResult run(String device, SsdBackend backend, int warmup, int iters) {
            SsdInputs in = RandomInputs.generate(shape, 12);
            float[] start = RandomInputs.generate(shape, 13, 1f, false, true).initialState();
            float[] state = new float[start.length];
            float[] y = new float[(int) shape.xSize()];
            Arrays.fill(y, Float.NaN);
            Arrays.fill(state, Float.NaN);
            double[] err = {Double.NaN};
            KernelTimes kernels = new KernelTimes(backend, iters);
            try (SsdBackend.StepSession session = backend.openSteps(shape, in, start)) {
                // A timed call is STEPS steps: one step is too short for the clock and for the JIT to settle.
                Timings t = Timings.measure(() -> {
                    for (int i = 0; i < STEPS; i++) {
                        session.step(in, y);
                        kernels.record();
                    }
                }, warmup, iters, () -> {
                    // Checked after the first STEPS steps (same token each time): the state read back from where it lives.
                    session.readState(state);
                    SsdReference.Exact ref = SsdReference.forward(shape.withSeqlen(STEPS), repeated(in, STEPS).withInitialState(start));
                    double[] lastY = Arrays.copyOfRange(ref.y(), (STEPS - 1) * y.length, STEPS * y.length);
                    err[0] = Math.max(SsdReference.relativeError(y, lastY), SsdReference.relativeError(state, ref.finalState()));
                }).perUnit(STEPS);
                // One step per layer: H·P·N state updates and dot products, 2 FLOP each.
                double flops = 4.0 * shape.batch() * shape.nheads() * shape.headdim() * shape.dstate();
                return BenchResult.ok(device, backend.deviceName(), name, t, kernels.median(), 1e3 / t.median(), "steps/s",
                        flops / (t.median() / 1e3) / 1e9, err[0]);
            }
        }
    }
}
