package dev.skein.cli;

import java.io.InputStream;
import java.io.PrintStream;

/** The streams a command reads and writes: records on stdout, progress and errors on stderr. */
record Io(InputStream in, PrintStream out, PrintStream err) {}
