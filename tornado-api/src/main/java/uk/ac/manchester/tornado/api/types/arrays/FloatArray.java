package uk.ac.manchester.tornado.api.types.arrays;

/**
 * Compile-time stand-in for TornadoVM's off-heap FloatArray, with the members this project calls and
 * the same signatures. The bundled API's own class was compiled with Java 21 preview features,
 * which JDK 25 refuses; with TORNADO_SDK set the SDK's class replaces this one. Never shipped: at
 * run time TornadoVM supplies the real class. Backed by a heap array so the JVM tests can run the
 * kernels that take it.
 */
public final class FloatArray {

    private final float[] values;

    public FloatArray(int numberOfElements) {
        values = new float[numberOfElements];
    }

    public float get(int index) {
        return values[index];
    }

    public void set(int index, float value) {
        values[index] = value;
    }

    public int getSize() {
        return values.length;
    }
}
