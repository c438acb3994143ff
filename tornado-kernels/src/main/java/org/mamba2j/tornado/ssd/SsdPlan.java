package org.mamba2j.tornado.ssd;


import org.mamba2j.tornado.DeviceConfig;
import org.mamba2j.tornado.Grids;
import org.mamba2j.tornado.TornadoDevices;

import org.mamba2j.ssd.SsdInputs;
import org.mamba2j.ssd.SsdShape;
import uk.ac.manchester.tornado.api.ImmutableTaskGraph;
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
 * The chunked SSD forward for one shape and one set of optional inputs, as one TornadoVM task
 * graph built and compiled once and executed per call. A task graph is bound to the arrays it was
 * built with, so the plan owns off-heap staging arrays ({@link FloatArray}): each call copies its
 * inputs in and the outputs out, one bulk copy per tensor. Inputs (including A, D and the dt bias: several layers share a shape and a plan)
 * go to the device on every execution; the intermediates (dt, cumsums, C·Bᵀ, chunk states) stay
 * on the device; y and the final state come back on every execution.
 */
public final class SsdPlan implements AutoCloseable {

    private static final AtomicInteger IDS = new AtomicInteger();

    /** System property: print the generated kernels and their thread grids (debugging). */
    public static final String PRINT_KERNELS = "mamba2.tornado.printKernels";

    /** System property: have TornadoVM time every kernel (read back as {@link #lastKernelNanos()}). */
    public static final String PROFILE = "mamba2.tornado.profile";

    final SsdShape shape;
    final SsdDims.Flags flags;
    final String graphName;
    private final StagedInputs in;
    private final FloatArray y, finalState;
    private final TornadoExecutionPlan plan;
    private TornadoExecutionResult last;

    public SsdPlan(SsdShape s, SsdDims.Flags f, TornadoDevice device, DeviceConfig config) {
        DeviceConfig cfg = config.forSsd(s);
        this.shape = s;
        this.flags = f;
        this.graphName = "ssd" + IDS.incrementAndGet();
        int xs = Math.toIntExact(s.xSize()), ss = Math.toIntExact(s.stateSize());
        in = new StagedInputs(s, f);
        y = new FloatArray(xs);
        finalState = new FloatArray(ss);
        IntArray dims = IntArray.fromArray(SsdDims.of(s, f));
        int dtSize = SsdDims.chunkedDtSize(s);
        FloatArray dt = new FloatArray(dtSize), cum = new FloatArray(dtSize), wState = new FloatArray(dtSize);
        FloatArray cb = new FloatArray(SsdDims.cbSize(s));
        FloatArray states = new FloatArray(SsdTasks.chunkStatesSize(cfg, s)), stateIn = new FloatArray(SsdDims.chunkStatesSize(s));
        FloatArray scores = new FloatArray(SsdTasks.scratchSize(cfg, s));
        SsdTasks.Buffers b = new SsdTasks.Buffers(in.x, in.dtRaw, in.A, in.bias, in.dtLimits, in.B, in.C, in.D, in.z, in.init, dims,
                dt, cum, wState, cb, states, stateIn, scores, y, finalState, 0);

        // one execution covers every chunk of every batch row: the grids' rows are those chunks
        Grids grids = new Grids(device, s.batch() * s.nchunks());
        TaskGraph g = new TaskGraph(graphName)
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, dims, dt, cum, wState, cb, states, stateIn, scores)
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, in.x, in.dtRaw, in.A, in.bias, in.dtLimits, in.B, in.C, in.D, in.z, in.init);
        SsdTasks.add(g, "", s, cfg, TornadoDevices.backend(device), new KernelContext(), b, grids, chunks -> chunks);
        g.transferToHost(DataTransferMode.EVERY_EXECUTION, y, finalState);
        ImmutableTaskGraph itg = g.snapshot();
        TornadoExecutionPlan p = new TornadoExecutionPlan(itg).withDevice(device);
        // every kernel a loop kernel on a backend whose loop kernels run without grids: no scheduler
        plan = grids.scheduler() == null ? p : p.withGridScheduler(grids.scheduler());
        if (Boolean.getBoolean(PRINT_KERNELS)) plan.withPrintKernel().withThreadInfo();
        if (Boolean.getBoolean(PROFILE)) plan.withProfiler(ProfilerMode.SILENT);
    }

    /** Compiles the kernels now (otherwise the first call does). */
    public SsdPlan warmUp() {
        plan.withPreCompilation();
        return this;
    }

    /** One forward: {@code in} must have this plan's shape and flags. */
    public synchronized void run(SsdInputs inputs, float[] yOut, float[] finalStateOut) {
        in.copyFrom(inputs);
        last = plan.execute();
        OffHeap.copy(y, 0, yOut, 0, y.getSize());
        OffHeap.copy(finalState, 0, finalStateOut, 0, finalState.getSize());
    }

    /** Device time of the last run's kernels in ns, or −1 without profiling. */
    public long lastKernelNanos() {
        return kernelNanos(last);
    }

    public static long kernelNanos(TornadoExecutionResult r) {
        if (!Boolean.getBoolean(PROFILE) || r == null || r.getProfilerResult() == null) return -1;
        return r.getProfilerResult().getDeviceKernelTime();
    }

    @Override
    public void close() {
        try {
            plan.freeDeviceMemory();
            plan.close();
        } catch (Exception e) {
            // releasing device memory is best effort
        }
    }
}
