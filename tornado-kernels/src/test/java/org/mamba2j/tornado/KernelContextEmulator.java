package org.mamba2j.tornado;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.enums.MMAShape;
import uk.ac.manchester.tornado.api.types.HalfFloat;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.IntUnaryOperator;
import java.util.function.Supplier;

/**
 * Runs a KernelContext kernel on the JVM the way a device does: one (virtual) thread per work item,
 * work groups one after another, local arrays shared within a group, localBarrier a real barrier.
 * Lets CI check the tiled kernels' math without TornadoVM.
 *
 * <p>The tensor-core primitives ({@code mmaLoadA}, {@code mmaLoadB}, {@code mmaLoadBSwizzled} and {@code mmaStoreBSwizzled}
 * on local fp16 tiles, {@code mma}, {@code mmaStore})
 * follow PTX's m16n8k16 fragment layouts lane by lane (warps of 32 consecutive work items): the loads
 * gather the shared-memory tiles TornadoVM's ldmatrix reads (A: 16 rows of 16 halves, B: 16
 * k-rows of 8 halves, two halves per int, low half first) as ldmatrix does, each lane addressing one
 * row at its own byte offset (warp-collective, as the hardware's), each lane keeps the
 * elements the PTX ISA gives it (A: rows g and g+8, columns 2t, 2t+1 and +8; B: k 2t, 2t+1 and +8,
 * column g; C: rows g and g+8, columns 2t, 2t+1; g = lane / 4, t = lane % 4), and {@code mma}
 * rebuilds the warp's matrices from all 32 lanes' fragments. {@code mma} is warp-collective: like
 * the hardware's it must be reached by every work item of the group, the same number of times.
 */
public final class KernelContextEmulator {

    private KernelContextEmulator() {
    }

    private static final String[] FIELDS = {"globalIdx", "globalIdy", "globalIdz", "groupIdx", "groupIdy", "groupIdz",
            "localIdx", "localIdy", "localIdz", "globalGroupSizeX", "globalGroupSizeY", "globalGroupSizeZ",
            "localGroupSizeX", "localGroupSizeY", "localGroupSizeZ"};

    /** One work item's context: ids set by reflection (they are final fields initialised to 0). */
    private static final class Item extends KernelContext {
        private final CyclicBarrier barrier;
        private final Map<List<String>, Object> locals;
        private final Warps warps;
        private final AtomicInteger finished;

        Item(CyclicBarrier barrier, Map<List<String>, Object> locals, AtomicInteger finished, Warps warps) {
            this.barrier = barrier;
            this.locals = locals;
            this.finished = finished;
            this.warps = warps;
        }

        @Override
        public float[] allocateFloatLocalArray(int size) {
            return (float[]) local(() -> new float[size]);
        }

        @Override
        public int[] allocateIntLocalArray(int size) {
            return (int[]) local(() -> new int[size]);
        }

        /** A local fp16 array, every element NaN until written (a device's is undefined): reading one never stored fails. */
        @Override
        public HalfFloat[] allocateHalfFloatLocalArray(int size) {
            return (HalfFloat[]) local(() -> {
                HalfFloat[] a = new HalfFloat[size];
                Arrays.fill(a, new HalfFloat(Float.NaN));
                return a;
            });
        }

        /**
         * The group's local array of this allocation site: the first work item to reach it creates it, the others get the
         * same one, and so does every later pass through it. A site is the call path from the kernel down to the allocation,
         * as on the device, where TornadoVM inlines every helper and gives each inlined allocation one array of the kernel:
         * a helper called in a loop finds the array as its previous call left it, one called from two places has two.
         */
        private Object local(Supplier<Object> create) {
            List<String> site = SITES.walk(frames -> frames.map(f -> f.getClassName() + "." + f.getMethodName() + "@" + f.getByteCodeIndex()).toList());
            synchronized (locals) {
                return locals.computeIfAbsent(site, k -> create.get());
            }
        }

        private static final StackWalker SITES = StackWalker.getInstance();

