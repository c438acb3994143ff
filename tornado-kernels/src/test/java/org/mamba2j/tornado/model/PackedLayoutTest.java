package org.mamba2j.tornado.model;

import org.mamba2j.model.LayerWeights;
import org.mamba2j.model.MixerDims;

import org.junit.jupiter.api.Test;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PackedLayoutTest {

    /** What scripts/lib/tornado.sh sets tornado.tvm.maxbytecodesize to. */
    static final int RAISED_BYTECODE_SIZE = 65536;

    static final MixerDims TINY = new MixerDims(64, 2, 100, 4, 16, 2, 8, 4, 1e-5f, 1e-5f, 0f, 100f);
    /** The 2.7b preset's shapes: 64 blocks, d_model 2560, 80 heads of 64, dstate 128. */
    static final MixerDims BIG = new MixerDims(2560, 64, 50288, 80, 64, 1, 128, 4, 1e-5f, 1e-5f, 0f, 100f);

    static float[] filled(int n, float base) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = base + i;
        return a;
    }

    @Test
    void packPutsEveryPartAtItsOffset() {
        MixerDims m = TINY;
        LayerWeights w = new LayerWeights(filled(m.dModel(), 1e3f), filled(m.dInProj() * m.dModel(), 1e4f),
                filled(m.convDim() * m.dConv(), 1e5f), filled(m.convDim(), 2e5f), filled(m.nheads(), 3e5f),
                filled(m.nheads(), 4e5f), filled(m.nheads(), 5e5f), filled(m.dInner(), 6e5f), filled(m.dModel() * m.dInner(), 7e5f));
        PackedBlock o = PackedBlock.of(m);
        int at = 5;
        FloatArray small = new FloatArray(at + o.smallSize()), big = new FloatArray(at + o.bigSize());
        o.packSmall(w, m, small, at);
        o.packBig(w, big, at);
        float[] p = Arrays.copyOfRange(small.toHeapArray(), at, at + o.smallSize());
        float[] q = Arrays.copyOfRange(big.toHeapArray(), at, at + o.bigSize());
        assertArrayEquals(w.norm(), Arrays.copyOfRange(p, o.norm(), o.convW()));
        assertArrayEquals(w.convW(), Arrays.copyOfRange(p, o.convW(), o.convB()));
        assertArrayEquals(w.convB(), Arrays.copyOfRange(p, o.convB(), o.dtBias()));
        assertArrayEquals(w.dtBias(), Arrays.copyOfRange(p, o.dtBias(), o.aNeg()));
        assertArrayEquals(w.aNeg(), Arrays.copyOfRange(p, o.aNeg(), o.d()));
        assertArrayEquals(w.d(), Arrays.copyOfRange(p, o.d(), o.dtLimits()));
        assertArrayEquals(new float[]{m.dtMin(), m.dtMax()}, Arrays.copyOfRange(p, o.dtLimits(), o.gatedNorm()));
        assertArrayEquals(w.gatedNorm(), Arrays.copyOfRange(p, o.gatedNorm(), o.smallSize()));
        assertEquals(0, o.norm());
        assertEquals(o.convW() + m.convDim() * m.dConv(), o.convB());
        assertEquals(o.dtBias() + m.nheads(), o.aNeg());
        assertEquals(o.aNeg() + m.nheads(), o.d());
        assertArrayEquals(w.inProj(), Arrays.copyOfRange(q, o.inProj(), o.outProj()));
        assertArrayEquals(w.outProj(), Arrays.copyOfRange(q, o.outProj(), o.bigSize()));
        LayerWeights wrong = new LayerWeights(w.norm(), w.inProj(), w.convW(), w.convB(), w.dtBias(), w.aNeg(), w.d(),
                w.gatedNorm(), new float[3]);
        assertThrows(IllegalArgumentException.class, () -> o.packBig(wrong, big, at));
    }

    @Test
    void statesOfBlocksDoNotOverlap() {
        PackedStates s = PackedStates.of(TINY);
        assertEquals(s.conv(1), s.ssm(0) + s.ssmSize());
        assertEquals(s.size(), s.ssm(1) + s.ssmSize());
        assertEquals(TINY.convDim() * (TINY.dConv() - 1), s.ssm(0) - s.conv(0));
    }

    @Test
    void bigModelFitsJavaArrays() {
        assertTrue(PackedBlock.of(BIG).bigSize() > 0);
        assertTrue(PackedStates.of(BIG).size() > 0);
    }

    static int params(String kernel) {
        return Arrays.stream(MixerKernels.class.getMethods()).filter(m -> m.getName().equals(kernel))
                .mapToInt(java.lang.reflect.Method::getParameterCount).findFirst().orElseThrow();
    }

    /** The arguments of a block task: the kernel's, or its 16-bit twin's where it has one and takes more. */
    static int taskParams(String kernel) {
        boolean twin = Arrays.stream(MixerKernels.class.getMethods()).anyMatch(m -> m.getName().equals(kernel + "16"));
        return twin ? Math.max(params(kernel), params(kernel + "16")) : params(kernel);
    }

    /** The kernels of DecodePlan's block tasks, one task each. */
    static final String[] BLOCK_KERNELS = {"normInProjConv", "ssdStep", "gatedMatVecAccumulate"};
    /** TornadoVM 5.2's TaskGraph.task takes at most 20 arguments (TornadoFunctions.Task20). */
    static final int MAX_TASK_ARGS = 20;

    @Test
    void graphLimitEstimateCountsTheKernelsArguments() {
        assertEquals(DecodePlan.TASKS_PER_BLOCK, BLOCK_KERNELS.length);
        assertEquals(DecodePlan.ARGS_PER_BLOCK, Arrays.stream(BLOCK_KERNELS).mapToInt(PackedLayoutTest::taskParams).sum());
        for (String k : BLOCK_KERNELS) assertTrue(taskParams(k) <= MAX_TASK_ARGS, k + " takes more arguments than a task can");
        assertEquals(DecodePlan.EDGE_ARGS, taskParams("embed") + params("normMatVecOut"));
    }

    @Test
    void splitIsFewestGraphsOfEqualSize() {
        int max = DecodePlan.BUDGET.maxBlocks(RAISED_BYTECODE_SIZE, DecodePlan.GRAPH_CODE_SIZE);
        assertTrue(max >= 24, "the 130m model's 24 blocks should fit one graph, max " + max);
        assertArrayEquals(new int[]{24}, DecodePlan.split(24, max));
        assertArrayEquals(new int[]{2}, DecodePlan.split(2, max));
        assertEquals(3, DecodePlan.split(64, max).length, "the 2.7b model's 64 blocks in TornadoVM's own 8 KiB of graph code");
        assertArrayEquals(new int[]{22, 21, 21}, DecodePlan.split(64, max));
        assertArrayEquals(new int[]{3, 3, 2, 2}, DecodePlan.split(10, 3));
        assertTrue(DecodePlan.BUDGET.maxBlocks(4096, DecodePlan.GRAPH_CODE_SIZE) >= 1 && DecodePlan.BUDGET.maxBlocks(4096, DecodePlan.GRAPH_CODE_SIZE) <= 5,
                "TornadoVM's default bytecode buffer: 6 blocks overflowed it on PoCL");
        assertTrue(max * DecodePlan.TASKS_PER_BLOCK + DecodePlan.EDGE_TASKS <= DecodePlan.MAX_TASKS_PER_GRAPH);
        int roomy = DecodePlan.BUDGET.maxBlocks(RAISED_BYTECODE_SIZE, RoomyTaskGraph.ROOMY_SIZE);
        assertTrue(roomy >= max && roomy * DecodePlan.TASKS_PER_BLOCK + DecodePlan.EDGE_TASKS <= DecodePlan.MAX_TASKS_PER_GRAPH, "max " + roomy);
        assertEquals(1, DecodePlan.split(64, roomy).length, "in a roomy graph the 2.7b model's 64 blocks are one graph, max " + roomy);
    }
}
