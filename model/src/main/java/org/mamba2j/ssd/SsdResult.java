package org.mamba2j.ssd;

/** y (batch, seqlen, nheads, headdim) and the state after the last token (batch, nheads, headdim, dstate). */
public record SsdResult(float[] y, float[] finalState) {
}
