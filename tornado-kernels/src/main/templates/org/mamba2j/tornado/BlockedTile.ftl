<#-- Macros of the register-blocked kernels (imported as "tile"): a work item owns the rows `rows` and the columns `cols`
     (offsets from its first row and column) of a 64 × 64 output tile and keeps their sums in scalars a<row><column>
     (private arrays may spill to global memory); operands pass through local memory in k-slices of 16. -->

<#-- the sums, zero -->
<#macro sums rows cols><#list rows as r>
        float <#list cols as c>a${r?index}${c?index} = 0f<#sep>, </#list>;
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
<#list rows as r>
                <#list cols as c>a${r?index}${c?index} += u${r?index} * v${c?index};<#sep> </#list>
</#list>
            }
</#macro>

<#-- one statement a row of sums: prefix, the row's offset, suffix, its sums, ")" -->
<#macro eachRow prefix suffix rows cols><#list rows as r>
        ${prefix}<#if r != 0> + ${r}</#if>${suffix}<#list cols as c>a${r?index}${c?index}<#sep>, </#list>);
</#list></#macro>

<#-- every row's sums times its e<row> -->
<#macro scaleRows rows cols><#list rows as r>
        <#list cols as c>a${r?index}${c?index} *= e${r?index};<#sep> </#list>
</#list></#macro>