        private int lane() {
            return localIdx % 32;
        }

        private static HalfFloat bits(int h) {
            return new HalfFloat((short) h);
        }

        @Override
        public HalfFloat[] mmaLoadA(int[] aTile, int wmmaK) {
            return mmaLoadA(aTile, wmmaK, 0);
        }

        // PTX's m16n8k16 fragment layouts, g = lane / 4, t = lane % 4: the only place they are written.

        /** Row of A element i (0..7) of a lane: a0,a1 and a4,a5 row g, a2,a3 and a6,a7 row g + 8. */
        private static int aRow(int lane, int i) {
            return lane / 4 + (i / 2) % 2 * 8;
        }

        /** Column of A element i: 2t and 2t + 1, plus 8 for a4..a7. */
        private static int aCol(int lane, int i) {
            return 2 * (lane % 4) + i % 2 + i / 4 * 8;
        }

        /** k-row of B element i (0..3): 2t and 2t + 1, plus 8 for b2, b3; its column is g. */
        private static int bRow(int lane, int i) {
            return 2 * (lane % 4) + i % 2 + i / 2 * 8;
        }

        /** Row of C/D element i (0..3): g, g + 8 for c2, c3. */
        private static int cRow(int lane, int i) {
            return lane / 4 + i / 2 * 8;
        }

        /** Column of C/D element i: 2t and 2t + 1. */
        private static int cCol(int lane, int i) {
            return 2 * (lane % 4) + i % 2;
        }

        /**
         * A 16×16, each lane's eight elements ({@link #aRow}, {@link #aCol}), as ldmatrix.x4 gathers them: lane p
         * addresses row ((p / 8) % 2)·8 + p % 8 of the tile at column byte (p / 16)·16, plus its own byte offset
         * (TornadoVM's address arithmetic), and lane L's registers j = 0..3 get the ints 4·(L % 4) bytes into the
         * 16-byte rows that lanes 8j + L / 4 addressed. A uniform offset reads the canonical tile; a lane-dependent
         * one (a swizzle, MmaTiles.aLane) is seen as the hardware sees it.
         */
        @Override
        public HalfFloat[] mmaLoadA(int[] aTile, int wmmaK, int byteOffset) {
            int[] at = rowAddresses(byteOffset, p -> ((p >> 3) & 1) * 256 + (p & 7) * 32 + (p >> 4) * 16);
            HalfFloat[] f = new HalfFloat[8];
            int lane = lane();
            for (int j = 0; j < 4; j++) {
                int word = aTile[(at[8 * j + lane / 4] + 4 * (lane % 4)) / 4];
                f[2 * j] = bits(word & 0xFFFF);
                f[2 * j + 1] = bits(word >>> 16);
            }
            return f;
        }

        /**
         * The byte address each lane of this warp gives an ldmatrix: its {@code rowByte} plus its byte offset, posted
         * by every lane before any reads them (warp-collective, like {@link #mma}).
         */
        private int[] rowAddresses(int byteOffset, IntUnaryOperator rowByte) {
            int[] posted = warps.offsets(localIdx / 32);
            posted[lane()] = byteOffset;
            localBarrier();
            int[] at = new int[32];
            for (int p = 0; p < 32; p++) at[p] = rowByte.applyAsInt(p) + posted[p];
            localBarrier(); // the offsets are reused by the next load
            return at;
        }

        @Override
        public HalfFloat[] mmaLoadB(int[] bTile, int wmmaK) {
            return mmaLoadB(bTile, wmmaK, 0);
        }

