package org.mamba2j.model;

import java.util.stream.IntStream;

/** Batched decoding on the JVM: each slot is a {@link Mamba2Model.State}; a step is {@link Mamba2Model#step(int[], Mamba2Model.State[])}. */
public final class JvmBatchDecoder implements BatchDecoder {

    private final Mamba2Model model;
    private final Mamba2Model.State[] slots;
    private final float[][] logits;

    public JvmBatchDecoder(Mamba2Model model, int capacity) {
        this.model = model;
        this.slots = new Mamba2Model.State[BatchDecoder.checkCapacity(capacity)];
        this.logits = new float[capacity][];
    }

    @Override
    public int capacity() {
        return slots.length;
    }

    @Override
    public float[] prefill(int slot, int[] prompt) {
        slots[slot] = model.newState();
        return logits[slot] = model.prefill(prompt, slots[slot], false);
    }

    @Override
    public void step(int[] tokens, boolean[] active) {
        int[] chosen = IntStream.range(0, slots.length).filter(s -> active[s]).toArray();
        if (chosen.length == 0) return;
        Mamba2Model.State[] states = new Mamba2Model.State[chosen.length];
        int[] fed = new int[chosen.length];
        for (int i = 0; i < chosen.length; i++) {
            if (slots[chosen[i]] == null) throw new IllegalStateException("slot " + chosen[i] + " stepped before its prefill");
            states[i] = slots[chosen[i]];
            fed[i] = tokens[chosen[i]];
        }
        float[][] out = model.step(fed, states);
        for (int i = 0; i < chosen.length; i++) logits[chosen[i]] = out[i];
    }

    @Override
    public float[] logits(int slot) {
        return logits[slot];
    }

    @Override
    public int vocab() {
        return model.config().paddedVocab();
    }

    @Override
    public String deviceName() {
        return model.deviceName();
    }
}
