package dev.skein.core.internal.config;

import dev.skein.core.errors.ConfigException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Parses property values (strings or already-typed objects) into typed values, naming the key on error. */
public final class ConfigValues {
    private ConfigValues() {}

    public static String string(String key, Object value) {
        if (value == null) {
            throw new ConfigException(key, "must not be null");
        }
        return value.toString().trim();
    }

    public static long longValue(String key, Object value, long min, long max) {
        long v;
        if (value instanceof Number n) {
            v = n.longValue();
        } else {
            try {
                v = Long.parseLong(string(key, value));
            } catch (NumberFormatException e) {
                throw new ConfigException(key, "expected an integer, got '" + value + "'");
            }
        }
        if (v < min || v > max) {
            throw new ConfigException(key, "must be in [" + min + ", " + max + "], was " + v);
        }
        return v;
    }

    /** A decimal number in [{@code min}, {@code max}], such as {@code sasl.login.refresh.window.factor}. */
    public static double doubleValue(String key, Object value, double min, double max) {
        double v;
        if (value instanceof Number n) {
            v = n.doubleValue();
        } else {
            try {
                v = Double.parseDouble(string(key, value));
            } catch (NumberFormatException e) {
                throw new ConfigException(key, "expected a number, got '" + value + "'");
            }
        }
        if (!(v >= min && v <= max)) {
            throw new ConfigException(key, "must be in [" + min + ", " + max + "], was " + v);
        }
        return v;
    }

    public static int intValue(String key, Object value, int min, int max) {
        return (int) longValue(key, value, min, max);
    }

    public static Duration millis(String key, Object value, long minMillis) {
        if (value instanceof Duration d) {
            if (d.toMillis() < minMillis) {
                throw new ConfigException(key, "must be at least " + minMillis + " ms, was " + d);
            }
            return d;
        }
        return Duration.ofMillis(longValue(key, value, minMillis, Long.MAX_VALUE));
    }

    public static boolean bool(String key, Object value) {
        if (value instanceof Boolean b) {
            return b;
        }
        String s = string(key, value).toLowerCase();
        return switch (s) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new ConfigException(key, "expected true or false, got '" + value + "'");
        };
    }

    /** A comma-separated list (or a List), blanks dropped. */
    public static List<String> list(String key, Object value) {
        List<String> out = new ArrayList<>();
        if (value instanceof List<?> l) {
            for (Object o : l) {
                out.add(string(key, o));
            }
        } else {
            for (String part : string(key, value).split(",")) {
                if (!part.isBlank()) {
                    out.add(part.trim());
                }
            }
        }
        return out;
    }

    /** One of {@code accepted}, case-insensitive; returns the accepted spelling. */
    public static String oneOf(String key, Object value, String... accepted) {
        String s = string(key, value);
        for (String a : accepted) {
            if (a.equalsIgnoreCase(s)) {
                return a;
            }
        }
        throw new ConfigException(key, "'" + s + "' is not one of " + String.join(", ", accepted));
    }
}