        /**
         * B 16×8 (k-rows of 8 halves), each lane's four elements ({@link #bRow}, column g), as ldmatrix.x2.trans
         * gathers them: lane p addresses k-row p % 8 at byte ((p / 8) % 2)·128 of the tile plus its own byte offset,
         * and lane L's element i is half g = L / 4 of the row lane 8·(i / 2) + 2·(L % 4) + i % 2 addressed.
         */
        @Override
        public HalfFloat[] mmaLoadB(int[] bTile, int wmmaK, int byteOffset) {
            int[] at = rowAddresses(byteOffset, p -> (p & 7) * 16 + ((p >> 3) & 1) * 128);
            HalfFloat[] f = new HalfFloat[4];
            int lane = lane(), g = lane / 4;
            for (int i = 0; i < 4; i++) {
                int word = bTile[(at[8 * (i / 2) + 2 * (lane % 4) + i % 2] + 2 * g) / 4];
                f[i] = bits((g & 1) == 0 ? word & 0xFFFF : word >>> 16);
            }
            return f;
        }

        /**
         * TornadoVM's swizzle of a B tile held as halves (its "fp16 stride 32" layout): byte bo of the tile XOR 16 times its
         * bits 7–9, which both {@link #mmaStoreBSwizzled} and {@link #mmaLoadBSwizzled} apply before adding their offset.
         */
        private static int swizzled(int bo) {
            return bo ^ (((bo >> 7) & 7) << 4);
        }

        /** value to the half at byte swizzled(2·(row·stride + col)) + byteOffset of arr, as TornadoVM's CUDA backend stores it. */
        @Override
        public void mmaStoreBSwizzled(HalfFloat[] arr, int row, int col, int stride, HalfFloat value, int byteOffset) {
            arr[(swizzled((row * stride + col) << 1) + byteOffset) >> 1] = value;
        }

        @Override
        public HalfFloat[] mmaLoadBSwizzled(HalfFloat[] bTile, int wmmaK) {
            return mmaLoadBSwizzled(bTile, wmmaK, 0);
        }

        /**
         * {@link #mmaLoadB} from a tile of halves: lane p addresses the swizzled byte of k-row p % 8 at ((p / 8) % 2)·128,
         * plus its own byte offset; lane L's element i is half g = L / 4 of the row lane 8·(i / 2) + 2·(L % 4) + i % 2 addressed.
         */
        @Override
        public HalfFloat[] mmaLoadBSwizzled(HalfFloat[] bTile, int wmmaK, int byteOffset) {
            int[] at = rowAddresses(byteOffset, p -> swizzled((p & 7) * 16 + ((p >> 3) & 1) * 128));
            HalfFloat[] f = new HalfFloat[4];
            int lane = lane();
            for (int i = 0; i < 4; i++) f[i] = bTile[(at[8 * (i / 2) + 2 * (lane % 4) + i % 2] >> 1) + lane / 4];
            return f;
        }

        @Override
        public float[] mma(HalfFloat[] fragA, HalfFloat[] fragB, float[] fragC, MMAShape shape) {
            return warpMma(fragA, fragB, fragC, shape, false);
        }

        @Override
        public float[] mmaBF16(HalfFloat[] fragA, HalfFloat[] fragB, float[] fragC, MMAShape shape) {
            return warpMma(fragA, fragB, fragC, shape, true);
        }

        /** D = A·B + C for the warp: every lane posts its fragments, then computes its own four outputs. */
        private float[] warpMma(HalfFloat[] fragA, HalfFloat[] fragB, float[] fragC, MMAShape shape, boolean bf16) {
            if (shape != MMAShape.M16N8K16) throw new UnsupportedOperationException("emulated MMA shape: m16n8k16 only, got " + shape);
            int lane = lane();
            float[][] a = warps.a(localIdx / 32), b = warps.b(localIdx / 32);
            for (int i = 0; i < 8; i++) a[aRow(lane, i)][aCol(lane, i)] = value(fragA[i], bf16);
            for (int i = 0; i < 4; i++) b[bRow(lane, i)][lane / 4] = value(fragB[i], bf16);
            localBarrier();
            float[] d = new float[4];
            for (int i = 0; i < 4; i++) {
                double s = fragC[i];
                for (int k = 0; k < 16; k++) s += (double) a[cRow(lane, i)][k] * b[k][cCol(lane, i)];
                d[i] = (float) s;
            }
            localBarrier(); // the matrices are reused by the next mma
            return d;
        }

