package org.mamba2j.tornado.ssd;

import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Bulk copies between Java arrays and TornadoVM's off-heap arrays (the buffers every task graph
 * here is built on): one {@link MemorySegment#copy} each, bounds-checked like
 * {@link System#arraycopy}. The plans copy their inputs in and their results out through these, at
 * the boundary between the model's float[] and the device buffers.
 */
public final class OffHeap {

    private OffHeap() {
    }

    /** dst[at, at + n) = src[from, from + n). */
    public static void copy(float[] src, int from, FloatArray dst, int at, int n) {
        MemorySegment.copy(src, from, dst.getSegment(), ValueLayout.JAVA_FLOAT, (long) at * Float.BYTES, n);
    }

    /** dst = src[0, dst.getSize()). */
    public static void copy(float[] src, FloatArray dst) {
        copy(src, 0, dst, 0, dst.getSize());
    }

    /** dst[at, at + src.length) = src. */
    public static void copy(float[] src, FloatArray dst, int at) {
        copy(src, 0, dst, at, src.length);
    }

    /** dst[at, at + n) = src[from, from + n). */
    public static void copy(FloatArray src, int from, float[] dst, int at, int n) {
        MemorySegment.copy(src.getSegment(), ValueLayout.JAVA_FLOAT, (long) from * Float.BYTES, dst, at, n);
    }

    /** dst = src[0, dst.length). */
    public static void copy(FloatArray src, float[] dst) {
        copy(src, 0, dst, 0, dst.length);
    }

    /** dst = src, both of the same size. */
    public static void copy(FloatArray src, FloatArray dst) {
        if (src.getSize() != dst.getSize()) {
            throw new IllegalArgumentException(src.getSize() + " floats into " + dst.getSize());
        }
        MemorySegment.copy(src.getSegment(), 0, dst.getSegment(), 0, (long) src.getSize() * Float.BYTES);
    }

    /** dst[at, at + n) = src[from, from + n). */
    public static void copy(int[] src, int from, IntArray dst, int at, int n) {
        MemorySegment.copy(src, from, dst.getSegment(), ValueLayout.JAVA_INT, (long) at * Integer.BYTES, n);
    }
}
