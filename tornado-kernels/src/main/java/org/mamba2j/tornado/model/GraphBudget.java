package org.mamba2j.tornado.model;

/**
 * What a plan's blocks and the rest of a graph spend of one TornadoVM 5.2 task graph's limits
 * (listed and measured in {@link DecodePlan}): graph code, tasks, nodes and VM bytecode. A plan
 * splits its blocks over as few graphs as these allow.
 */
record GraphBudget(int tasksPerBlock, int argsPerBlock, int nodesPerBlock, int bytecodePerBlock,
                   int edgeTasks, int edgeArgs, int nodesPerGraph, int bytecodePerGraph) {

    /**
     * The most blocks one graph holds, with the edge tasks, under a bytecode limit of {@code bytecodeSize} and
     * {@code codeSize} bytes of graph code ({@link RoomyTaskGraph}).
     */
    int maxBlocks(int bytecodeSize, int codeSize) {
        int byCode = (codeSize - edgeTasks * DecodePlan.GRAPH_CODE_PER_TASK - edgeArgs * DecodePlan.GRAPH_CODE_PER_ARG)
                / (tasksPerBlock * DecodePlan.GRAPH_CODE_PER_TASK + argsPerBlock * DecodePlan.GRAPH_CODE_PER_ARG);
        int byTasks = (DecodePlan.MAX_TASKS_PER_GRAPH - edgeTasks) / tasksPerBlock;
        int byNodes = (DecodePlan.MAX_NODES_PER_GRAPH - nodesPerGraph) / nodesPerBlock;
        int byBytecode = (bytecodeSize - bytecodePerGraph) / bytecodePerBlock;
        return Math.max(1, Math.min(Math.min(byCode, byTasks), Math.min(byNodes, byBytecode)));
    }

    /** {@link #maxBlocks} under the bytecode limit this JVM sets, in the graph code a {@link RoomyTaskGraph} holds here. */
    int maxBlocks() {
        return maxBlocks(Integer.getInteger(DecodePlan.BYTECODE_SIZE_PROPERTY, DecodePlan.DEFAULT_BYTECODE_SIZE), RoomyTaskGraph.codeSize());
    }
}
