package org.mamba2j.tornado.mma;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * {@link MmaTiles#halfOf}, the float-arithmetic fp16 conversion, against the JDK's
 * {@code Float.floatToFloat16} (round to nearest even): every fp16 value, the floats next to it and
 * the midpoints to its neighbours with the floats next to them (the rounding's ties and edges), and
 * random floats over fp32's whole range. Zeros compare without their sign (−0 becomes +0, documented).
 */
class MmaTilesTest {

    @Test
    void halfOfEveryFp16ValueItsNeighboursAndTheMidpoints() {
        int checked = 0;
        for (int bits = 0; bits < 0x7C00; bits++) {
            for (int sign : new int[] {0, 0x8000}) {
                float h = Float.float16ToFloat((short) (sign | bits));
                float next = Float.float16ToFloat((short) (sign | (bits + 1)));
                float mid = (float) (((double) h + next) / 2);
                for (float v : new float[] {h, Math.nextUp(h), Math.nextDown(h), mid, Math.nextUp(mid), Math.nextDown(mid)}) {
                    expect(v);
                    checked++;
                }
            }
        }
        assertEquals(6 * 2 * 0x7C00, checked);
    }

    @Test
    void halfOfRandomFloatsAndTheEnds() {
        SplittableRandom r = new SplittableRandom(16);
        for (int i = 0; i < 2_000_000; i++) {
            expect(Float.intBitsToFloat(r.nextInt()));
        }
        for (float v : new float[] {0f, -0f, 65504f, 65519.99f, 65520f, -65520f, 1e9f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
                Float.MIN_VALUE, 2.9802322e-8f, 2.9802326e-8f, 5.9604645e-8f, 6.1035156e-5f, 6.1035152e-5f}) {
            expect(v);
        }
        assertEquals(0x7C00, MmaTiles.halfOf(Float.NaN), "NaN becomes infinity");
    }

    private static void expect(float v) {
        if (Float.isNaN(v)) {
            return;
        }
        assertEquals(unsignedZero(Float.floatToFloat16(v) & 0xFFFF), unsignedZero(MmaTiles.halfOf(v)), () -> "halfOf(" + v + ") (" + Float.floatToRawIntBits(v) + ")");
    }

    private static int unsignedZero(int half) {
        return half == 0x8000 ? 0 : half;
    }

    /**
     * The A-tile layout's point: each 8 × 8 matrix of an ldmatrix.x4 (eight lanes' 16-byte rows, TornadoVM's lane
     * addressing plus {@link MmaTiles#aLane}) covers all 32 banks, and every row's bytes are the ones {@link MmaTiles#aSlot}
     * put there; and the tensor-core GEMM's staging stores (MmaGemm: a warp's two rows, a pair of each k tile of the
     * step each lane) fall on 32 distinct banks an instruction, the tiles being {@link MmaTiles#A_TILE_INTS} apart.
     */
    @Test
    void aTilesAreReadAndWrittenWithoutBankConflicts() {
        for (int tile = 0; tile < 4; tile++) {
            int base = MmaTiles.aByte(tile / 2, tile % 2, 2);
            for (int warp = 0; warp < 4; warp++) {
                for (int j = 0; j < 4; j++) {
                    boolean[] bank = new boolean[32];
                    for (int p = 8 * j; p < 8 * j + 8; p++) {
                        int tid = 32 * warp + p, row = ((p >> 3) & 1) * 8 + (p & 7), col = (p >> 4) * 16;
                        int at = base + row * 32 + col + MmaTiles.aLane(tid);
                        for (int b = 0; b < 4; b++) {
                            int word = at / 4 + b;
                            assertEquals(MmaTiles.aSlot(tile / 2 * 16 + row, tile % 2 * 16 + col / 2 + 2 * b, 2), word, "lane " + p + " int " + b);
                            assertFalse(bank[word % 32], "warp " + warp + " matrix " + j + ": bank " + word % 32 + " twice");
                            bank[word % 32] = true;
                        }
                    }
                }
            }
        }
        for (int warp = 0; warp < 4; warp++) {
            for (int o = 0; o < 64; o += 8) {
                boolean[] bank = new boolean[32];
                for (int lane = 0; lane < 32; lane++) {
                    int tid = 32 * warp + lane;
                    int slot = MmaTiles.aSlot(tid / 16 + o, 2 * (tid % 16), 2);
                    assertFalse(bank[slot % 32], "the store of rows " + o + ": bank " + slot % 32 + " twice");
                    bank[slot % 32] = true;
                }
            }
        }
    }

    /**
     * The B-tile layout's point: each matrix of an ldmatrix.x2.trans (eight lanes' 16-byte k-rows, TornadoVM's lane
     * addressing plus {@link MmaTiles#bLane}) covers all 32 banks and holds the rows {@link MmaTiles#bSlot} put there; and
     * the GEMM's staging stores (MmaGemm: lane kq = 4·(lane % 8) writes k-row kq + i of its warp's n tile, pair lane / 8)
     * meet 32 distinct banks an instruction, with no rotation.
     */
    @Test
    void bTilesAreReadAndWrittenWithoutBankConflicts() {
        for (int kt = 0; kt < 2; kt++) {
            for (int nt = 0; nt < 8; nt++) {
                int base = MmaTiles.bByte(kt, nt, 8);
                for (int warp = 0; warp < 4; warp++) {
                    for (int j = 0; j < 2; j++) {
                        boolean[] bank = new boolean[32];
                        for (int p = 8 * j; p < 8 * j + 8; p++) {
                            int tid = 32 * warp + p, row = (p & 7) + 8 * ((p >> 3) & 1);
                            int at = base + row * 16 + MmaTiles.bLane(tid);
                            for (int b = 0; b < 4; b++) {
                                int word = at / 4 + b;
                                assertEquals(MmaTiles.bSlot(kt * 16 + row, nt * 8 + 2 * b, 8), word, "lane " + p + " int " + b);
                                assertFalse(bank[word % 32], "warp " + warp + " matrix " + j + ": bank " + word % 32 + " twice");
                                bank[word % 32] = true;
                            }
                        }
                    }
                }
            }
        }
        for (int warp = 0; warp < 4; warp++) {
            for (int half = 0; half < 2; half++) {
                for (int i = 0; i < 4; i++) {
                    boolean[] bank = new boolean[32];
                    for (int lane = 0; lane < 32; lane++) {
                        int tid = 32 * warp + lane, kq = tid % 8 * 4, c = tid / 8 * 2 + 32 * half;
                        int slot = MmaTiles.bSlot(kq + i, c, 8);
                        assertFalse(bank[slot % 32], "B store " + i + " of columns " + 32 * half + ": bank " + slot % 32 + " twice");
                        bank[slot % 32] = true;
                    }
                }
            }
        }
        // the grid's tiles do not overlap and fit bInts
        boolean[] used = new boolean[MmaTiles.bInts(2, 8)];
        for (int k = 0; k < 32; k++) {
            for (int n = 0; n < 64; n += 2) {
                int slot = MmaTiles.bSlot(k, n, 8);
                assertFalse(used[slot], "int " + slot + " twice");
                used[slot] = true;
            }
        }
    }
}
