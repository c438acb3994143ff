package org.mamba2j.cli;

import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;

/**
 * Turns an exception escaping a command into one line on stderr and an exit code; the stack trace
 * only with --verbose (or MAMBA2_VERBOSE=1).
 */
final class Failures implements CommandLine.IExecutionExceptionHandler {

    @Override
    public int handleExecutionException(Exception ex, CommandLine cl, CommandLine.ParseResult parsed) {
        report(ex, message(ex), parsed, cl.getErr());
        return exitCode(ex);
    }

    /**
     * An {@link Error} escaping a command (TornadoVM reports a kernel it cannot compile as one, which picocli's
     * exception handler does not see): one line as for exceptions, exit code {@link Mamba2#INTERNAL}.
     */
    static int handleError(Error error, CommandLine.ParseResult parsed, PrintWriter err) {
        report(error, errorLine(error), parsed, err);
        return Mamba2.INTERNAL;
    }

    /** "mamba2: error: line" on err, then the stack trace with --verbose (or MAMBA2_VERBOSE=1). */
    private static void report(Throwable failure, String line, CommandLine.ParseResult parsed, PrintWriter err) {
        err.println("mamba2: error: " + line);
        if (parsed.hasMatchedOption("--verbose") || "1".equals(System.getenv("MAMBA2_VERBOSE"))) failure.printStackTrace(err);
    }

    /** The error's name and, where it wraps others, the innermost cause: "TornadoInternalError (RuntimeException: Unimplemented)". */
    static String errorLine(Error error) {
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        String line = error.getClass().getSimpleName();
        if (root != error) return line + " (" + root.getClass().getSimpleName() + ": " + message(root) + ")";
        return error.getMessage() == null ? line : line + ": " + message(error);
    }

    static int exitCode(Throwable ex) {
        if (ex instanceof DeviceUnavailableException) return Mamba2.DEVICE_UNAVAILABLE;
        if (ex instanceof IOException || ex instanceof IllegalArgumentException) return Mamba2.BAD_INPUT;
        return Mamba2.INTERNAL;
    }

    static String message(Throwable ex) {
        if (ex instanceof NoSuchFileException nf) return "no such file: " + nf.getFile();
        String m = ex.getMessage();
        if (m == null || m.isBlank()) m = ex.getClass().getSimpleName();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
