package org.mamba2j.tornado;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The work-group collectives in the emulator, with and without warp shuffles, against float64 sums. */
class WorkGroupsTest {

    /**
     * Every row's sum in its first work item (each of two calls a kernel: the second must not see the first's
     * partials), for rows inside a warp, of one warp and of several; with shuffles groups of whole warps (their precondition).
     */
    @ParameterizedTest(name = "local {0}, lanes {1}, shuffles {2}")
    @CsvSource({"64,1,true", "64,4,true", "64,16,true", "64,32,true", "128,64,true", "256,128,true", "96,32,true",
            "64,4,false", "128,64,false", "8,8,false"})
    void rowSumSumsEachRowInItsFirstItem(int local, int lanes, boolean shuffles) {
        int groups = 3, n = groups * local;
        float[] v = values(n, local + lanes);
        FloatArray first = poisoned(n), second = poisoned(n);
        KernelContextEmulator.run(shuffles, n, 1, 1, local, 1, 1, kc -> {
            float a = WorkGroups.rowSum(kc, v[kc.globalIdx], lanes);
            float b = WorkGroups.rowSum(kc, 2 * v[kc.globalIdx] + 1, lanes);
            if (kc.localIdx % lanes == 0) {
                first.set(kc.globalIdx, a);
                second.set(kc.globalIdx, b);
            }
        });
        for (int row = 0; row < n; row += lanes) {
            double a = 0, b = 0;
            for (int i = row; i < row + lanes; i++) {
                a += v[i];
                b += 2.0 * v[i] + 1;
            }
            assertEquals(a, first.get(row), 1e-5 * lanes, "row at " + row);
            assertEquals(b, second.get(row), 1e-5 * lanes, "second sum, row at " + row);
        }
    }

    /** The group's sum in every work item, twice a kernel; groups of whole warps (a TornadoVM-picked 640 among them) and, without shuffles, not. */
    @ParameterizedTest(name = "local {0}, shuffles {1}")
    @CsvSource({"64,true", "640,true", "96,true", "64,false", "24,false"})
    void sumReachesEveryItem(int local, boolean shuffles) {
        int groups = 2, n = groups * local;
        float[] v = values(n, local);
        FloatArray first = poisoned(n), second = poisoned(n);
        KernelContextEmulator.run(shuffles, n, 1, 1, local, 1, 1, kc -> {
            first.set(kc.globalIdx, WorkGroups.sum(kc, v[kc.globalIdx]));
            second.set(kc.globalIdx, WorkGroups.sum(kc, -v[kc.globalIdx]));
        });
        for (int g = 0; g < groups; g++) {
            double s = 0;
            for (int i = g * local; i < (g + 1) * local; i++) s += v[i];
            for (int i = g * local; i < (g + 1) * local; i++) {
                assertEquals(s, first.get(i), 1e-5 * local, "item " + i);
                assertEquals(-s, second.get(i), 1e-5 * local, "second sum, item " + i);
            }
        }
    }

    private static float[] values(int n, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) rnd.nextGaussian();
        return v;
    }

    private static FloatArray poisoned(int n) {
        FloatArray a = new FloatArray(n);
        a.init(Float.NaN);
        return a;
    }
}
