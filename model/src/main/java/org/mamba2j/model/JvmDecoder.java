package org.mamba2j.model;

/** Decoding on the JVM: the chunked SSD for the prompt, the recurrent step after it. */
public final class JvmDecoder implements Decoder {

    private final Mamba2Model model;
    private Mamba2Model.State state;

    public JvmDecoder(Mamba2Model model) {
        this.model = model;
    }

    @Override
    public float[] prefill(int[] prompt) {
        state = model.newState();
        return model.prefill(prompt, state, false);
    }

    @Override
    public float[] step(int token) {
        if (state == null) throw new IllegalStateException("step before prefill");
        return model.step(token, state);
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
