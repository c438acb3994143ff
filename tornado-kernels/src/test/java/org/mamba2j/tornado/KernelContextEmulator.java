package org.mamba2j.tornado;

import uk.ac.manchester.tornado.api.KernelContext;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Runs a KernelContext kernel on the JVM the way a device does: one (virtual) thread per work item,
 * work groups one after another, local arrays shared within a group, localBarrier a real barrier.
 * Lets CI check the tiled kernels' math without TornadoVM.
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
        private final List<Object> locals;
        private final AtomicInteger finished;
        private int allocations;

        Item(CyclicBarrier barrier, List<Object> locals, AtomicInteger finished) {
            this.barrier = barrier;
            this.locals = locals;
            this.finished = finished;
        }

        @Override
        public float[] allocateFloatLocalArray(int size) {
            return (float[]) local(() -> new float[size]);
        }

        @Override
        public int[] allocateIntLocalArray(int size) {
            return (int[]) local(() -> new int[size]);
        }

        /** The work-group's n-th local array, n counting this item's allocations: the first item to get there creates it. */
        private Object local(java.util.function.Supplier<Object> create) {
            synchronized (locals) {
                if (locals.size() <= allocations) locals.add(create.get());
                return locals.get(allocations++);
            }
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
                    List<Object> locals = new ArrayList<>();
                    List<Thread> threads = new ArrayList<>(n);
                    Throwable[] failure = new Throwable[1];
                    AtomicInteger finished = new AtomicInteger();
                    for (int z = 0; z < lz; z++) {
                        for (int y = 0; y < ly; y++) {
                            for (int x = 0; x < lx; x++) {
                                Item kc = new Item(barrier, locals, finished);
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
