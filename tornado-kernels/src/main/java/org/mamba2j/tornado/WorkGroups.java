package org.mamba2j.tornado;

import uk.ac.manchester.tornado.api.KernelContext;

/** Work-group collectives for KernelContext kernels (TornadoVM inlines them into each kernel). */
public final class WorkGroups {

    /**
     * The fewest work items per row of the row kernels ({@link #rowSum}, {@link #rowLanes}): a warp
     * on NVIDIA. A work-group of L work items computes L / lanes rows side by side.
     */
    public static final int LANES = 32;

    private WorkGroups() {
    }

    /**
     * The sum of {@code value} over the work-group, returned to every work item: a tree in local
     * memory, ⌈log₂ size⌉ steps. Every item must call it (it holds barriers); any group size ≤ 1024,
     * not only powers of two: TornadoVM's PTX backend launches a kernel whose registers do not allow
     * the asked size with one it picks (640 for 1024 on the H200), and a row kernel then still sums
     * right as long as its lanes divide that size. The leading barrier lets one kernel sum several
     * times: nobody overwrites the partials before every item has read the previous result.
     */
    public static float sum(KernelContext ctx, float value) {
        int lid = ctx.localIdx;
        float[] partial = ctx.allocateFloatLocalArray(1024);
        ctx.localBarrier();
        partial[lid] = value;
        for (int active = ctx.localGroupSizeX; active > 1; ) {
            int half = (active + 1) / 2;
            ctx.localBarrier();
            if (lid < active - half) {
                partial[lid] += partial[lid + half];
            }
            active = half;
        }
        ctx.localBarrier();
        return partial[0];
    }

    /**
     * The sum of {@code value} over each run of {@code lanes} consecutive work items (a row of a row
     * kernel), returned to every item of the run: a tree in local memory, log₂ lanes steps. Every
     * item must call it; lanes is a power of two that divides the group size, at most 1024.
     */
    public static float rowSum(KernelContext ctx, float value, int lanes) {
        int lid = ctx.localIdx;
        int lane = lid % lanes;
        float[] partial = ctx.allocateFloatLocalArray(1024);
        ctx.localBarrier();
        partial[lid] = value;
        for (int stride = lanes / 2; stride > 0; stride /= 2) {
            ctx.localBarrier();
            if (lane < stride) {
                partial[lid] += partial[lid + stride];
            }
        }
        ctx.localBarrier();
        return partial[lid - lane];
    }

    /**
     * Work items per row of a row kernel whose rows have {@code cols} elements, each work item
     * reading about {@code tile} of them: the power of two nearest above cols / tile, at least
     * {@link #LANES}, and at most local / minRows (or LANES, if more), so that a work-group keeps
     * at least minRows rows; {@code tile} ≤ 0 means LANES. Never more than local.
     */
    public static int rowLanes(int cols, int tile, int local, int minRows) {
        int least = Math.min(LANES, local);
        if (tile <= 0) return least;
        int want = Math.max(1, (cols + tile - 1) / tile);
        int lanes = Integer.highestOneBit(want);
        if (lanes < want) lanes <<= 1;
        return Math.max(least, Math.min(lanes, local / minRows));
    }
}
