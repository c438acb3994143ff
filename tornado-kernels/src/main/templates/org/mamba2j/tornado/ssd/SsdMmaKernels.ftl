<#-- The SSD's tensor-core kernels (KernelSources renders it twice: `halves` false gives SsdMmaKernels, whose computed
     operands become fp16 by float arithmetic, for the PTX and CUDA backends; true gives SsdMmaCudaKernels, whose computed
     operands the CUDA backend converts natively into a local HalfFloat[] array); fragments, k steps and stores from
     BlockedTile.ftl. -->
<#import "/org/mamba2j/tornado/BlockedTile.ftl" as tile>
// Generated from src/main/templates/org/mamba2j/tornado/ssd/SsdMmaKernels.ftl by src/build/KernelSources.java:
// edit the template, not this file.
package org.mamba2j.tornado.ssd;

import org.mamba2j.tornado.mma.MmaTiles;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.enums.MMAShape;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.HalfFloat;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * The SSD's chunk states and chunk output on tensor cores (variant "mma", precision fast): fp16 operands, fp32
 * accumulation, m16n8k16 MMA as {@link org.mamba2j.tornado.mma.MmaGemm} runs it. A work group of {@link #LOCAL} work
 * items (four warps, 2 × 2, each 32 × 32 outputs in eight m16n8 accumulators) computes a {@link #TILE}² output tile; k
 * goes in steps of 32, each staged into local memory as ldmatrix tile grids (4 × 2 A tiles, 2 × 8 B tiles), zero past
 * the ends.
 *
 * <p>Both products are written so that the operands that are plain reads are A (made fp16 as they are read, which
 * TornadoVM converts natively) and the operands that are computed (decay-weighted) are B: the chunk states as
 * states = xᵀ·(w·B), the chunk output transposed, yᵀ = stateIn·(exp(cum)·C)ᵀ + xᵀ·Wᵀ with W the causal intra-chunk
 * weights.
<#if halves>
 * <p>Here a computed B value goes into a local {@code HalfFloat[]} tile by {@code KernelContext.mmaStoreBSwizzled}, one
 * native conversion (the CUDA backend's {@code __float2half}; TornadoVM's PTX backend does not lower it), and the MMAs
 * read it by {@code mmaLoadBSwizzled}: the kernels for the CUDA backend. {@link SsdMmaKernels} are the same products
 * with the conversion in float arithmetic, for PTX.
<#else>
 * <p>Here a computed B value is made fp16 by float arithmetic ({@link MmaTiles#halfOf}), as TornadoVM's PTX backend
 * converts only a value read from an array; {@link SsdMmaCudaKernels} are the same products with the CUDA backend's
 * native conversion.
</#if>
 * <p>Every factor of a computed operand is bounded (the decays exp(cum_l − cum_s) and exp(cum_l) are at most 1), so it
 * stays in fp16's range.
 *
 * <p>The model's dimensions H, P, G, N, Q are scalar arguments (compiled in as constants, as {@link SsdBlockedKernels}'
 * are); {@code dims} keeps the lengths L and NC and the flags. Each work group owns {@link #SCRATCH} floats of {@code
 * scratch}: the chunk states store their tile from the accumulators straight to the output where it lies inside the
 * matrix and through the scratch where it crosses an edge; the chunk output always goes through it (its tile is yᵀ).
 * Grid (LOCAL·⌈cols/64⌉, ⌈rows/64⌉, batch·NC·H), local (LOCAL, 1, 1).
 *
 * <p>Every local array here is a multiple of 16 bytes long: ldmatrix reads 16-byte rows, a {@code HalfFloat[]} tile is
 * declared only 2-byte aligned, and the compiler may place the arrays in any order, so only their sizes keep the tiles'
 * rows aligned.
 */
public final class ${className} {

    /** Output tile edge of a work group; the config's "tile" of an mma kernel. */
    public static final int TILE = 64;
    /** Work items of a work group: four warps; the config's "local" of an mma kernel. */
    public static final int LOCAL = 4 * MmaTiles.WARP;
    /** Floats of scratch per work group: a 64 × 64 output tile. */
    public static final int SCRATCH = TILE * TILE;

    private static final int K_STEP = 32;
    /** Element pairs of a 64 × 32 operand block, and per work item. */
    private static final int PAIRS = TILE * K_STEP / 2;
    private static final int PER_ITEM = PAIRS / LOCAL;
    /** Row stride of the chunk output's transposing tile in local memory: 65 floats, so that a warp writing a column meets 32 banks. */
    static final int T_STRIDE = TILE + 1;

    private ${className}() {
    }

    /** Floats of scratch both kernels need at a shape: SCRATCH per work group of the larger grid. */
    public static int scratchSize(int batchChunkHeads, int P, int N, int Q) {
        return Math.multiplyExact(Math.multiplyExact(batchChunkHeads, tiles(P) * Math.max(tiles(N), tiles(Q))), SCRATCH);
    }

    /** Started 64-wide tiles over n. */
    static int tiles(int n) {
        return (n + TILE - 1) / TILE;
    }

    /**
     * Element i of a TILE × TILE state tile (row-major, (p, n)): its offset from the tile's first element in a P × N state.
     * Its bounds test stays in the callers' conditions: as a boolean helper it compiled to a materialized test instead of
     * a branch (the fused chunk states' CUDA kernel 218 registers against 185 at one shape).
     */
    static int tileOffset(int i, int N) {
        return i / TILE * N + i % TILE;
    }

    /**
     * k-row of B pair i of a k step (32 × 64, 1024 pairs; i ≥ 0, so shifts and masks stand for the divisions): each
     * warp's 32 pairs are eight k-rows of four pairs of one 16 × 8 tile (i / 64 is the tile: k tile i / 512, n tile
     * i / 64 % 8), so that its stores fill one tile's 128 bytes and its reads of a row-major source take whole sectors.
     */
    static int pairRow(int i) {
        return (i >> 9 << 4) + ((i >> 5 & 1) << 3) + (i >> 2 & 7);
    }

    /** Column of the first element of B pair i (its second is the next column); see {@link #pairRow}. */
    static int pairCol(int i) {
        return ((i >> 6 & 7) << 3) + ((i & 3) << 1);
    }

    /**
     * {@link SsdKernels#chunkStates} on tensor cores: states[p, n] = Σ_l x[l, p]·(wState[l]·B[l, n]) per (batch, chunk,
     * head), A = xᵀ (p × l, read as is), B = the weighted B (l × n, computed). Grid (LOCAL·⌈N/64⌉, ⌈P/64⌉, batch·NC·H).
     */
    public static void chunkStatesMma(KernelContext kc, FloatArray x, FloatArray B, FloatArray wState, IntArray dims, int H, int P, int G, int N, int Q,
                                      FloatArray scratch, FloatArray states) {
        int L = dims.get(SsdDims.L), NC = dims.get(SsdDims.NC);
        int tid = kc.localIdx;
        int n0 = kc.groupIdx * TILE;
        int p0 = kc.groupIdy * TILE;
        int bch = kc.groupIdz;
        int h = bch % H;
        int c = (bch / H) % NC;
        int b = bch / (H * NC);
        int g = h / (H / G);
        int t0 = c * Q;
        int len = Math.min(Q, L - t0);
        int sb = ((bch * tiles(P) + kc.groupIdy) * tiles(N) + kc.groupIdx) * SCRATCH;
        int wm = MmaTiles.warpM(tid);
        int wn = MmaTiles.warpN(tid);
        int aLane = MmaTiles.aLane(tid)<#if !halves>, bLane = MmaTiles.bLane(tid)</#if>;
        int[] as = kc.allocateIntLocalArray(MmaTiles.aInts(4, 2)); // 4 × 2 A tiles: x transposed, (p, l)
        <@bTiles/> // 2 × 8 B tiles: wState·B, (l, n)
<@tile.fragments/>
        int xBase = ((b * L + t0) * H + h) * P;
        boolean insideTile = p0 + TILE <= P && n0 + TILE <= N;
<@statesSteps/>
        boolean edge = p0 + TILE > P || n0 + TILE > N;
        int r = 32 * wm;
        int col = 32 * wn;
        if (edge) {
            int row = sb / TILE + r;
<@tile.mmaStores target="scratch" row="row" col="col" ld="TILE"/>
        } else {
            int row = bch * P + p0 + r;
<@tile.mmaStores target="states" row="row" col="n0 + col" ld="N"/>
        }
        kc.localBarrier();
        if (edge) {
            for (int i = tid; i < SCRATCH; i += LOCAL) {
                if (p0 + i / TILE < P && n0 + i % TILE < N) states.set(bch * P * N + p0 * N + n0 + tileOffset(i, N), scratch.get(sb + i));
            }
        }
    }

    /**
     * {@link #chunkStatesMma} with the state passing in it ({@link SsdKernels#statePassing}): a work group per (batch, head)
     * and 64 × 64 tile of the state walks the chunks in order, storing the state entering each chunk to stateIn, then
     * running = exp(cum at the chunk's end)·running + the chunk's own state, in fp32. The running state lives in local
     * memory (registers would hold it across the MMAs), the chunk's own state comes from its MMA tile through the work
     * group's scratch (fragments are opaque). The final state to finalState at stateAt. Grid (LOCAL·⌈N/64⌉, ⌈P/64⌉, batch·H).
     */
    public static void chunkStatesPassingMma(KernelContext kc, FloatArray x, FloatArray B, FloatArray wState, FloatArray cum, FloatArray init,
                                             IntArray dims, int H, int P, int G, int N, int Q, FloatArray scratch, FloatArray stateIn,
                                             FloatArray finalState, int stateAt) {
        int L = dims.get(SsdDims.L), NC = dims.get(SsdDims.NC);
        int tid = kc.localIdx;
        int n0 = kc.groupIdx * TILE;
        int p0 = kc.groupIdy * TILE;
        int bh = kc.groupIdz;
        int h = bh % H;
        int b = bh / H;
        int g = h / (H / G);
        int sb = ((bh * tiles(P) + kc.groupIdy) * tiles(N) + kc.groupIdx) * SCRATCH;
        int wm = MmaTiles.warpM(tid);
        int wn = MmaTiles.warpN(tid);
        int aLane = MmaTiles.aLane(tid)<#if !halves>, bLane = MmaTiles.bLane(tid)</#if>;
        int[] as = kc.allocateIntLocalArray(MmaTiles.aInts(4, 2)); // 4 × 2 A tiles: x transposed, (p, l)
        <@bTiles/> // 2 × 8 B tiles: wState·B, (l, n)
        float[] run = kc.allocateFloatLocalArray(SCRATCH); // the running state's tile, (p, n); a work item its elements i ≡ tid mod LOCAL
        int hasInit = dims.get(SsdDims.HAS_INIT);
        int tileAt = p0 * N + n0; // the tile's first element in a P × N state
        for (int i = tid; i < SCRATCH; i += LOCAL) {
            run[i] = SsdKernels.read(init, stateAt + bh * P * N + tileAt + tileOffset(i, N), hasInit != 0 && p0 + i / TILE < P && n0 + i % TILE < N);
        }
        boolean insideTile = p0 + TILE <= P && n0 + TILE <= N;
        for (int c = 0; c < NC; c++) {
            int bch = (b * NC + c) * H + h;
            int t0 = c * Q;
            int len = Math.min(Q, L - t0);
            int xBase = ((b * L + t0) * H + h) * P;
            for (int i = tid; i < SCRATCH; i += LOCAL) {
                if (p0 + i / TILE < P && n0 + i % TILE < N) stateIn.set(bch * P * N + tileAt + tileOffset(i, N), run[i]);
            }
<@tile.fragments/>
<@statesSteps/>
            int row = sb / TILE + 32 * wm;
            int col = 32 * wn;
<@tile.mmaStores target="scratch" row="row" col="col" ld="TILE"/>
            kc.localBarrier();
            float e = SsdKernels.rowDecay(cum, bch * Q, Q - 1, Q);
            for (int i = tid; i < SCRATCH; i += LOCAL) {
                run[i] = e * run[i] + scratch.get(sb + i);
            }
            kc.localBarrier();
        }
        for (int i = tid; i < SCRATCH; i += LOCAL) {
            if (p0 + i / TILE < P && n0 + i % TILE < N) finalState.set(stateAt + bh * P * N + tileAt + tileOffset(i, N), run[i]);
        }
    }

    /**
     * {@link SsdKernels#chunkOutput} on tensor cores, per (batch, chunk, head), transposed: yᵀ[p, l] = Σ_n stateIn[p, n]·
     * (exp(cum_l)·C[l, n]) + Σ_{s ≤ l} x[s, p]·(CB[l, s]·exp(cum_l − cum_s)·dt_s), then + D·x[l, p] and ·silu(z[l, p]).
     * One k loop: first over n (the inter-chunk part, A = stateIn, B = the decayed Cᵀ), then over s up to the tile's
     * last column (the causal intra-chunk part, A = xᵀ, B = the weights transposed), into the same accumulators. The
     * tile (p × l) goes through the scratch and a transposing tile in local memory to y (rows l, contiguous along p).
     *
     * <p>Every step's staging is guarded, unlike the chunk states': an unguarded form for the steps inside the matrices,
     * chosen by {@code insideTile && (inter ? k0 + K_STEP <= N : s0 + K_STEP <= len)}, compiled on TornadoVM 5.2's CUDA
     * backend to C that ran the guarded staging and its MMAs after the unguarded ones as well (two k steps an iteration:
     * wrong sums, reads past the matrices); two k loops, one a part, to C that assigns one accumulator array to another
     * between them, which does not compile (docs/tensor-cores.md, fact 8).
     *
     * <p>Grid (LOCAL·⌈Q/64⌉, ⌈P/64⌉, batch·NC·H).
     */
    public static void chunkOutputMma(KernelContext kc, FloatArray x, FloatArray z, FloatArray dt, FloatArray cum, FloatArray cb,
                                      FloatArray C, FloatArray stateIn, FloatArray D, IntArray dims, int H, int P, int G, int N, int Q,
                                      FloatArray scratch, FloatArray y) {
        int L = dims.get(SsdDims.L), NC = dims.get(SsdDims.NC);
        int tid = kc.localIdx;
        int l0 = kc.groupIdx * TILE;
        int p0 = kc.groupIdy * TILE;
        int bch = kc.groupIdz;
        int h = bch % H;
        int c = (bch / H) % NC;
        int b = bch / (H * NC);
        int g = h / (H / G);
        int t0 = c * Q;
        int len = Math.min(Q, L - t0);
        int cbase = bch * Q;
        int sb = ((bch * tiles(Q) + kc.groupIdx) * tiles(P) + kc.groupIdy) * SCRATCH;
        int wm = MmaTiles.warpM(tid);
        int wn = MmaTiles.warpN(tid);
        int aLane = MmaTiles.aLane(tid)<#if !halves>, bLane = MmaTiles.bLane(tid)</#if>;
        // k runs over n (padded to the step), then over s < min(l0 + 64, len): nothing right of the tile's last column
        int nSpan = (N + K_STEP - 1) / K_STEP * K_STEP;
        int kEnd = l0 < len ? nSpan + Math.min(l0 + TILE, len) : 0;
        int cbo = ((b * NC + c) * G + g) * Q * Q;
        int xBase = ((b * L + t0) * H + h) * P;
        int[] as = kc.allocateIntLocalArray(MmaTiles.aInts(4, 2)); // 4 × 2 A tiles: (p, n), then (p, s)
        <@bTiles/> // 2 × 8 B tiles: (n, l), then (s, l)
        float[] cumT = kc.allocateFloatLocalArray(TILE); // cum_l of the tile's columns
        float[] decayT = kc.allocateFloatLocalArray(TILE); // exp(cum_l), 0 past the chunk
        float[] yt = kc.allocateFloatLocalArray(TILE * T_STRIDE); // the output tile, transposed on its way to y
        if (tid < TILE) {
            float cl = SsdKernels.read(cum, cbase + l0 + tid, l0 + tid < len);
            cumT[tid] = cl;
            decayT[tid] = l0 + tid < len ? TornadoMath.exp(cl) : 0f;
        }
        kc.localBarrier();
<@tile.fragments/>
        for (int k0 = 0; k0 < kEnd; k0 += K_STEP) {
            boolean inter = k0 < nSpan;
            int s0 = k0 - nSpan;
<@outputStage/>
            kc.localBarrier();
<@tile.mmaSteps halves=halves/>
            kc.localBarrier();
        }
        int row = sb / TILE + 32 * wm;
        int col = 32 * wn;
<@tile.mmaStores target="scratch" row="row" col="col" ld="TILE"/>
        kc.localBarrier();
        // the tile (p, l) read along l, written transposed into local memory; then y's rows (l) written along p
        for (int i = tid; i < SCRATCH; i += LOCAL) {
            yt[i % TILE * T_STRIDE + i / TILE] = scratch.get(sb + i);
        }
        kc.localBarrier();
        float d = D.get(h);
        int hasZ = dims.get(SsdDims.HAS_Z);
        for (int i = tid; i < SCRATCH; i += LOCAL) {
            int l = l0 + i / TILE;
            int p = p0 + i % TILE;
            if (l < len && p < P) {
                int o = xBase + l * H * P + p;
                float v = yt[i / TILE * T_STRIDE + i % TILE] + d * x.get(o);
                if (hasZ != 0) v = v * SsdKernels.silu(z.get(o));
                y.set(o, v);
            }
        }
    }
}
<#-- chunk states: the k loop over the chunk's rows into the accumulators, each step staged (unguarded where its reads all
     lie inside their matrices) and multiplied -->
<#macro statesSteps>
        for (int k0 = 0; k0 < len; k0 += K_STEP) {
            // local arrays are written here, not in a helper: TornadoVM addresses a local array passed to a method as a global one
            if (insideTile && k0 + K_STEP <= len) {
<@statesStage guarded=false/>
            } else {
<@statesStage guarded=true/>
            }
            kc.localBarrier();
<@tile.mmaSteps halves=halves/>
            kc.localBarrier();
        }
</#macro>
<#-- chunk states: a k step's pairs staged, each work item PER_ITEM of A (xᵀ) and of B (w·B); `guarded`: reads clamped and
     zeroed outside the matrices, else plain (a step inside them) -->
<#macro statesStage guarded>
                for (int j = 0; j < PER_ITEM; j++) {
                    int i = tid + j * LOCAL;
                    // x rows (l) are contiguous along p: pair i is p0 + i % 64 at rows k0 + 2·(i / 64) and +1
<#if guarded>
                    as[MmaTiles.aSlot(i % 64, i / 64 * 2, 2)] = MmaTiles.pairAcross(x, xBase, H * P, k0 + i / 64 * 2, p0 + i % 64, len, P);
<#else>
                    as[MmaTiles.aSlot(i % 64, i / 64 * 2, 2)] = MmaTiles.pairInside(x, xBase + (k0 + i / 64 * 2) * H * P + p0 + i % 64, H * P);
</#if>
                    // the weighted B at its k-row l and columns n, n + 1
                    int br = pairRow(i), bc = pairCol(i);
                    int l = k0 + br;
                    int n = n0 + bc;
                    int at = ((b * L + t0 + l) * G + g) * N + n;
<#if guarded>
                    float w = SsdKernels.read(wState, bch * Q + l, l < len);
                    float v0 = w * SsdKernels.read(B, at, l < len && n < N);
                    float v1 = w * SsdKernels.read(B, at + 1, l < len && n + 1 < N);
<#else>
                    float w = wState.get(bch * Q + l);
                    float v0 = w * B.get(at);
                    float v1 = w * B.get(at + 1);
</#if>
<@stageB row="br" col="bc" indent=20/>
                }
</#macro>
<#-- chunk output: a k step's pairs staged, the inter-chunk part (A the entering state, B the decayed Cᵀ) or the intra-chunk
     one (A xᵀ, B the causal weights transposed), every read guarded (zero outside its matrix) -->
<#macro outputStage>
                for (int j = 0; j < PER_ITEM; j++) {
                    int i = tid + j * LOCAL;
                    int br = pairRow(i), bc = pairCol(i);
                    int l = l0 + bc;
                    float v0;
                    float v1;
                    if (inter) {
                        // stateIn rows (p) are contiguous along n: pair i is row p0 + i / 16, columns k0 + 2·(i % 16) and +1
                        as[MmaTiles.aSlot(i / 16, i % 16 * 2, 2)] = MmaTiles.pairAlong(stateIn, bch * P * N, N, p0 + i / 16, k0 + i % 16 * 2, P, N);
                        int n = k0 + br;
                        int at = ((b * L + t0 + l) * G + g) * N + n;
                        v0 = decayT[bc] * SsdKernels.read(C, at, l < len && n < N);
                        v1 = decayT[bc + 1] * SsdKernels.read(C, at + G * N, l + 1 < len && n < N);
                    } else {
                        // x rows (s) are contiguous along p: pair i is p0 + i % 64 at rows s0 + 2·(i / 64) and +1
                        as[MmaTiles.aSlot(i % 64, i / 64 * 2, 2)] = MmaTiles.pairAcross(x, xBase, H * P, s0 + i / 64 * 2, p0 + i % 64, len, P);
                        int s = s0 + br;
                        float cumS = SsdKernels.read(cum, cbase + s, s < len);
                        float dtS = SsdKernels.read(dt, cbase + s, s < len);
                        v0 = SsdKernels.causalWeight(cb, cbo, Q, l, s, len, cumT[bc], cumS, dtS);
                        v1 = SsdKernels.causalWeight(cb, cbo, Q, l + 1, s, len, cumT[bc + 1], cumS, dtS);
                    }
<@stageB row="br" col="bc" indent=20/>
                }
</#macro>
<#-- the B tiles' local array: fp16 halves (native conversion) or fp16 pairs in ints -->
<#macro bTiles><#if halves>HalfFloat[] bs = kc.allocateHalfFloatLocalArray(MmaTiles.bHalves(2, 8));<#else>int[] bs = kc.allocateIntLocalArray(MmaTiles.bInts(2, 8));</#if></#macro>
<#-- B's computed pair (v0, v1) stored at k-row `row`, columns `col` and col + 1 of the step's 2 × 8 tile grid -->
<#macro stageB row col indent=16>
<#local pad = ""?left_pad(indent)>
<#if halves>
${pad}// each value converted natively (the CUDA backend's __float2half), one 16-bit store each
${pad}int tb = MmaTiles.bHalfByte(${row} / 16, ${col} / 8, 8);
${pad}kc.mmaStoreBSwizzled(bs, ${row} % 16, ${col} % 8, 8, new HalfFloat(v0), tb);
${pad}kc.mmaStoreBSwizzled(bs, ${row} % 16, ${col} % 8 + 1, 8, new HalfFloat(v1), tb);
<#else>
${pad}bs[MmaTiles.bSlot(${row}, ${col}, 8)] = MmaTiles.halfPair(v0, v1);
</#if>
</#macro>
