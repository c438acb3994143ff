package org.mamba2j.tornado;

import uk.ac.manchester.tornado.api.KernelContext;

/** Work-group collectives for KernelContext kernels (TornadoVM inlines them into each kernel). */
public final class WorkGroups {

    /**
     * The fewest work items per row of the row kernels ({@link #rowSum}, {@link #rowLanes}): a warp
     * on NVIDIA. A work-group of L work items computes L / lanes rows side by side.
     */
    public static final int LANES = 32;
    /** Work items of a warp, the width of KernelContext's shuffles (simdSum, simdShuffleDown). */
    public static final int WARP = 32;

    private WorkGroups() {
    }

    /**
     * The sum of {@code value} over the work-group, returned to every work item. Where the backend has warp
     * shuffles ({@link #warpShuffles}): each warp's sum by shuffles, then the warps' sums through local memory
     * (two barriers); else a tree in local memory, ⌈log₂ size⌉ steps. Every item must call it (it holds
     * barriers); any group size ≤ 1024, not only powers of two (whole warps where there are shuffles): TornadoVM's
     * PTX backend launches a kernel whose registers do not allow the asked size with one it picks (640 for 1024 on
     * the H200), and a row kernel then still sums right as long as its lanes divide that size. The leading barrier lets one kernel sum several
     * times: nobody overwrites the partials before every item has read the previous result.
     */
    public static float sum(KernelContext ctx, float value) {
        int lid = ctx.localIdx;
        float[] partial = ctx.allocateFloatLocalArray(1024);
        ctx.localBarrier();
        float total;
        if (warpShuffles(ctx)) {
            float warp = ctx.simdSum(value);
            if (lid % WARP == 0) {
                partial[lid / WARP] = warp;
            }
            ctx.localBarrier();
            total = 0f;
            for (int w = 0; w < ctx.localGroupSizeX / WARP; w++) {
                total += partial[w];
            }
        } else {
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
            total = partial[0];
        }
        return total;
    }

    /**
     * The sum of {@code value} over each run of {@code lanes} consecutive work items (a row of a row kernel),
     * valid in the run's first item (the others may hold partial sums). Where the backend has warp shuffles
     * ({@link #warpShuffles}): a row within a warp is summed by shuffles down, log₂ lanes steps and no barrier;
     * a row of several warps by each warp's sum, then theirs through local memory (two barriers); else a tree in
     * local memory, log₂ lanes steps. Every item must call it; lanes is a power of two that divides the group
     * size, at most 1024.
     */
    public static float rowSum(KernelContext ctx, float value, int lanes) {
        int lid = ctx.localIdx;
        int lane = lid % lanes;
        float sum = value;
        boolean shuffles = warpShuffles(ctx);
        if (shuffles && lanes <= WARP) {
            for (int stride = lanes / 2; stride > 0; stride /= 2) {
                sum += ctx.simdShuffleDown(sum, stride);
            }
        } else {
            float[] partial = ctx.allocateFloatLocalArray(1024);
            ctx.localBarrier();
            if (shuffles) {
                float warp = ctx.simdSum(value);
                if (lid % WARP == 0) {
                    partial[lid / WARP] = warp;
                }
                ctx.localBarrier();
                sum = 0f;
                for (int w = (lid - lane) / WARP; w < (lid - lane + lanes) / WARP; w++) {
                    sum += partial[w];
                }
            } else {
                partial[lid] = value;
                for (int stride = lanes / 2; stride > 0; stride /= 2) {
                    ctx.localBarrier();
                    if (lane < stride) {
                        partial[lid] += partial[lid + stride];
                    }
                }
                ctx.localBarrier();
                sum = partial[lid - lane];
            }
        }
        return sum;
    }

    /**
     * Whether this kernel runs on a backend with warp shuffles ({@code KernelContext.simdSum}: TornadoVM 5.2's PTX and
     * CUDA backends): the sum of 1 over a warp is the warp's width there. A backend without them (OpenCL, SPIR-V)
     * compiles simdSum's own Java body, which returns its argument: 1, a constant, so the test and the shuffle branches
     * fold away when the kernel is compiled. On a backend with shuffles every work-group must be whole warps (the shipped
     * NVIDIA config's are: powers of two from 64, the tensor-core GEMM's 128). One condition, not "whole warps and
     * shuffles": TornadoVM 5.2's OpenCL and CUDA C emitters misplace the code after an if whose else-branches come from
     * two nested conditions when it sits in a loop (the then-branch falls through into the else-branch's code; a group
     * loop around a sum ran both of its paths, docs/results.md).
     */
    public static boolean warpShuffles(KernelContext ctx) {
        return ctx.simdSum(1f) == WARP;
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
