package org.mamba2j.tornado;

import uk.ac.manchester.tornado.api.KernelContext;

/** Work-group collectives for KernelContext kernels (TornadoVM inlines them into each kernel). */
public final class WorkGroups {

    /**
     * Work items per row of the row kernels ({@link #laneSum}): a work-group of L work items
     * computes L / LANES rows side by side, a warp per row on NVIDIA.
     */
    public static final int LANES = 32;

    private WorkGroups() {
    }

    /**
     * The sum of {@code value} over the work-group, returned to every work item: a tree in local
     * memory. Every item must call it (it holds barriers); the group size is a power of two ≤ 1024.
     * The leading barrier lets one kernel sum several times: nobody overwrites the partials before
     * every item has read the previous result.
     */
    public static float sum(KernelContext ctx, float value) {
        int lid = ctx.localIdx;
        float[] partial = ctx.allocateFloatLocalArray(1024);
        ctx.localBarrier();
        partial[lid] = value;
        for (int stride = ctx.localGroupSizeX / 2; stride > 0; stride /= 2) {
            ctx.localBarrier();
            if (lid < stride) {
                partial[lid] += partial[lid + stride];
            }
        }
        ctx.localBarrier();
        return partial[0];
    }

    /**
     * The sum of {@code value} over each run of {@link #LANES} consecutive work items (a row of a
     * row kernel), returned to every item of the run: a tree in local memory, five steps. Every
     * item must call it; the group size is a multiple of LANES, at most 1024.
     */
    public static float laneSum(KernelContext ctx, float value) {
        int lid = ctx.localIdx;
        int lane = lid % LANES;
        float[] partial = ctx.allocateFloatLocalArray(1024);
        ctx.localBarrier();
        partial[lid] = value;
        for (int stride = LANES / 2; stride > 0; stride /= 2) {
            ctx.localBarrier();
            if (lane < stride) {
                partial[lid] += partial[lid + stride];
            }
        }
        ctx.localBarrier();
        return partial[lid - lane];
    }
}
