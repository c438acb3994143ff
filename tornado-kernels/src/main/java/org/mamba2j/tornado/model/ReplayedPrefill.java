package org.mamba2j.tornado.model;

import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

/**
 * The prefill with a second plan whose graphs replay as CUDA graphs (device config prefill
 * "cudaGraph"). A captured graph keeps the worker grids of its capture, and a pass's grids follow its
 * length, so the replay plan takes one pass length: the first that comes in two prompts in a row
 * (every pass of each of them that length), captured then and replayed for every later prompt whose
 * passes all have it. Other prompts run through the main plan. The plans share no activations (TornadoVM
 * 5.2 hands a consumed buffer over only from the graph executed just before, docs/design.md): a
 * prompt runs wholly in one. Its states go to the buffer both plans were opened with, which both
 * consume (so a captured graph finds the buffer it was captured with).
 * On backends without CUDA graphs the replay plan runs as plain graphs (the integration suite checks
 * the hand-over that way on OpenCL).
 */
final class ReplayedPrefill implements DevicePrefill {

    private final PrefillPlan main, replay;
    /** The pass length the replay plan was captured for (-1: not yet), the last prompt's (-1: mixed). */
    private int replayRows = -1, lastRows = -1;

    ReplayedPrefill(PrefillPlan main, PrefillPlan replay) {
        this.main = main;
        this.replay = replay;
    }

    @Override
    public FloatArray run(int[] prompt) {
        int rows = main.passRows(prompt.length);
        boolean replayed = rows > 0 && (rows == replayRows || (replayRows < 0 && rows == lastRows));
        if (replayed) replayRows = rows;
        lastRows = rows;
        return (replayed ? replay : main).run(prompt);
    }
}
