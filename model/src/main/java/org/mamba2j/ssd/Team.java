package org.mamba2j.ssd;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.LockSupport;

/**
 * A persistent team of worker threads (one per core besides the caller) for the decode step's many
 * small parallel loops: a token of the 130m model runs ~73 of them, each tens of microseconds, where
 * a parallel stream's fork, the wake-up of a parked pool thread and the join cost a noticeable part
 * of the loop itself. A worker spins for a while after each loop ({@link #SPIN_NANOS}), so that the
 * next loop of the same step finds it awake; only then does it park. Indices are claimed one at a
 * time from a shared counter, so a worker that starts late (its core busy) costs nothing: the caller
 * takes the indices it has not claimed. Each index runs exactly once, so results do not depend on
 * which thread ran it.
 *
 * <p>One loop at a time: a call made while the team is busy (from another thread, or nested inside a
 * loop body) runs its loop on the calling thread.
 */
public final class Team {

    /** The body of a loop over [0, n). */
    @FunctionalInterface
    public interface Body {
        void run(int i);
    }

    /** How long a worker keeps spinning for the next loop before it parks. */
    private static final long SPIN_NANOS = 200_000;

    /** The team of the JVM's cores, shared by all decode steps. */
    public static final Team SHARED = new Team(Runtime.getRuntime().availableProcessors() - 1);

    /** One loop: the body, its size, the next unclaimed index and the count of indices finished. */
    private static final class Loop {
        final Body body;
        final int n;
        final AtomicInteger next = new AtomicInteger(), done = new AtomicInteger();
        volatile Throwable failure;

        Loop(Body body, int n) {
            this.body = body;
            this.n = n;
        }

        /** Claims and runs indices until none are left. */
        void work() {
            int finished = 0;
            try {
                for (int i; (i = next.getAndIncrement()) < n; finished++) body.run(i);
            } catch (Throwable t) {
                failure = t;
                finished++;
                // Give up the rest: claim every index left so that the caller's wait ends.
                for (int i; (i = next.getAndIncrement()) < n; ) finished++;
            } finally {
                if (finished > 0) done.addAndGet(finished);
            }
        }
    }

    private final Thread[] workers;
    private volatile Loop loop;
    private volatile int epoch;
    private final AtomicInteger busy = new AtomicInteger();
    /** parked[w] is written by worker w (volatile semantics through the accessors below). */
    private final AtomicIntegerArray parked;

    private Team(int workers) {
        this.workers = new Thread[Math.max(0, workers)];
        this.parked = new AtomicIntegerArray(this.workers.length);
        for (int w = 0; w < this.workers.length; w++) {
            int id = w;
            Thread t = new Thread(() -> workerLoop(id), "mamba2-team-" + w);
            t.setDaemon(true);
            this.workers[w] = t;
            t.start();
        }
    }

    /** Threads that run a loop: the workers and the caller. */
    public int size() {
        return workers.length + 1;
    }

    /** Runs body(i) for every i in [0, n), on the team when it is free and n &gt; 1, else on this thread. */
    public void forEach(int n, Body body) {
        if (n <= 0) return;
        if (n == 1 || workers.length == 0 || !busy.compareAndSet(0, 1)) {
            for (int i = 0; i < n; i++) body.run(i);
            return;
        }
        try {
            Loop l = new Loop(body, n);
            loop = l;
            epoch++;   // only the holder of busy writes it
            for (int w = 0; w < workers.length; w++) {
                if (parked.get(w) != 0) LockSupport.unpark(workers[w]);
            }
            l.work();
            while (l.done.get() < n) Thread.onSpinWait();
            loop = null;
            Throwable f = l.failure;
            if (f instanceof RuntimeException e) throw e;
            if (f instanceof Error e) throw e;
            if (f != null) throw new RuntimeException(f);
        } finally {
            busy.set(0);
        }
    }

    private void workerLoop(int id) {
        int seen = 0;
        while (true) {
            long spinStart = System.nanoTime();
            int spins = 0;
            while (epoch == seen) {
                if (++spins < 64 || System.nanoTime() - spinStart < SPIN_NANOS) {
                    Thread.onSpinWait();
                    continue;
                }
                parked.set(id, 1);
                if (epoch == seen) LockSupport.park(this);
                parked.set(id, 0);
                spinStart = System.nanoTime();
                spins = 0;
            }
            seen = epoch;
            Loop l = loop;
            if (l != null) l.work();
        }
    }
}