        private static float value(HalfFloat h, boolean bf16) {
            short s = h.getHalfFloatValue();
            return bf16 ? Float.intBitsToFloat((s & 0xFFFF) << 16) : Float.float16ToFloat(s);
        }

        /** D's four elements of this lane to c[(tileRow + row) · dimN + tileCol + col]. */
        @Override
        public void mmaStore(float[] fragD, FloatArray c, int tileRow, int tileCol, int dimN) {
            for (int i = 0; i < 4; i++) c.set((tileRow + cRow(lane(), i)) * dimN + tileCol + cCol(lane(), i), fragD[i]);
        }

        @Override
        public void localBarrier() {
            if (finished.get() > 0) throw new IllegalStateException("barrier reached after another work item returned (divergent barrier)");
            try {
                barrier.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException | BrokenBarrierException | TimeoutException e) {
                throw new IllegalStateException("work group barrier broken (divergent barrier?)", e);
            }
        }
    }

    /** Per group: each warp's A (16×16) and B (16×8) as its lanes posted them for the current mma. */
    private static final class Warps {
        private final float[][][] a, b;
        private final int[][] offsets;

        Warps(int items) {
            int n = (items + 31) / 32;
            a = new float[n][16][16];
            b = new float[n][16][8];
            offsets = new int[n][32];
        }

        /** The byte offsets the warp's lanes gave the current ldmatrix. */
        int[] offsets(int warp) {
            return offsets[warp];
        }

        float[][] a(int warp) {
            return a[warp];
        }

        float[][] b(int warp) {
            return b[warp];
        }
    }

    private static void set(KernelContext kc, String field, int value) {
        try {
            Field f = KernelContext.class.getDeclaredField(field);
            f.setAccessible(true);
            f.set(kc, value);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs {@code kernel} over a 3-D grid (global sizes multiples of the local sizes). */
    public static void run(int gx, int gy, int gz, int lx, int ly, int lz, Consumer<KernelContext> kernel) {
        if (gx % lx != 0 || gy % ly != 0 || gz % lz != 0) throw new IllegalArgumentException("global not a multiple of local");
        for (int wz = 0; wz < gz / lz; wz++) {
            for (int wy = 0; wy < gy / ly; wy++) {
                for (int wx = 0; wx < gx / lx; wx++) {
                    int n = lx * ly * lz;
                    CyclicBarrier barrier = new CyclicBarrier(n);
                    Map<List<String>, Object> locals = new HashMap<>();
                    Warps warps = new Warps(n);
                    List<Thread> threads = new ArrayList<>(n);
                    Throwable[] failure = new Throwable[1];
                    AtomicInteger finished = new AtomicInteger();
                    for (int z = 0; z < lz; z++) {
                        for (int y = 0; y < ly; y++) {
                            for (int x = 0; x < lx; x++) {
                                Item kc = new Item(barrier, locals, finished, warps);
                                int[] v = {wx * lx + x, wy * ly + y, wz * lz + z, wx, wy, wz, x, y, z, gx, gy, gz, lx, ly, lz};
                                for (int i = 0; i < FIELDS.length; i++) set(kc, FIELDS[i], v[i]);
                                threads.add(Thread.ofVirtual().unstarted(() -> {
                                    try {
                                        kernel.accept(kc);
                                        // Once one item has returned no barrier can trip again: wake any still waiting.
                                        if (finished.incrementAndGet() < n) barrier.reset();
                                    } catch (Throwable t) {
                                        synchronized (failure) {
                                            if (failure[0] == null) failure[0] = t;
                                        }
                                        barrier.reset();
                                    }
                                }));
                            }
                        }
                    }
                    threads.forEach(Thread::start);
                    for (Thread t : threads) {
                        try {
                            t.join();
                        } catch (InterruptedException e) {
                            throw new IllegalStateException(e);
                        }
                    }
                    if (failure[0] != null) throw new AssertionError("work group (" + wx + "," + wy + "," + wz + ") failed", failure[0]);
                }
            }
        }
    }
}
