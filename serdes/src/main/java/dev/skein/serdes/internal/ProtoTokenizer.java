package dev.skein.serdes.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits {@code .proto} source into tokens for {@link ProtoParser}: identifiers and numbers (dotted
 * names and signed exponents kept whole), string literals (kept with double quotes, single-quoted ones
 * too), and single-character symbols; comments of both kinds and whitespace are dropped. Each token's
 * line is kept for error messages.
 */
final class ProtoTokenizer {
    private final List<String> tokens = new ArrayList<>();
    private final List<Integer> lines = new ArrayList<>();

    ProtoTokenizer(String s) {
        int line = 1;
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '\n') {
                line++;
                i++;
            } else if (Character.isWhitespace(c)) {
                i++;
            } else if (s.startsWith("//", i)) {
                while (i < s.length() && s.charAt(i) != '\n') {
                    i++;
                }
            } else if (s.startsWith("/*", i)) {
                int end = s.indexOf("*/", i + 2);
                end = end < 0 ? s.length() : end + 2;
                line += (int) s.substring(i, end).chars().filter(ch -> ch == '\n').count();
                i = end;
            } else if (c == '"' || c == '\'') {
                int j = i + 1;
                while (j < s.length() && s.charAt(j) != c) {
                    j += s.charAt(j) == '\\' ? 2 : 1;
                }
                // single-quoted strings are kept as double-quoted tokens
                tokens.add("\"" + s.substring(i + 1, Math.min(j, s.length())) + "\"");
                lines.add(line);
                i = j + 1;
            } else if (Character.isLetterOrDigit(c) || c == '_' || c == '.') {
                int j = i;
                while (j < s.length() && (Character.isLetterOrDigit(s.charAt(j)) || s.charAt(j) == '_'
                        || s.charAt(j) == '.' || (s.charAt(j) == '-' || s.charAt(j) == '+')
                        && Character.toLowerCase(s.charAt(j - 1)) == 'e' && Character.isDigit(s.charAt(i)))) {
                    j++;
                }
                tokens.add(s.substring(i, j));
                lines.add(line);
                i = j;
            } else {
                tokens.add(String.valueOf(c));
                lines.add(line);
                i++;
            }
        }
    }

    List<String> tokens() {
        return tokens;
    }

    List<Integer> lines() {
        return lines;
    }

    /** Appends the text of a string literal's body, its C-style escapes resolved. */
    static void unescape(String s, StringBuilder out) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\' || i + 1 == s.length()) {
                out.append(c);
                continue;
            }
            char e = s.charAt(++i);
            switch (e) {
                case 'n' -> out.append('\n');
                case 't' -> out.append('\t');
                case 'r' -> out.append('\r');
                case '0', '1', '2', '3', '4', '5', '6', '7' -> {
                    int end = i;
                    while (end < s.length() && end < i + 3 && s.charAt(end) >= '0' && s.charAt(end) <= '7') {
                        end++;
                    }
                    out.append((char) Integer.parseInt(s.substring(i, end), 8));
                    i = end - 1;
                }
                default -> out.append(e);
            }
        }
    }
}
