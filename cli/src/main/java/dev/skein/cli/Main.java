package dev.skein.cli;

/** {@code java -jar skein-cli.jar ...}: runs one command and exits with its status. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.exit(Cli.run(args, System.in, System.out, System.err));
    }
}
