package org.mamba2j.ssd;

/**
 * How the raw time step becomes dt: add the per-head bias, softplus (identity above 20, as
 * mamba_ssm does), then clamp to [min, max].
 */
public record TimeStep(float[] bias, boolean softplus, float min, float max) {

    /** dt used as given. */
    public static final TimeStep RAW = new TimeStep(null, false, 0f, Float.POSITIVE_INFINITY);

    public TimeStep {
        if (!(min <= max)) throw new IllegalArgumentException("dt limit must satisfy min <= max, got (" + min + ", " + max + ")");
    }

    public static TimeStep softplus(float[] bias, float min, float max) {
        return new TimeStep(bias, true, min, max);
    }

    public float apply(float raw, int head) {
        float v = bias == null ? raw : raw + bias[head];
        if (softplus && v <= 20f) v = (float) Math.log1p(Math.exp(v));
        return Math.min(Math.max(v, min), max);
    }

    public double applyExact(double raw, int head) {
        double v = bias == null ? raw : raw + bias[head];
        if (softplus && v <= 20.0) v = Math.log1p(Math.exp(v));
        return Math.min(Math.max(v, min), max);
    }
}
