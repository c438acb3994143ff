package org.mamba2j.tornado.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mamba2j.tornado.Grids;
import org.mamba2j.tornado.KernelContextEmulator;
import org.mamba2j.tornado.ssd.SsdBlockedKernels;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.ShortArray;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mamba2j.tornado.model.MixerKernelsTest.assertRel;
import static org.mamba2j.tornado.model.MixerKernelsTest.off;
import static org.mamba2j.tornado.model.MixerKernelsTest.poisoned;
import static org.mamba2j.tornado.model.MixerKernelsTest.silu;

/** The batched decode's fused GEMM as plain Java (the KernelContext emulator) against float64 norms and products. */
class BatchKernelsTest {

    /**
     * out (+)= norm(operand)·Wᵀ over rows (a ragged tile past 64 too), n and k not multiples of the
     * tile, the norm weight and W at offsets, NORMED and GATED with 1 and 2 groups, float32 weights and
     * both 16-bit formats through each of their decodes.
     */
    @ParameterizedTest(name = "mode {0}, rows {1}, n {2}, k {3}, groups {4}, weights {5}, {6}")
    @CsvSource({"0,3,100,48,1,F32,TABLE", "0,70,65,40,1,F32,TABLE", "1,5,70,48,1,F32,TABLE", "1,66,33,48,2,F32,TABLE",
            "0,4,20,32,1,BF16,TABLE", "1,3,20,32,2,BF16,TABLE", "0,4,20,32,1,BF16,BF16", "1,3,20,32,2,BF16,BF16",
            "0,4,20,32,1,F16,TABLE", "1,3,20,32,2,F16,F16", "1,67,20,32,2,F16,F16"})
    void normGemmFoldsTheNormIntoTheProduct(int mode, int rows, int n, int k, int groups, WeightFormat f, Decode decode) {
        boolean sixteenBit = f.is16Bit();
        SplittableRandom rnd = new SplittableRandom(mode * 100 + rows);
        int zStride = k + 7, normOff = 3, wOff = 5, table = WeightFormat.TABLE_SIZE;
        float[] x = gaussian(rnd, rows * k), z = gaussian(rnd, rows * zStride), nw = gaussian(rnd, normOff + k), w = gaussian(rnd, wOff + n * k);
        float[] before = gaussian(rnd, rows * n);
        int accumulate = mode == BatchKernels.GATED ? 1 : 0;
        IntArray control = IntArray.fromElements(rows, 0, 0);
        FloatArray out = accumulate != 0 ? off(before) : poisoned(rows * n);
        // small: the 16-bit decode table, then the norm weight (normOff counts from the table's end)
        FloatArray small = new FloatArray(table + nw.length);
        if (sixteenBit) for (int i = 0; i < table; i++) small.set(i, f.table()[i]);
        for (int i = 0; i < nw.length; i++) small.set(table + i, nw[i]);
        ShortArray w16 = sixteenBit ? DecodeTest.patterns(w, f) : new ShortArray(1);   // w now holds the values of the patterns
        FloatArray xA = off(x), zA = mode == BatchKernels.GATED ? off(z) : xA, wA = off(w);
        int zs = mode == BatchKernels.GATED ? zStride : 0;
        int t = SsdBlockedKernels.THREADS, tile = SsdBlockedKernels.TILE;
        KernelContextEmulator.run(Grids.tileEdge(n, tile, t), Grids.tileEdge(rows, tile, t), 1, t, t, 1, kc -> {
            if (sixteenBit) BatchKernels.normGemm16(kc, control, mode, xA, zA, zs, small, table + normOff, w16, wOff, out, n, k, groups, 1e-5f, accumulate, decode.arg());
            else BatchKernels.normGemm(kc, control, mode, xA, zA, zs, small, table + normOff, wA, wOff, out, n, k, groups, 1e-5f, accumulate);
        });
        double[] ref = new double[rows * n];
        int gs = k / groups;
        for (int m = 0; m < rows; m++) {
            double[] a = new double[k];
            for (int i = 0; i < k; i++) a[i] = mode == BatchKernels.GATED ? x[m * k + i] * silu(z[m * zStride + i]) : x[m * k + i];
            for (int g = 0; g < groups; g++) {
                double ss = 0;
                for (int i = g * gs; i < (g + 1) * gs; i++) ss += a[i] * a[i];
                double s = 1 / Math.sqrt(ss / gs + 1e-5);
                for (int i = g * gs; i < (g + 1) * gs; i++) a[i] *= s * nw[normOff + i];
            }
            for (int j = 0; j < n; j++) {
                double dot = accumulate != 0 ? before[m * n + j] : 0;
                for (int i = 0; i < k; i++) dot += a[i] * w[wOff + j * k + i];
                ref[m * n + j] = dot;
            }
        }
        float[] got = new float[rows * n];
        for (int i = 0; i < got.length; i++) got[i] = out.get(i);
        assertRel("normGemm", got, ref, 1e-5);
    }

