<#-- Macros of the register-blocked kernels (imported as "tile"): a work item owns the rows `rows` and the columns `cols`
     (offsets from its first row and column) of a 64 × 64 output tile and keeps their sums in scalars a<row><column>
     (private arrays may spill to global memory); operands pass through local memory in k-slices of 16. -->

<#-- the sums (named name<row><column>, indented by `indent`), zero -->
<#macro sums rows cols name="a" indent=8><#list rows as r>
${""?left_pad(indent)}float <#list cols as c>${name}${r?index}${c?index} = 0f<#sep>, </#list>;
</#list></#macro>

<#-- every sum += its row operand u<row> times its column operand v<column> -->
<#macro fmas rows cols name="a" indent=16><#list rows as r>
${""?left_pad(indent)}<#list cols as c>${name}${r?index}${c?index} += u${r?index} * v${c?index};<#sep> </#list>
</#list></#macro>

<#-- the k steps of one 16-deep slice: row operands from local array ua at u0, column operands from va at v0, both at row
     stride `stride` per k; runs of consecutive operands, which the CUDA compiler reads as vectors -->
<#macro kSteps ua va stride u0 v0 rows cols k="k">
            for (int ${k} = 0; ${k} < 16; ${k}++) {
                int u = ${k} * ${stride} + ${u0}, v = ${k} * ${stride} + ${v0};
<#list rows?chunk(4) as run>
                float <#list run as r>u${r?index + run?index * 4} = ${ua}[u<#if r != 0> + ${r}</#if>]<#sep>, </#list>;
</#list>
<#list cols?chunk(4) as run>
                float <#list run as c>v${c?index + run?index * 4} = ${va}[v<#if c != 0> + ${c}</#if>]<#sep>, </#list>;
</#list>
<@fmas rows cols/>
            }
</#macro>

<#-- one statement a row of sums: prefix, the row's offset, suffix, its sums, ")" -->
<#macro eachRow prefix suffix rows cols name="a" indent=8><#list rows as r>
${""?left_pad(indent)}${prefix}<#if r != 0> + ${r}</#if>${suffix}<#list cols as c>${name}${r?index}${c?index}<#sep>, </#list>);
</#list></#macro>

<#-- every row's sums times its e<row> -->
<#macro scaleRows rows cols><#list rows as r>
        <#list cols as c>a${r?index}${c?index} *= e${r?index};<#sep> </#list>
</#list></#macro>

<#-- every sum times `by` -->
<#macro scaleSums by rows cols indent=12><#list rows as r>
${""?left_pad(indent)}<#list cols as c>a${r?index}${c?index} *= ${by};<#sep> </#list>
</#list></#macro>

<#-- every sum read from `array` (row-major, leading dimension ld) at `at` + its row offset·ld + its column offset, guarded:
     zero where rowOk + the row offset ≥ rowEnd or colOk + the column offset ≥ colEnd -->
<#macro loadSums array at ld rowOk rowEnd colOk colEnd rows cols indent=12><#list rows as r><#list cols as c>
${""?left_pad(indent)}a${r?index}${c?index} = SsdKernels.read(${array}, ${at}<#if r == 1> + ${ld}<#elseif r != 0> + ${r} * ${ld}</#if><#if c != 0> + ${c}</#if>, ${rowOk}<#if r != 0> + ${r}</#if> < ${rowEnd} & ${colOk}<#if c != 0> + ${c}</#if> < ${colEnd});
</#list></#list></#macro>

<#-- Tensor-core tiles (m16n8k16): a warp's 32 × 32 of a 64 × 64 tile as 2 × 4 fp32 accumulator fragments c<i><j> -->

<#-- the eight accumulators, zero -->
<#macro fragments><#list 0..1 as i><#list 0..3 as j>
        float[] c${i}${j} = kc.mmaFragment(0f);
</#list></#list></#macro>

<#-- the k16 steps of one K_STEP: A fragments from local `as` (laid out by MmaTiles.aSlot, read with the work item's
     aLane = MmaTiles.aLane(tid) added), B fragments from local `bs` (MmaTiles.bSlot, bLane = MmaTiles.bLane(tid); with
     `halves`, a HalfFloat[] of tiles at MmaTiles.bHalfByte read by mmaLoadBSwizzled) (named a<i><sfx>, b<j><sfx>); the B
     grid is 8 tiles wide -->
<#macro mmaSteps sfx="" halves=false>
            for (int kt = 0; kt < K_STEP / 16; kt++) {
<#list 0..1 as i>
                HalfFloat[] a${i}${sfx} = kc.mmaLoadA(as, 16, MmaTiles.aByte(2 * wm<#if i != 0> + ${i}</#if>, kt, 2) + aLane);
</#list>
<#list 0..3 as j>
<#if halves>
                HalfFloat[] b${j}${sfx} = kc.mmaLoadBSwizzled(bs, 16, MmaTiles.bHalfByte(kt, 4 * wn<#if j != 0> + ${j}</#if>, 8));
<#else>
                HalfFloat[] b${j}${sfx} = kc.mmaLoadB(bs, 16, MmaTiles.bByte(kt, 4 * wn<#if j != 0> + ${j}</#if>, 8) + bLane);
</#if>
</#list>
<#list 0..1 as i><#list 0..3 as j>
                c${i}${j} = kc.mma(a${i}${sfx}, b${j}${sfx}, c${i}${j}, MMAShape.M16N8K16);
</#list></#list>
            }
</#macro>

<#-- the eight fragments stored to `target` (row-major, leading dimension ld) at rows row, row + 16 and columns col + 8j -->
<#macro mmaStores target row col ld><#list 0..1 as i><#list 0..3 as j>
            kc.mmaStore(c${i}${j}, ${target}, ${row}<#if i != 0> + 16</#if>, ${col}<#if j != 0> + ${8 * j}</#if>, ${ld});
</#list></#list></#macro>
