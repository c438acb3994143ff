package org.mamba2j.tornado.model;

import org.mamba2j.tornado.DeviceConfig;
import org.mamba2j.tornado.Grids;
import org.mamba2j.tornado.WorkGroups;
import uk.ac.manchester.tornado.api.TaskGraph;

/**
 * How a row kernel ({@link MixerKernels}) launches, from its device-config entry: work-groups of
 * {@code local} work items, each row of {@code cols} elements read by {@link #lanes} of them, each
 * about {@code tile} elements (0: a warp per row, {@link WorkGroups#LANES}), a work-group keeping
 * at least {@code minRows} rows (the entry's "minRows", else the config's decode "minRows").
 */
public record RowLaunch(int local, int tile, int minRows) {

    /** The launch of {@code kernel} (a row kernel: matVec, outProj or step) as {@code config} sets it. */
    public static RowLaunch of(DeviceConfig config, DeviceConfig.KernelKey kernel) {
        DeviceConfig.Kernel k = config.kernel(kernel);
        return new RowLaunch(k.local(), k.tile(), k.minRows() > 0 ? k.minRows() : config.decode().minRows());
    }

    /** Work items per row of cols elements: the kernels' {@code lanes} argument. */
    public int lanes(int cols) {
        return WorkGroups.rowLanes(cols, tile, local, minRows);
    }

    /** Work-groups for {@code rows} rows of {@code cols}: local / lanes rows each. */
    public int groups(int rows, int cols) {
        int perGroup = local / lanes(cols);
        return (rows + perGroup - 1) / perGroup;
    }

    /** Work items of the grid for {@code rows} rows of {@code cols}: whole work-groups. */
    public int global(int rows, int cols) {
        return groups(rows, cols) * local;
    }

    /** Registers task's grid for {@code rows} rows of {@code cols} (fixed: the rows do not depend on the execution's). */
    public void grid(Grids grids, TaskGraph g, String task, int rows, int cols) {
        grids.groups(g, task, local, executionRows -> groups(rows, cols));
    }
}
