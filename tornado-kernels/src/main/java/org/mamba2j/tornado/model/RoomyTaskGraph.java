package org.mamba2j.tornado.model;

import uk.ac.manchester.tornado.api.TaskGraph;

import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A task graph whose graph code holds {@link #codeSize()} bytes. TornadoVM 5.2 records a graph's tasks
 * and their arguments in a fixed 8,192-byte array of its runtime's task graph ({@code highLevelCode},
 * 15 bytes a task and 5 an argument, {@link DecodePlan#GRAPH_CODE_SIZE}), the limit that splits a model's
 * step over several graphs, each an {@code execute()} of its own. A new graph here gets an array of
 * {@value #ROOMY_SIZE} bytes before its first task, set by reflection (TornadoVM's {@code tornado.runtime} is an open
 * module, so no JVM flag is needed); where that fails, or under {@code -Dmamba2.roomyGraphs=false}, it keeps
 * TornadoVM's and the plans budget for that ({@link GraphBudget}). One graph where there were
 * two took the 130m batch-64 step on the H200 from a median of 1.789 to 1.650 ms (docs/decode-kernels.md, twenty-fourth session).
 * TornadoVM's other limits stay: 256 tasks, 1,024 graph nodes and the VM bytecode of {@code tornado.tvm.maxbytecodesize}.
 */
public final class RoomyTaskGraph extends TaskGraph {

    public static final int ROOMY_SIZE = 65536;
    /** Set to false to keep TornadoVM's 8,192 bytes (the plans split as before). */
    static final String PROPERTY = "mamba2.roomyGraphs";

    private static final int SIZE = probe();

    public RoomyTaskGraph(String name) {
        super(name);
        if (SIZE > DecodePlan.GRAPH_CODE_SIZE) enlarge(taskGraphImpl, SIZE);
    }

    /** The graph code, in bytes, that a new {@code RoomyTaskGraph} holds. */
    public static int codeSize() {
        return SIZE;
    }

    private static int probe() {
        if (!Boolean.parseBoolean(System.getProperty(PROPERTY, "true"))) return DecodePlan.GRAPH_CODE_SIZE;
        try {
            Class<?> impl = Class.forName("uk.ac.manchester.tornado.runtime.tasks.TornadoTaskGraph");
            field(impl, "highLevelCode");
            field(impl, "hlBuffer");
            return ROOMY_SIZE;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return DecodePlan.GRAPH_CODE_SIZE;
        }
    }

    private static Field field(Class<?> c, String name) throws NoSuchFieldException {
        Field f = c.getDeclaredField(name);
        f.setAccessible(true);
        return f;
    }

    private static void enlarge(Object impl, int size) {
        try {
            byte[] code = new byte[size];
            ByteBuffer buffer = ByteBuffer.wrap(code).order(ByteOrder.LITTLE_ENDIAN);
            field(impl.getClass(), "highLevelCode").set(impl, code);
            field(impl.getClass(), "hlBuffer").set(impl, buffer);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("could not enlarge a TornadoVM task graph's code buffer: " + e.getMessage(), e);
        }
    }
}
