package dev.skein.core.message;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The generator's table of every struct's fields and their versions (message-fields.tsv). */
final class MessageFields {
    record Field(String name, String type, int[] versions, int[] nullable, int[] tagged, boolean ignorable) {
        boolean array() {
            return type.startsWith("[]");
        }

        String elementType() {
            return array() ? type.substring(2) : type;
        }

        boolean in(int[] range, int v) {
            return v >= range[0] && v <= range[1];
        }

        boolean presentAt(int v) {
            return in(versions, v);
        }

        boolean nullableAt(int v) {
            return in(nullable, v);
        }

        String setter() {
            String n = name.endsWith("_") ? name.substring(0, name.length() - 1) : name;
            return "set" + Character.toUpperCase(n.charAt(0)) + n.substring(1);
        }
    }

    static final Map<String, List<Field>> BY_CLASS = load();

    private MessageFields() {}

    private static Map<String, List<Field>> load() {
        Map<String, List<Field>> map = new LinkedHashMap<>();
        try (InputStream in = MessageFields.class.getResourceAsStream("/message-fields.tsv")) {
            if (in == null) {
                throw new IllegalStateException("message-fields.tsv missing from the test classpath");
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith("#") || line.isBlank()) {
                    continue;
                }
                String[] p = line.split("\t");
                map.computeIfAbsent(p[0], k -> new ArrayList<>())
                        .add(new Field(p[1], p[2], range(p[3]), range(p[4]), range(p[5]), Boolean.parseBoolean(p[6])));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return map;
    }

    private static int[] range(String s) {
        if (s.equals("none")) {
            return new int[] {1, 0};
        }
        if (s.endsWith("+")) {
            return new int[] {Integer.parseInt(s.substring(0, s.length() - 1)), Short.MAX_VALUE};
        }
        int dash = s.indexOf('-');
        if (dash > 0) {
            return new int[] {Integer.parseInt(s.substring(0, dash)), Integer.parseInt(s.substring(dash + 1))};
        }
        int v = Integer.parseInt(s);
        return new int[] {v, v};
    }
}
