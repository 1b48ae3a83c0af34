package dev.skein.generator;

/** A tiny indenting source writer. */
final class CodeWriter {
    private final StringBuilder sb = new StringBuilder();
    private int indent;

    CodeWriter line(String text) {
        if (!text.isEmpty()) {
            sb.append("    ".repeat(indent));
        }
        sb.append(text).append('\n');
        return this;
    }

    CodeWriter line() {
        sb.append('\n');
        return this;
    }

    CodeWriter open(String text) {
        line(text + " {");
        indent++;
        return this;
    }

    CodeWriter close() {
        return close("}");
    }

    CodeWriter close(String text) {
        indent--;
        line(text);
        return this;
    }

    /** Closes a block and opens the next one on the same line: {@code } else {}. */
    CodeWriter reopen(String text) {
        indent--;
        line("} " + text + " {");
        indent++;
        return this;
    }

    @Override
    public String toString() {
        return sb.toString();
    }
}
