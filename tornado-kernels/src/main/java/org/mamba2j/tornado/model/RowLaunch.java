package org.mamba2j.tornado.model;

import org.mamba2j.tornado.DeviceConfig;
import org.mamba2j.tornado.Grids;
import org.mamba2j.tornado.WorkGroups;
import uk.ac.manchester.tornado.api.WorkerGrid;
import uk.ac.manchester.tornado.api.WorkerGrid1D;

/**
 * How a row kernel ({@link MixerKernels}) launches, from its device-config entry: work-groups of
 * {@code local} work items, each row of {@code cols} elements read by {@link #lanes} of them, each
 * about {@code tile} elements (0: a warp per row, {@link WorkGroups#LANES}), a work-group keeping
 * at least {@code minRows} rows.
 */
public record RowLaunch(int local, int tile, int minRows) {

    /** The launch of {@code kernel} ("matVec", "outProj" or "step") as {@code config} sets it. */
    public static RowLaunch of(DeviceConfig config, String kernel) {
        DeviceConfig.Kernel k = config.kernel(kernel);
        return new RowLaunch(k.local(), k.tile(), config.decode().minRows());
    }

    /** Work items per row of cols elements: the kernels' {@code lanes} argument. */
    public int lanes(int cols) {
        return WorkGroups.rowLanes(cols, tile, local, minRows);
    }

    /** Work items of the grid for {@code rows} rows of {@code cols}: whole work-groups. */
    public int global(int rows, int cols) {
        int lanes = lanes(cols);
        return Grids.roundUp(rows, local / lanes) * lanes;
    }

    /** The grid for {@code rows} rows of {@code cols}. */
    public WorkerGrid grid(int rows, int cols) {
        WorkerGrid g = new WorkerGrid1D(global(rows, cols));
        g.setLocalWork(local, 1, 1);
        return g;
    }
}
