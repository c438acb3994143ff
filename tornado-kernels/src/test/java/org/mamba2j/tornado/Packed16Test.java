package org.mamba2j.tornado;

import org.junit.jupiter.api.Test;
import uk.ac.manchester.tornado.api.types.arrays.LongArray;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Four 16-bit patterns to a long, element i in bits 16·(i mod 4) of long i / 4. */
class Packed16Test {

    @Test
    void patternOfReadsEachQuarterOfTheLong() {
        SplittableRandom rnd = new SplittableRandom(16);
        for (int t = 0; t < 10_000; t++) {
            long quad = rnd.nextLong();
            for (int k = 0; k < 4; k++) {
                assertEquals((int) ((quad >> (16 * k)) & 0xffff), Packed16.patternOf(quad, k), "pattern " + k + " of " + Long.toHexString(quad));
            }
        }
    }

    @Test
    void patternsComeBackAsStored() {
        SplittableRandom rnd = new SplittableRandom(17);
        short[] bits = new short[1001];
        for (int i = 0; i < bits.length; i++) bits[i] = (short) rnd.nextInt(1 << 16);
        bits[5] = (short) 0x8000;
        bits[6] = (short) 0xffff;
        LongArray w = Packed16.of(bits);
        for (int i = 0; i < bits.length; i++) {
            assertEquals(bits[i] & 0xffff, Packed16.pattern(w, i), "pattern " + i);
            assertEquals(bits[i], Packed16.get(w, i));
        }
    }

    /** quadOf packs four patterns, each a short's value (negative ones too) or a pattern, and patternOf reads them back. */
    @Test
    void quadOfPacksShortsAndPatterns() {
        short[] values = {(short) 0x8000, (short) 0xffff, 0x7fff, 0, (short) 0xbf80, 0x3f80};
        for (short a : values) {
            for (short b : values) {
                long q = Packed16.quadOf(a, b & 0xffff, b, a & 0xffff);
                assertEquals(a & 0xffff, Packed16.patternOf(q, 0));
                assertEquals(b & 0xffff, Packed16.patternOf(q, 1));
                assertEquals(b & 0xffff, Packed16.patternOf(q, 2));
                assertEquals(a & 0xffff, Packed16.patternOf(q, 3));
            }
        }
    }
}
