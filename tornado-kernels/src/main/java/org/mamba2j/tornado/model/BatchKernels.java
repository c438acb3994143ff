package org.mamba2j.tornado.model;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.annotations.Parallel;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * The per-sequence parts of a decode step for a batch of sequences ({@link BatchDecodePlan}); the
 * parts that read weights are the prefill's row kernels ({@link PrefillKernels}: one row per
 * sequence, each weight read once for the whole batch). Activations are (batch, features)
 * row-major; every slot b has its own states at states[b · stateStride] in the {@link PackedStates}
 * layout. {@code input} = tokens (batch) | modes (batch): what each slot does this step,
 * {@link #HOLD}, {@link #STEP} or {@link #RESTART}.
 */
public final class BatchKernels {

    /** The slot sits this step out: its states stay as they are (its rows are computed and ignored). */
    public static final int HOLD = 0;
    /** The slot consumes its token, continuing from its states. */
    public static final int STEP = 1;
    /** The slot consumes its token from zero states: the first token of a sequence. */
    public static final int RESTART = 2;

    private BatchKernels() {
    }

    /**
     * xbc[b, c] = SiLU(causal conv of channel c of slot b) for the x | B | C channels of every row of
     * zxbcdt (xbcOffset is where they start in a row), advancing the slot's conv window as
     * {@link MixerKernels#normInProjConv} does for one sequence; a held slot's window stays, its row
     * is 0. i over batch · convDim.
     */
    public static void convStepRows(IntArray input, FloatArray zxbcdt, FloatArray states, int convAt, int stateStride, FloatArray w,
                                    int convWOff, FloatArray xbc, int xbcOffset, int dInProj, int convDim, int dConv, int batch, int padded) {
        for (@Parallel int i = 0; i < padded; i++) {
            if (i < batch * convDim) {
                int b = i / convDim;
                int c = i - b * convDim;
                int mode = input.get(batch + b);
                float v = 0f;
                if (mode != HOLD) {
                    v = MixerKernels.convChannel(mode == RESTART ? 1 : 0, zxbcdt.get(b * dInProj + xbcOffset + c), states,
                            b * stateStride + convAt + c * (dConv - 1), w, convWOff + c * dConv, w.get(convWOff + convDim * dConv + c), dConv);
                }
                xbc.set(i, v);
            }
        }
    }

    /**
     * The recurrent SSD step of every slot: one work-group per (slot, head, channel) row, as
     * {@link MixerKernels#ssdStep} per sequence; a held slot's state stays. y is (batch, dInner).
     */
    public static void ssdStepRows(KernelContext ctx, IntArray input, FloatArray zxbcdt, FloatArray xbc, FloatArray states, int stateOff,
                                   int stateStride, FloatArray w, int headsOff, FloatArray y, int nheads, int headdim, int ngroups,
                                   int dstate, int batch) {
        int dInner = nheads * headdim;
        int convDim = dInner + 2 * ngroups * dstate;
        int b = ctx.groupIdx / dInner;
        int hp = ctx.groupIdx - b * dInner;
        int mode = input.get(batch + b);
        MixerKernels.ssdRow(ctx, hp, mode == RESTART ? 1 : 0, mode != HOLD ? 1 : 0, zxbcdt, b * (dInner + convDim + nheads), xbc,
                b * convDim, states, b * stateStride + stateOff + hp * dstate, w, headsOff, y, b * dInner, nheads, headdim, ngroups, dstate);
    }

    /** states[slot[0] · n ..] = staged   (n): one slot's states, as a prefill left them, from the host's staging copy. */
    public static void loadSlot(FloatArray staged, IntArray slot, FloatArray states, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            states.set(slot.get(0) * n + i, staged.get(i));
        }
    }
}
