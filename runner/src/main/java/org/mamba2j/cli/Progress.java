package org.mamba2j.cli;

import java.io.PrintStream;

/**
 * Progress for long runs (loading, JIT warm-up, benchmarks): a self-overwriting line on stderr
 * when it is a terminal, nothing when piped or with --quiet.
 */
final class Progress implements AutoCloseable {

    private final PrintStream err;
    private final boolean enabled;
    private int lastWidth;

    private Progress(PrintStream err, boolean enabled) {
        this.err = err;
        this.enabled = enabled;
    }

    static Progress forTerminal(boolean quiet) {
        // System.console() is non-null only when both stdin and stdout are terminals (or, since JDK 22,
        // when the console is interactive); isTerminal() tells them apart.
        var console = System.console();
        boolean tty = console != null && console.isTerminal();
        return new Progress(System.err, tty && !quiet && System.getenv("CI") == null);
    }

    static Progress silent() {
        return new Progress(System.err, false);
    }

    void update(String message) {
        if (!enabled) return;
        String line = message.length() > 100 ? message.substring(0, 100) : message;
        err.print("\r" + line + " ".repeat(Math.max(0, lastWidth - line.length())));
        err.flush();
        lastWidth = line.length();
    }

    @Override
    public void close() {
        if (enabled && lastWidth > 0) {
            err.print("\r" + " ".repeat(lastWidth) + "\r");
            err.flush();
        }
        lastWidth = 0;
    }
}