    /** The largest, the lowest index on ties, NaN never, 0 for a row without anything above −∞; vocab not a multiple of the group. */
    @Test
    void argmaxRowsPicksAsTheHostDoes() {
        int vocab = 37, local = 8;
        float[] l = new float[4 * vocab];
        SplittableRandom rnd = new SplittableRandom(3);
        for (int i = 0; i < l.length; i++) l[i] = (float) rnd.nextGaussian();
        l[5] = 9f; l[20] = 9f;                                       // row 0: a tie, the lower wins
        l[vocab + 3] = Float.NaN; l[vocab + 30] = 7f;                 // row 1: NaN is skipped
        java.util.Arrays.fill(l, 2 * vocab, 3 * vocab, Float.NEGATIVE_INFINITY);   // row 2: 0
        l[3 * vocab + vocab - 1] = 11f;                               // row 3: the last
        FloatArray logits = off(l);
        IntArray next = new IntArray(4);
        KernelContextEmulator.run(4 * local, 1, 1, local, 1, 1, kc -> BatchKernels.argmaxRows(kc, logits, next, vocab));
        org.junit.jupiter.api.Assertions.assertArrayEquals(new int[]{5, 30, 0, vocab - 1}, next.toHeapArray());
    }

    @Test
    void graphBudgetCountsTheKernelsArguments() {
        Class<?> b = BatchKernels.class, p = PrefillKernels.class;
        int gemm = Math.max(Math.max(params(p, "gemm"), params(p, "gemmBlocked")), Math.max(params(p, "gemm16"), params(p, "gemmBlocked16")));
        int shared = params(b, "convStepRows") + params(b, "ssdStepRows");
        int unfused = params(p, "rmsNormRows") + 2 * gemm + params(p, "gatedRmsNormRows") + shared;
        int fused = 2 * Math.max(params(b, "normGemm"), params(b, "normGemm16")) + shared;
        assertEquals(BatchDecodePlan.ARGS_PER_BLOCK, Math.max(unfused, fused));
        assertEquals(BatchDecodePlan.EDGE_ARGS, params(p, "embedRows16") + Math.max(params(p, "rmsNormRows") + gemm, params(b, "normGemm16"))
                + params(b, "argmaxRows"));
        int max = BatchDecodePlan.BUDGET.maxBlocks(PackedLayoutTest.RAISED_BYTECODE_SIZE);
        assertTrue(max * BatchDecodePlan.TASKS_PER_BLOCK + BatchDecodePlan.EDGE_TASKS <= DecodePlan.MAX_TASKS_PER_GRAPH, "max " + max);
        assertEquals(2, DecodePlan.split(24, max).length, "the 130m model's 24 blocks in 2 graphs, max " + max);
    }

    private static int params(Class<?> c, String name) {
        return Arrays.stream(c.getMethods()).filter(m -> m.getName().equals(name)).mapToInt(Method::getParameterCount).max().orElseThrow();
    }

    private static float[] gaussian(SplittableRandom rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) rnd.nextGaussian();
        return a;
    }
}
