package org.mamba2j.model.kernels;

import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.ImmutableTaskGraph;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.WorkerGrid;
import uk.ac.manchester.tornado.api.WorkerGrid1D;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;

import java.util.ArrayList;
import java.util.List;

/**
 * Token-by-token decoding on a TornadoVM device: one task graph for the embedding, one per block
 * and one for the head, compiled once. (Putting several blocks in one graph would save dispatches,
 * but TornadoVM 5.2 did not cope: "graph resize not implemented" on PTX, no end on PoCL.) Weights, the residual stream and every conv and
 * SSM state stay on the device; per token only {token, reset} goes in and the logits come out.
 */
public final class DecodePlan implements AutoCloseable {

    /** Work-group sizes of the reduction kernels (from device-configs). */
    public record LocalSizes(int norm, int matVec, int gatedNorm) {
    }

    private final MixerDims dims;
    private final int[] control = new int[2];
    private final float[] logits;
    private final TornadoExecutionPlan plan;
    private final int graphCount;
    private boolean fresh = true;

    /** {@code lmHead} may be the embedding itself (tied weights). */
    public DecodePlan(MixerDims dims, LayerWeights[] layers, float[] normF, float[] embedding, float[] lmHead,
                      TornadoDevice device, LocalSizes local) {
        if (layers.length != dims.nLayer()) throw new IllegalArgumentException("expected " + dims.nLayer() + " layers, got " + layers.length);
        this.dims = dims;
        this.logits = new float[dims.vocab()];
        float[] residual = new float[dims.dModel()];
        GridScheduler grids = new GridScheduler();
        List<ImmutableTaskGraph> graphs = new ArrayList<>();
        KernelContext ctx = new KernelContext();

        TaskGraph g = new TaskGraph("embed")
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, control)
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, embedding, residual)
                .task("embed", MixerKernels::embed, control, embedding, residual, dims.dModel());
        for (int l = 0; l < layers.length; l++) {
            g = next(g, "block" + l, graphs, control, residual, embedding);
            addLayer(g, dims, layers[l], control, residual, ctx, grids, local);
        }
        g = next(g, "head", graphs, control, residual, embedding);
        float[] normed = new float[dims.dModel()];
        g.transferToDevice(DataTransferMode.FIRST_EXECUTION, normF, normed);
        if (lmHead != embedding) g.transferToDevice(DataTransferMode.FIRST_EXECUTION, lmHead);
        g.task("normF", MixerKernels::rmsNorm, ctx, residual, normF, normed, dims.dModel(), dims.eps())
                .task("lmHead", MixerKernels::matVec, ctx, lmHead, normed, logits, dims.dModel())
                .transferToHost(DataTransferMode.EVERY_EXECUTION, logits);
        String name = g.getTaskGraphName();
        grids.addWorkerGrid(name + ".normF", grid(local.norm(), local.norm()));
        grids.addWorkerGrid(name + ".lmHead", grid(dims.vocab() * local.matVec(), local.matVec()));
        graphs.add(g.snapshot());

        this.graphCount = graphs.size();
        this.plan = new TornadoExecutionPlan(graphs.toArray(ImmutableTaskGraph[]::new))
                .withDevice(device).withGridScheduler(grids);
    }

    /**
     * Closes graph {@code g} and opens the next one, which takes over what g leaves on the device
     * (the embedding only rides along: a graph can consume only what the one before it persisted).
     */
    private static TaskGraph next(TaskGraph g, String name, List<ImmutableTaskGraph> graphs, int[] control,
                                  float[] residual, float[] embedding) {
        g.persistOnDevice(control, residual, embedding);
        graphs.add(g.snapshot());
        return new TaskGraph(name).consumeFromDevice(g.getTaskGraphName(), control, residual, embedding);
    }

    /** One block's tasks; its weights, buffers and states stay on the device. */
    private static void addLayer(TaskGraph g, MixerDims d, LayerWeights w, int[] control, float[] residual,
                                 KernelContext ctx, GridScheduler grids, LocalSizes local) {
        float[] normed = new float[d.dModel()], zxbcdt = new float[d.dInProj()], xbc = new float[d.convDim()];
        float[] y = new float[d.dInner()], gated = new float[d.dInner()];
        float[] convState = new float[d.convDim() * (d.dConv() - 1)];
        float[] ssmState = new float[d.dInner() * d.dstate()];
        g.transferToDevice(DataTransferMode.FIRST_EXECUTION, w.norm(), w.inProj(), w.convW(), w.convB(), w.dtBias(),
                        w.aNeg(), w.d(), w.gatedNorm(), w.outProj(), normed, zxbcdt, xbc, y, gated, convState, ssmState)
                .task("norm", MixerKernels::rmsNorm, ctx, residual, w.norm(), normed, d.dModel(), d.eps())
                .task("inProj", MixerKernels::matVec, ctx, w.inProj(), normed, zxbcdt, d.dModel())
                .task("conv", MixerKernels::convStep, control, zxbcdt, convState, w.convW(), w.convB(), xbc,
                        d.xbcOffset(), d.convDim(), d.dConv())
                .task("ssd", MixerKernels::ssdStep, control, zxbcdt, xbc, ssmState, w.aNeg(), w.d(), w.dtBias(), y,
                        d.dtOffset(), d.nheads(), d.headdim(), d.ngroups(), d.dstate(), d.dtMin(), d.dtMax())
                .task("gatedNorm", MixerKernels::gatedRmsNorm, ctx, y, zxbcdt, w.gatedNorm(), gated,
                        d.dInner() / d.ngroups(), d.gatedEps())
                .task("outProj", MixerKernels::matVecAccumulate, ctx, w.outProj(), gated, residual, d.dInner());
        String at = g.getTaskGraphName() + ".";
        grids.addWorkerGrid(at + "norm", grid(local.norm(), local.norm()));
        grids.addWorkerGrid(at + "inProj", grid(d.dInProj() * local.matVec(), local.matVec()));
        grids.addWorkerGrid(at + "gatedNorm", grid(d.ngroups() * local.gatedNorm(), local.gatedNorm()));
        grids.addWorkerGrid(at + "outProj", grid(d.dModel() * local.matVec(), local.matVec()));
    }

    private static WorkerGrid grid(int global, int local) {
        WorkerGrid g = new WorkerGrid1D(global);
        g.setLocalWork(local, 1, 1);
        return g;
    }

    /** Starts a new sequence: the next step sees zero conv and SSM states. */
    public void reset() {
        fresh = true;
    }

    /** Feeds one token; returns the logits (vocab), valid until the next call. */
    public float[] step(int token) {
        if (token < 0 || token >= dims.vocab()) throw new IllegalArgumentException("token " + token + " outside the vocabulary of " + dims.vocab());
        control[0] = token;
        control[1] = fresh ? 1 : 0;
        fresh = false;
        // Graphs run one by one, in order: each consumes what the previous one left on the device.
        for (int i = 0; i < graphCount; i++) plan.withGraph(i).execute();
        return logits;
    }

    @Override
    public void close() {
        try {
            plan.close();
        } catch (Exception e) {
            throw new IllegalStateException("could not release the decode plan: " + e.getMessage(), e);
        }
    }
}
