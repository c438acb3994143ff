package org.mamba2j.tornado.model;

import org.mamba2j.model.Golden;
import org.mamba2j.model.Mamba2Config;
import org.mamba2j.model.Mamba2Model;
import org.mamba2j.model.MixerWeights;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mamba2j.io.SafeTensors;
import org.mamba2j.model.MixerDims;
import org.mamba2j.tornado.model.PackedStates;
import org.mamba2j.tornado.model.PrefillPipeline;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

import java.io.IOException;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * tiny-a through the device prefill's kernels as plain Java ({@link PrefillPipeline}: what
 * PrefillPlan runs on a device) against HF's float64 logits, prompts of 1 to 29 tokens in passes of
 * at most 16 or 32 positions at chunk 8 (not chunk multiples, one token, several passes); then its
 * states handed to the JVM decoder, in the layout DecodePlan takes them, which must continue the
 * sequence as HF does and hold what the JVM's own prefill leaves. The cumsum runs as the loop kernel
 * and as the scan (groups of 3: chunks of 8 in segments). The GEMM runs as the loop, the blocked and
 * the tensor-core kernel (fp16 operands through the emulator's MMA, its out_proj added on by the next
 * block's norm, as at precision fast: held to the fast tolerance of the device model check).
 */
class DevicePrefillGoldenTest {

    private static final double TOL = 1e-4;
    /** fp16 operands (precision fast): the device model check's tolerance, on logits and on the handed-over states. */
    private static final double FAST_TOL = 2e-2;

    @ParameterizedTest(name = "{0}, {1} tokens, passes of {2}, {3} gemm, {4} cumsum")
    @CsvSource({"hf,1,16,loop,loop", "hf,9,16,blocked,loop", "hf,17,16,loop,loop", "hf,29,16,blocked,loop", "mamba_ssm,29,32,loop,loop",
            "mamba_ssm,8,16,loop,loop", "hf,1,16,blocked,scan", "hf,17,16,blocked,scan", "hf,29,16,loop,scan", "mamba_ssm,29,32,blocked,scan",
            "hf,1,16,mma,scan", "hf,29,16,mma,scan", "mamba_ssm,17,32,mma,loop"})
    void prefillAndHandOffMatchReference(String layout, int n, int capacity, String gemm, String cumsum) throws IOException {
        try (Mamba2Model m = Mamba2Model.load(Golden.tinyA().resolve(layout)); SafeTensors g = Golden.tensors()) {
            int[] ids = Golden.ints(g, "input_ids");
            double[] ref = g.get("logits_f64").toDoubles();
            Mamba2Config c = m.config();
            int V = c.paddedVocab();
            MixerDims dims = MixerWeights.dims(c);
            PrefillPipeline device = new PrefillPipeline(dims, 8, capacity, gemm, cumsum, i -> MixerWeights.layerVectors(m, i),
                    DeviceWeights.of(m, DeviceWeights.Storage.AS_STORED, org.mamba2j.device.DeviceSpec.Backend.OPENCL));
            double tol = gemm.equals("mma") ? FAST_TOL : TOL;
            float[] logits = device.run(Arrays.copyOf(ids, n)).toHeapArray();
            assertClose(ref, (n - 1) * V, logits, tol, "logits after " + n + " tokens");

            Mamba2Model.State jvm = m.newState();
            m.prefill(Arrays.copyOf(ids, n), jvm, false);
            Mamba2Model.State handed = handOver(m, device.states().toHeapArray(), n);
            for (int l = 0; l < c.nLayer(); l++) {
                assertRel("conv window of block " + l, handed.convWindow(l), jvm.convWindow(l), gemm.equals("mma") ? FAST_TOL : 1e-6);
                assertRel("SSM state of block " + l, handed.ssmState(l), jvm.ssmState(l), gemm.equals("mma") ? FAST_TOL : 1e-5);
            }
            for (int t = n; t < ids.length; t++) {
                assertClose(ref, t * V, m.step(ids[t], handed), tol, "decode step at " + t + " after the device prefill");
            }
        }
    }

    /** A JVM decode state holding {@code packed} (PackedStates layout: conv (convDim, dConv − 1) per block, then SSM). */
    private static Mamba2Model.State handOver(Mamba2Model m, float[] packed, int position) {
        Mamba2Config c = m.config();
        PackedStates ps = PackedStates.of(MixerWeights.dims(c));
        Mamba2Model.State st = m.newState();
        int cd = c.convDim(), km1 = c.dConv() - 1;
        for (int l = 0; l < c.nLayer(); l++) {
            for (int ch = 0; ch < cd; ch++) {
                for (int k = 0; k < km1; k++) st.convWindow(l)[k * cd + ch] = packed[ps.conv(l) + ch * km1 + k]; // JVM: (dConv − 1, convDim)
            }
            System.arraycopy(packed, ps.ssm(l), st.ssmState(l), 0, ps.ssmSize());
        }
        st.moveTo(position);
        return st;
    }

    private static void assertClose(double[] ref, int off, float[] got, double tol, String what) {
        double max = 0;
        for (int v = 0; v < got.length; v++) {
            double d = Math.abs(got[v] - ref[off + v]);
            max = Double.isNaN(d) ? Double.POSITIVE_INFINITY : Math.max(max, d);
        }
        assertTrue(max <= tol, what + ": max |Δlogit| " + max);
    }

    private static void assertRel(String what, float[] got, float[] want, double tol) {
        double num = 0, den = 0;
        for (int i = 0; i < want.length; i++) {
            num += (double) (got[i] - want[i]) * (got[i] - want[i]);
            den += (double) want[i] * want[i];
        }
        double err = Math.sqrt(num / Math.max(den, 1e-30));
        assertTrue(err <= tol, what + ": relative error " + err);
    }
}
