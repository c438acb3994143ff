package org.mamba2j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/** The mamba2 command line: one subcommand per job. */
@Command(name = "mamba2", mixinStandardHelpOptions = true, versionProvider = Mamba2.Version.class,
        description = "Mamba-2 inference and SSD kernels on the JVM and on TornadoVM devices.",
        subcommands = {DevicesCommand.class, SsdCommand.class, GenerateCommand.class, InitCommand.class, ConvertCommand.class, BenchCommand.class, CommandLine.HelpCommand.class,
                picocli.AutoComplete.GenerateCompletion.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
                "0:success",
                "1:a check failed (results outside tolerance)",
                "2:bad command line",
                "3:device unavailable (unknown spec, TornadoVM not installed)",
                "4:bad input file (missing, malformed)",
                "5:internal error"})
public final class Mamba2 {

    public static final int CHECK_FAILED = 1;
    public static final int USAGE = 2;
    public static final int DEVICE_UNAVAILABLE = 3;
    public static final int BAD_INPUT = 4;
    public static final int INTERNAL = 5;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Mamba2());
        cl.setParameterExceptionHandler((ex, argv) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println("mamba2: " + ex.getMessage() + " (see '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help')");
            return USAGE;
        });
        cl.setExecutionExceptionHandler(new Failures());
        cl.setExecutionStrategy(parsed -> {
            try {
                return new CommandLine.RunLast().execute(parsed);
            } catch (Error error) {
                return Failures.handleError(error, parsed, cl.getErr());
            }
        });
        return cl;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Mamba2.class.getPackage().getImplementationVersion();
            return new String[]{"mamba2 " + (v == null ? "dev" : v) + " (Java " + Runtime.version() + ")"};
        }
    }
}
