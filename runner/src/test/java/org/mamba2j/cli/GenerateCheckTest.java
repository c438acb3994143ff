package org.mamba2j.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mamba2j.model.BatchDecoder;
import org.mamba2j.model.Decoder;
import org.mamba2j.model.JvmBatchDecoder;
import org.mamba2j.model.JvmDecoder;
import org.mamba2j.model.Mamba2Model;
import org.mamba2j.model.ModelInit;
import org.mamba2j.model.WeightType;

import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The generate workloads check a decode step, not only the prompt: a decoder whose prompt logits are right and whose
 * step is off (as a step whose kernels failed to launch, or whose states came back wrong) is reported wrong, one
 * sequence at a time and in a batch.
 */
class GenerateCheckTest {

    @Test
    void aWrongDecodeStepAfterARightPromptIsReportedWrong(@TempDir Path dir) throws IOException {
        ModelInit.write(ModelInit.Preset.M130, dir, WeightType.BF16, 1);
        Workload.Generate w = new Workload.Generate("generate-130m", ModelInit.Preset.M130, WeightType.BF16);
        try (Mamba2Model m = Mamba2Model.load(dir); Decoder jvm = new JvmDecoder(m); Decoder right = new JvmDecoder(m);
             Decoder offByOne = new JvmDecoder(m)) {
            double[] ref = w.reference(jvm);
            assertEquals("ok", w.measure("jvm", right, ref, 0, 1).status());
            Decoder wrongStep = new Decoder() {
                @Override
                public float[] prefill(int[] prompt) {
                    return offByOne.prefill(prompt);
                }

                @Override
                public float[] step(int token) {
                    return plusOne(offByOne.step(token));
                }

                @Override
                public int vocab() {
                    return offByOne.vocab();
                }

                @Override
                public String deviceName() {
                    return "a step off by one";
                }
            };
            assertEquals("wrong", w.measure("jvm", wrongStep, ref, 0, 1).status());
        }
    }

    @Test
    void aWrongBatchStepAfterRightPromptsIsReportedWrong(@TempDir Path dir) throws IOException {
        ModelInit.write(ModelInit.Preset.M130, dir, WeightType.BF16, 1);
        Workload.BatchGenerate w = new Workload.BatchGenerate("generate-130m-b2", ModelInit.Preset.M130, WeightType.BF16, 2);
        try (Mamba2Model m = Mamba2Model.load(dir); Decoder jvm = new JvmDecoder(m); BatchDecoder right = new JvmBatchDecoder(m, 2);
             BatchDecoder offByOne = new JvmBatchDecoder(m, 2)) {
            double[] ref = w.reference(jvm);
            assertEquals("ok", w.measure("jvm", right, ref, 0, 1).status());
            BatchDecoder wrongStep = new BatchDecoder() {
                @Override
                public int capacity() {
                    return offByOne.capacity();
                }

                @Override
                public float[] prefill(int slot, int[] prompt) {
                    return offByOne.prefill(slot, prompt);
                }

                @Override
                public void step(int[] tokens, boolean[] active) {
                    offByOne.step(tokens, active);
                }

                @Override
                public float[] logits(int slot) {
                    return plusOne(offByOne.logits(slot));
                }

                @Override
                public int vocab() {
                    return offByOne.vocab();
                }

                @Override
                public String deviceName() {
                    return "a step off by one";
                }
            };
            assertEquals("wrong", w.measure("jvm", wrongStep, ref, 0, 1).status());
        }
    }

    /** A copy of the logits, each one more: the greedy pick stays, the check must not. */
    private static float[] plusOne(float[] logits) {
        float[] l = logits.clone();
        for (int i = 0; i < l.length; i++) l[i] += 1f;
        return l;
    }
}
