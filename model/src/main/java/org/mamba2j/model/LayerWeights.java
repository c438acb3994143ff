package org.mamba2j.model;

/**
 * One block's weights as float32 arrays in the layouts the kernels read: matrices row-major
 * (out, in); convW (convDim, dConv); aNeg = −exp(A_log).
 */
public record LayerWeights(float[] norm, float[] inProj, float[] convW, float[] convB, float[] dtBias, float[] aNeg,
                           float[] d, float[] gatedNorm, float[] outProj) {
}
