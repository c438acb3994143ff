package org.mamba2j.tornado.model;

import org.mamba2j.model.MixerDims;

/**
 * Every block's recurrent state in one array: per block, the conv state (convDim, dConv − 1)
 * then the SSM state (nheads·headdim, dstate); block l starts at l · perBlock.
 */
public record PackedStates(int convSize, int ssmSize, int blocks) {

    public static PackedStates of(MixerDims m) {
        long conv = (long) m.convDim() * (m.dConv() - 1), ssm = (long) m.dInner() * m.dstate();
        if ((conv + ssm) * m.nLayer() > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("the states of " + m.nLayer() + " blocks do not fit one array");
        return new PackedStates((int) conv, (int) ssm, m.nLayer());
    }

    public int perBlock() { return convSize + ssmSize; }
    public int size() { return perBlock() * blocks; }
    public int conv(int block) { return block * perBlock(); }
    public int ssm(int block) { return block * perBlock() + convSize; }
}
