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
            Timings t = Timings.measure(() -> backend.forward(shape, in, y, state), warmup, iters, () -> {
                SsdReference.Exact ref = SsdReference.forward(shape, in);
                err[0] = Math.max(SsdReference.relativeError(y, ref.y()), SsdReference.relativeError(state, ref.finalState()));
            });
            double perS = shape.batch() * shape.seqlen() / (t.median() / 1e3);
            return BenchResult.ok(device, backend.deviceName(), name, t, perS, "tokens/s",
                    shape.flops() / (t.median() / 1e3) / 1e9, err[0]);
        }
    }

    /** One recurrent decode step (all heads of one layer); throughput in steps/s. */
    static final class DecodeStep extends Workload {
        final SsdShape shape;

        DecodeStep(String name, SsdShape shape) {
            super(name, "SSD decode step, " + shape);
            this.shape = shape;
        }

        @Override
        BenchResult run(String device, SsdBackend backend, int warmup, int iters) {
            SsdInputs in = RandomInputs.generate(shape, 12);
            float[] start = RandomInputs.generate(shape, 13, 1f, false, true).initialState();
            float[] state = start.clone();
            float[] y = new float[(int) shape.xSize()];
            Arrays.fill(y, Float.NaN);
            double[] err = {Double.NaN};
            Timings t = Timings.measure(() -> backend.step(shape, in, state, y), warmup, iters, () -> {
                SsdReference.Exact ref = SsdReference.forward(shape, in.withInitialState(start));
                err[0] = Math.max(SsdReference.relativeError(y, ref.y()), SsdReference.relativeError(state, ref.finalState()));
            });
            // One step per layer: H·P·N state updates and dot products, 2 FLOP each.
            double flops = 4.0 * shape.batch() * shape.nheads() * shape.headdim() * shape.dstate();
            return BenchResult.ok(device, backend.deviceName(), name, t, 1e3 / t.median(), "steps/s",
                    flops / (t.median() / 1e3) / 1e9, err[0]);
        }
    }
}
