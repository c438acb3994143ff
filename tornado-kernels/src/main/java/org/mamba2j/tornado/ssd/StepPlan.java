package org.mamba2j.tornado.ssd;

import org.mamba2j.tornado.DeviceConfig.KernelKey;
import org.mamba2j.tornado.Grids;

import org.mamba2j.tornado.DeviceConfig;

import org.mamba2j.ssd.SsdInputs;
import org.mamba2j.ssd.SsdShape;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.TornadoExecutionResult;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.enums.ProfilerMode;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * One decode step (seqlen 1) as a task graph of a single kernel: {@link SsdKernels#decodeStep}, or
 * {@link SsdKernels#decodeStepReduce} when the device config's "step" variant is "reduce".
 *
 * <p>Two modes. <b>Copied</b> ({@code resident = false}, what {@link TornadoSsd#step} uses, since
 * the backend contract updates the caller's array): the state goes to the device and back on every
 * step. <b>Resident</b>: the state is loaded once, when the plan is built, and stays on the device between
 * steps; only the packed inputs ({@link StepInputs}) go in and y comes out; {@link #readState}
 * copies the state out on demand.
 */
public final class StepPlan implements AutoCloseable {

    private static final AtomicInteger IDS = new AtomicInteger();

    final SsdShape shape;
    final SsdDims.Flags flags;
    final boolean resident;
    private final StepInputs in;
    private final FloatArray state, y;
    private final TornadoExecutionPlan plan;
    private TornadoExecutionResult last;

    public StepPlan(SsdShape shape, SsdDims.Flags f, TornadoDevice device, DeviceConfig cfg, boolean resident,
                    float[] initialState) {
        SsdShape s = shape.withSeqlen(1);
        this.shape = s;
        this.flags = f;
        this.resident = resident;
        String name = "ssdstep" + IDS.incrementAndGet();
        int xs = Math.toIntExact(s.xSize());
        in = new StepInputs(s, f);
        state = new FloatArray(Math.toIntExact(s.stateSize()));
        y = new FloatArray(xs);
        if (initialState != null) OffHeap.copy(initialState, state);
        IntArray dims = IntArray.fromArray(SsdDims.of(s, f));
        TaskGraph g = new TaskGraph(name)
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, dims, in.parts)
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, in.packed);
        g.transferToDevice(resident ? DataTransferMode.FIRST_EXECUTION : DataTransferMode.EVERY_EXECUTION, state);
        DeviceConfig.Kernel k = cfg.kernel(KernelKey.STEP);
        Grids grids = new Grids(device, 1);
        if (k.variant() == DeviceConfig.Variant.REDUCE) {
            g.task("step", SsdKernels::decodeStepReduce, new KernelContext(), in.packed, in.parts, dims, state, y);
            grids.groups(g, "step", k.local(), rows -> xs);
        } else {
            g.task("step", SsdKernels::decodeStep, in.packed, in.parts, dims, state, y, grids.loop(g, "step", k.local(), rows -> xs));
        }
        g.transferToHost(DataTransferMode.EVERY_EXECUTION, y);
        g.transferToHost(resident ? DataTransferMode.UNDER_DEMAND : DataTransferMode.EVERY_EXECUTION, state);
        TornadoExecutionPlan p = new TornadoExecutionPlan(g.snapshot()).withDevice(device);
        plan = grids.scheduler() == null ? p : p.withGridScheduler(grids.scheduler());
        if (Boolean.getBoolean(SsdPlan.PRINT_KERNELS)) plan.withPrintKernel().withThreadInfo();
        if (Boolean.getBoolean(SsdPlan.PROFILE)) plan.withProfiler(ProfilerMode.SILENT);
    }

    /** One step; in copied mode {@code stateInOut} is read and updated, in resident mode it is ignored (may be null). */
    public synchronized void run(SsdInputs inputs, float[] stateInOut, float[] yOut) {
        in.copyFrom(inputs);
        if (!resident) OffHeap.copy(stateInOut, state);
        last = plan.execute();
        OffHeap.copy(y, 0, yOut, 0, y.getSize());
        if (!resident) OffHeap.copy(state, 0, stateInOut, 0, state.getSize());
    }

    /** Device time of the last step's kernel in ns, or −1 without profiling. */
    public long lastKernelNanos() {
        return SsdPlan.kernelNanos(last);
    }

    /** Resident mode: copies the device's current state into {@code out}. */
    public synchronized void readState(float[] out) {
        if (resident && last != null) last.transferToHost(state);
        OffHeap.copy(state, 0, out, 0, state.getSize());
    }

    @Override
    public void close() {
        try {
            plan.freeDeviceMemory();
            plan.close();
        } catch (Exception e) {
            // best effort
        }
    }
}
