package org.mamba2j.model.kernels;

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
 * Runs a KernelContext kernel on the JVM the way a device would: one virtual thread per work-item,
 * the items of a work-group meeting at localBarrier() and sharing their local arrays. This lets CI
 * prove the very code TornadoVM compiles, barriers and local memory included.
 */
final class EmulatedGrid {

    private static final Field[] IDS;

    static {
        try {
            String[] names = {"globalIdx", "localIdx", "groupIdx", "globalGroupSizeX", "localGroupSizeX"};
            IDS = new Field[names.length];
            for (int i = 0; i < names.length; i++) {
                IDS[i] = KernelContext.class.getField(names[i]);
                IDS[i].setAccessible(true);
            }
        } catch (NoSuchFieldException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private EmulatedGrid() {
    }

    /** Runs a 1-D grid of {@code global} items in work-groups of {@code local}. */
    static void run(int global, int local, Consumer<KernelContext> kernel) {
        if (global % local != 0) throw new IllegalArgumentException("global " + global + " is not a multiple of local " + local);
        for (int group = 0; group < global / local; group++) runGroup(group, global, local, kernel);
    }

    private static void runGroup(int group, int global, int local, Consumer<KernelContext> kernel) {
        CyclicBarrier barrier = new CyclicBarrier(local);
        List<float[]> shared = new ArrayList<>();
        List<Throwable> failures = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        AtomicInteger finished = new AtomicInteger();
        for (int lid = 0; lid < local; lid++) {
            Item item = new Item(barrier, shared, finished);
            set(item, group * local + lid, lid, group, global, local);
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    kernel.accept(item);
                    // Once one item is done, no barrier can trip again: wake any item still waiting.
                    if (finished.incrementAndGet() < local) barrier.reset();
                } catch (Throwable t) {
                    synchronized (failures) {
                        failures.add(t);
                    }
                    barrier.reset();
                }
            }));
        }
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        if (!failures.isEmpty()) throw new AssertionError("work-group " + group + " failed", failures.getFirst());
    }

    private static void set(KernelContext k, int... values) {
        try {
            for (int i = 0; i < IDS.length; i++) IDS[i].set(k, values[i]);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One work-item: barriers wait for the whole group; the n-th local array is the group's n-th. */
    private static final class Item extends KernelContext {
        private final CyclicBarrier barrier;
        private final List<float[]> shared;
        private final AtomicInteger finished;
        private int allocations;

        Item(CyclicBarrier barrier, List<float[]> shared, AtomicInteger finished) {
            this.barrier = barrier;
            this.shared = shared;
            this.finished = finished;
        }

        @Override
        public void localBarrier() {
            if (finished.get() > 0) throw new IllegalStateException("barrier reached after another work-item returned");
            try {
                barrier.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException | BrokenBarrierException | TimeoutException e) {
                throw new IllegalStateException("barrier broken: a work-item failed or never arrived", e);
            }
        }

        @Override
        public float[] allocateFloatLocalArray(int size) {
            synchronized (shared) {
                if (shared.size() == allocations) shared.add(new float[size]);
                float[] a = shared.get(allocations++);
                if (a.length != size) throw new IllegalStateException("work-items disagree on local array " + allocations);
                return a;
            }
        }
    }
}
