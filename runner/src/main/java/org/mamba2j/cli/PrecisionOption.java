package org.mamba2j.cli;

import org.mamba2j.device.DeviceSpec;
import org.mamba2j.device.Precision;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code --precision exact|fast}, shared by the commands that run kernels: the precision every
 * TornadoVM device runs at unless its spec names one ({@code cuda:0/fast}); by default the device
 * config's. The JVM computes in float32 only.
 */
final class PrecisionOption {

    static final String HELP = "exact (float32) or fast (16-bit operands on tensor cores, float32 accumulation) for TornadoVM devices"
            + " whose spec names none (cuda:0/fast does); default: the device config's";

    @Option(names = "--precision", converter = Converter.class, description = HELP) Precision precision;

    /** {@code device} at this option's precision ({@link DeviceSpec#atPrecision}). */
    String apply(String device) {
        return DeviceSpec.atPrecision(device, precision);
    }

    static final class Converter implements ITypeConverter<Precision> {
        @Override
        public Precision convert(String value) {
            try {
                return Precision.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
