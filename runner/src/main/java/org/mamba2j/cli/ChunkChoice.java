package org.mamba2j.cli;

import org.mamba2j.ssd.SsdBackend;
import org.mamba2j.ssd.SsdShape;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * The --chunk option: a chunk size that runs as given, or {@code auto}, the device's preferred one
 * (its device config's {@code chunkSize}; the workload's own chunk size where it has none).
 */
record ChunkChoice(int size) {

    static final String AUTO_NAME = "auto";
    static final ChunkChoice AUTO = new ChunkChoice(0);
    static final String HELP = "chunk size Q, or 'auto' for the device config's preferred one";

    boolean isAuto() {
        return size == 0;
    }

    /** The shape that runs on {@code backend}: {@code shape} at this chunk size, or at the backend's preference. */
    SsdShape apply(SsdShape shape, SsdBackend backend) {
        return shape.withChunkSize(isAuto() ? backend.preferredChunkSize(shape.chunkSize()) : size);
    }

    @Override
    public String toString() {
        return isAuto() ? AUTO_NAME : Integer.toString(size);
    }

    static final class Converter implements ITypeConverter<ChunkChoice> {
        @Override
        public ChunkChoice convert(String value) {
            if (value.equals(AUTO_NAME)) return AUTO;
            try {
                int q = Integer.parseInt(value);
                if (q > 0) return new ChunkChoice(q);
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new TypeConversionException("'" + value + "' is not a positive chunk size or '" + AUTO_NAME + "'");
        }
    }
}
