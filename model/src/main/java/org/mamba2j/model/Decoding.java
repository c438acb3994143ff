package org.mamba2j.model;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.mamba2j.device.Precision;

/** What every decoder, of one sequence ({@link Decoder}) or of a batch ({@link BatchDecoder}), tells about itself. */
public interface Decoding extends AutoCloseable {

    /** Vocabulary rows of the logits (the padded vocabulary). */
    int vocab();

    String deviceName();

    /** The precision the products run at (the JVM's: exact). */
    default Precision precision() {
        return Precision.EXACT;
    }

    /** The last step's profile on a device (null on the JVM). */
    default StepProfile lastStep() {
        return null;
    }

    @Override
    default void close() {
    }

    /**
     * The greedy pick: the first index with the largest logit (ties go to the lowest id, as torch.argmax; NaN never wins,
     * as the device's argmax; 0 when every logit is NaN). In two vector passes, the largest value (four running maxima,
     * NaN carried through: then the plain loop decides) and its first index: a decode step picks over 50k logits, for
     * which the plain compare-and-branch loop took 28–38 µs on the development machine against 6–10 this way
     * (GreedyPickBenchmark).
     */
    static int firstMax(float[] logits) {
        VectorSpecies<Float> s = FloatVector.SPECIES_PREFERRED;
        int n = logits.length, lanes = s.length(), whole = s.loopBound(n), whole4 = n - n % (4 * lanes);
        FloatVector t0 = FloatVector.broadcast(s, Float.NEGATIVE_INFINITY), t1 = t0, t2 = t0, t3 = t0;
        int i = 0;
        for (; i < whole4; i += 4 * lanes) {
            t0 = t0.max(FloatVector.fromArray(s, logits, i));
            t1 = t1.max(FloatVector.fromArray(s, logits, i + lanes));
            t2 = t2.max(FloatVector.fromArray(s, logits, i + 2 * lanes));
            t3 = t3.max(FloatVector.fromArray(s, logits, i + 3 * lanes));
        }
        for (; i < whole; i += lanes) t0 = t0.max(FloatVector.fromArray(s, logits, i));
        float max = t0.max(t1).max(t2.max(t3)).reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) max = Math.max(max, logits[i]);
        if (Float.isNaN(max)) return firstMaxSkippingNaN(logits);
        for (i = 0; i < whole; i += lanes) {
            VectorMask<Float> at = FloatVector.fromArray(s, logits, i).eq(max);
            if (at.anyTrue()) return i + at.firstTrue();
        }
        for (; i < n; i++) if (logits[i] == max) return i;
        return 0;
    }

    /** {@link #firstMax} as a plain loop, for logits with NaN among them. */
    private static int firstMaxSkippingNaN(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) if (logits[i] > logits[best] || Float.isNaN(logits[best]) && !Float.isNaN(logits[i])) best = i;
        return best;
    }
}
