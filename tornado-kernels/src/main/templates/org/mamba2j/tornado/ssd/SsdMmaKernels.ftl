<#-- The SSD's tensor-core kernels (KernelSources renders it twice: `halves` false gives SsdMmaKernels, whose computed
     operands become fp16 by float arithmetic, for the PTX and CUDA backends; true gives SsdMmaCudaKernels, whose computed
     operands the CUDA backend converts natively into a local HalfFloat[] array); fragments, k steps and stores from
     BlockedTile.ftl. -->
<#import "/org/mamba2j/tornado/BlockedTile.ftl" as tile>
<#-- element pairs of a 64 × 32 operand block (a k step's A or B) per work item: 1024 pairs, LOCAL = 128 work items -->
<#assign perItem = 8>
<#-- pairs of a k step whose reads are issued together before their stores: registers against round trips (2, 4 and 8
     timed on an H100: 2 fastest) -->
<#assign group = 2>
<#-- elements of the chunk output's epilogue a work item reads together -->
<#assign epilogue = 8>
<#-- the epilogue's element u of a round (a work item's elements i ≡ tid (mod LOCAL), the round's first at i0) -->
<#function elem u><#return (u == 0)?then("i0", "i0 + " + u + " * LOCAL")></#function>
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
 * <p>Reads first: a work item stages its eight pairs of a k step ${group} at a time, every global read of a group issued
 * before the group's local stores, and the chunk output's epilogue (and the fused state passing's tile) reads
 * ${epilogue} elements before it stores them. TornadoVM's generated C reaches global arrays through generic pointers, which
 * the compiler cannot tell apart from local memory, so a local store between two reads keeps the second waiting for the
 * first: staged pair by pair, a k step of the chunk output waited for sixteen round trips to memory, its epilogue for
 * sixty-four. Groups of two, four and eight pairs were timed (2 fastest: more pairs in flight cost registers, 114 / 168 /
 * 211 for the chunk output on the CUDA backend, and so work-groups an SM; docs/tensor-cores.md).
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
            // the chunk's tile ${epilogue} elements at a time, reads first
            for (int i0 = tid; i0 < SCRATCH; i0 += ${epilogue} * LOCAL) {
<@scratchReads indent=16/>
<#list 0..<epilogue as u>
                run[${elem(u)}] = e * run[${elem(u)}] + sc${u};
</#list>
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
        // the tile (p, l) read along l, written transposed into local memory; then y's rows (l) written along p. Each
        // work item's elements i ≡ tid (mod LOCAL), ${epilogue} at a time with their reads first (a local store or a store
        // to y between two reads would keep the second waiting for the first)
        for (int i0 = tid; i0 < SCRATCH; i0 += ${epilogue} * LOCAL) {
<@scratchReads indent=12/>
<#list 0..<epilogue as u>
            yt[(${elem(u)}) % TILE * T_STRIDE + (${elem(u)}) / TILE] = sc${u};
</#list>
        }
        kc.localBarrier();
        float d = D.get(h);
        int hasZ = dims.get(SsdDims.HAS_Z);
        for (int i0 = tid; i0 < SCRATCH; i0 += ${epilogue} * LOCAL) {
<#list 0..<epilogue as u>
            int e${u} = ${elem(u)};
            int o${u} = xBase + (l0 + e${u} / TILE) * H * P + p0 + e${u} % TILE;
            boolean in${u} = l0 + e${u} / TILE < len && p0 + e${u} % TILE < P;
            float xv${u} = SsdKernels.read(x, o${u}, in${u});
            float zv${u} = SsdKernels.read(z, o${u}, in${u} && hasZ != 0);
</#list>
<#list 0..<epilogue as u>
            if (in${u}) {
                float v${u} = yt[e${u} / TILE * T_STRIDE + e${u} % TILE] + d * xv${u};
                y.set(o${u}, hasZ != 0 ? v${u} * SsdKernels.silu(zv${u}) : v${u});
            }
</#list>
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
<#-- chunk states: a k step's pairs staged, each work item perItem of A (xᵀ) and of B (w·B); `guarded`: reads clamped and
     zeroed outside the matrices, else plain (a step inside them); `group` pairs at a time, their reads before their stores
     (the class comment says why) -->
<#macro statesStage guarded>
                for (int grp = 0; grp < ${perItem / group}; grp++) {
<#list 0..<group as j>
                    int pi${j} = tid + (grp * ${group}<#if j != 0> + ${j}</#if>) * LOCAL;
                    // x rows (l) are contiguous along p: pair i is p0 + i % 64 at rows k0 + 2·(i / 64) and +1
<#if guarded>
                    int pa${j} = MmaTiles.pairAcross(x, xBase, H * P, k0 + pi${j} / 64 * 2, p0 + pi${j} % 64, len, P);
<#else>
                    int pa${j} = MmaTiles.pairInside(x, xBase + (k0 + pi${j} / 64 * 2) * H * P + p0 + pi${j} % 64, H * P);
</#if>
                    // the weighted B at its k-row l and columns n, n + 1
                    int br${j} = pairRow(pi${j}), bc${j} = pairCol(pi${j});
                    int pl${j} = k0 + br${j};
                    int pn${j} = n0 + bc${j};
                    int pat${j} = ((b * L + t0 + pl${j}) * G + g) * N + pn${j};
<#if guarded>
                    float pw${j} = SsdKernels.read(wState, bch * Q + pl${j}, pl${j} < len);
                    float plo${j} = SsdKernels.read(B, pat${j}, pl${j} < len && pn${j} < N);
                    float phi${j} = SsdKernels.read(B, pat${j} + 1, pl${j} < len && pn${j} + 1 < N);
<#else>
                    float pw${j} = wState.get(bch * Q + pl${j});
                    float plo${j} = B.get(pat${j});
                    float phi${j} = B.get(pat${j} + 1);
</#if>
</#list>
<#list 0..<group as j>
                    as[MmaTiles.aSlot(pi${j} % 64, pi${j} / 64 * 2, 2)] = pa${j};
                    float blo${j} = pw${j} * plo${j};
                    float bhi${j} = pw${j} * phi${j};
<@stageB j=j/>
</#list>
                }
</#macro>
<#-- chunk output: a k step's pairs staged, the inter-chunk part (A the entering state, B the decayed Cᵀ) or the intra-chunk
     one (A xᵀ, B the causal weights transposed), every read guarded (zero outside its matrix); loads first, as the chunk
     states' -->
<#macro outputStage>
            for (int grp = 0; grp < ${perItem / group}; grp++) {
                if (inter) {
<#list 0..<group as j>
                    int pi${j} = tid + (grp * ${group}<#if j != 0> + ${j}</#if>) * LOCAL;
                    // stateIn rows (p) are contiguous along n: pair i is row p0 + i / 16, columns k0 + 2·(i % 16) and +1
                    int pa${j} = MmaTiles.pairAlong(stateIn, bch * P * N, N, p0 + pi${j} / 16, k0 + pi${j} % 16 * 2, P, N);
                    int br${j} = pairRow(pi${j}), bc${j} = pairCol(pi${j});
                    int pl${j} = l0 + bc${j};
                    int pn${j} = k0 + br${j};
                    int pat${j} = ((b * L + t0 + pl${j}) * G + g) * N + pn${j};
                    float plo${j} = SsdKernels.read(C, pat${j}, pl${j} < len && pn${j} < N);
                    float phi${j} = SsdKernels.read(C, pat${j} + G * N, pl${j} + 1 < len && pn${j} < N);
</#list>
<#list 0..<group as j>
                    as[MmaTiles.aSlot(pi${j} / 16, pi${j} % 16 * 2, 2)] = pa${j};
                    float blo${j} = decayT[bc${j}] * plo${j};
                    float bhi${j} = decayT[bc${j} + 1] * phi${j};
<@stageB j=j/>
</#list>
                } else {
<#list 0..<group as j>
                    int pi${j} = tid + (grp * ${group}<#if j != 0> + ${j}</#if>) * LOCAL;
                    // x rows (s) are contiguous along p: pair i is p0 + i % 64 at rows s0 + 2·(i / 64) and +1
                    int pa${j} = MmaTiles.pairAcross(x, xBase, H * P, s0 + pi${j} / 64 * 2, p0 + pi${j} % 64, len, P);
                    int br${j} = pairRow(pi${j}), bc${j} = pairCol(pi${j});
                    int pl${j} = l0 + bc${j};
                    int ps${j} = s0 + br${j};
                    float pcum${j} = SsdKernels.read(cum, cbase + ps${j}, ps${j} < len);
                    float pdt${j} = SsdKernels.read(dt, cbase + ps${j}, ps${j} < len);
                    float plo${j} = SsdKernels.read(cb, cbo + pl${j} * Q + ps${j}, ps${j} <= pl${j} && pl${j} < len);
                    float phi${j} = SsdKernels.read(cb, cbo + (pl${j} + 1) * Q + ps${j}, ps${j} <= pl${j} + 1 && pl${j} + 1 < len);
</#list>
<#list 0..<group as j>
                    as[MmaTiles.aSlot(pi${j} % 64, pi${j} / 64 * 2, 2)] = pa${j};
                    float blo${j} = SsdKernels.causalWeight(plo${j}, ps${j} <= pl${j} && pl${j} < len, cumT[bc${j}], pcum${j}, pdt${j});
                    float bhi${j} = SsdKernels.causalWeight(phi${j}, ps${j} <= pl${j} + 1 && pl${j} + 1 < len, cumT[bc${j} + 1], pcum${j}, pdt${j});
<@stageB j=j/>
</#list>
                }
            }
</#macro>
<#-- an epilogue round's reads of the work group's scratch: sc<u> = element u (elem) -->
<#macro scratchReads indent>
<#list 0..<epilogue as u>
${""?left_pad(indent)}float sc${u} = scratch.get(sb + ${elem(u)});
</#list>
</#macro>
<#-- the B tiles' local array: fp16 halves (native conversion) or fp16 pairs in ints -->
<#macro bTiles><#if halves>HalfFloat[] bs = kc.allocateHalfFloatLocalArray(MmaTiles.bHalves(2, 8));<#else>int[] bs = kc.allocateIntLocalArray(MmaTiles.bInts(2, 8));</#if></#macro>
<#-- pair j's computed B values (blo<j>, bhi<j>) stored at k-row br<j>, columns bc<j> and bc<j> + 1 of the step's 2 × 8 tile grid -->
<#macro stageB j>
<#if halves>
                    // each value converted natively (the CUDA backend's __float2half), one 16-bit store each
                    int tb${j} = MmaTiles.bHalfByte(br${j} / 16, bc${j} / 8, 8);
                    kc.mmaStoreBSwizzled(bs, br${j} % 16, bc${j} % 8, 8, new HalfFloat(blo${j}), tb${j});
                    kc.mmaStoreBSwizzled(bs, br${j} % 16, bc${j} % 8 + 1, 8, new HalfFloat(bhi${j}), tb${j});
<#else>
                    bs[MmaTiles.bSlot(br${j}, bc${j}, 8)] = MmaTiles.halfPair(blo${j}, bhi${j});
</#if>
</#macro>
