package dev.skein.serdes.internal;

import dev.skein.core.errors.ConfigException;

import java.util.Locale;

/** Reads a configuration value given as a string or as the typed value, naming the key on error. */
public final class ConfigValue {
    private ConfigValue() {}

    public static String string(String key, Object value) {
        if (value == null) {
            throw new ConfigException(key, "must not be null");
        }
        return value.toString().trim();
    }

    public static boolean bool(String key, Object value) {
        if (value instanceof Boolean b) {
            return b;
        }
        String s = string(key, value).toLowerCase(Locale.ROOT);
        if (!s.equals("true") && !s.equals("false")) {
            throw new ConfigException(key, "must be true or false, was " + value);
        }
        return s.equals("true");
    }

    public static long number(String key, Object value, long min, long max) {
        long v;
        if (value instanceof Number n) {
            v = n.longValue();
        } else {
            try {
                v = Long.parseLong(string(key, value));
            } catch (NumberFormatException e) {
                throw new ConfigException(key, "must be a whole number, was " + value);
            }
        }
        if (v < min || v > max) {
            throw new ConfigException(key, "must be between " + min + " and " + max + ", was " + v);
        }
        return v;
    }

    public static String oneOf(String key, Object value, String... accepted) {
        String s = string(key, value);
        for (String a : accepted) {
            if (a.equalsIgnoreCase(s)) {
                return a;
            }
        }
        throw new ConfigException(key, "must be one of " + String.join(", ", accepted) + ", was " + value);
    }
}
