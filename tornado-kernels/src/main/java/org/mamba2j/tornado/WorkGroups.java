package org.mamba2j.tornado;

import uk.ac.manchester.tornado.api.KernelContext;

/** Work-group collectives for KernelContext kernels (TornadoVM inlines them into each kernel). */
public final class WorkGroups {

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
}
