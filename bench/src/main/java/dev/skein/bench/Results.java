package dev.skein.bench;

import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reading the children's JSON lines back, and the figures the comparisons' tables print. */
final class Results {
    private Results() {}

    /** The median of {@code key} over {@code jsonLines}; of an even count, the mean of the middle two. */
    static double median(List<String> jsonLines, String key) {
        double[] values = jsonLines.stream().mapToDouble(json -> number(json, key)).sorted().toArray();
        int mid = values.length / 2;
        return values.length % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
    }

    static double max(List<String> jsonLines, String key) {
        return jsonLines.stream().mapToDouble(json -> number(json, key)).max().orElseThrow();
    }

    /** The number {@code key} holds in one flat JSON line; a line without it is an error. */
    static double number(String json, String key) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(key) + "\":(-?[0-9.]+)").matcher(json);
        if (!m.find()) {
            throw new IllegalStateException("no " + key + " in " + json);
        }
        return Double.parseDouble(m.group(1));
    }

    /** "1.52x ✓" or "1.52x ✗". */
    static String verdict(double ratio, boolean met) {
        return String.format(Locale.ROOT, "%.2fx %s", ratio, met ? "✓" : "✗");
    }

    static String mark(boolean met) {
        return met ? "✓" : "✗";
    }

    /** 100 B, 1 KiB. */
    static String bytes(int n) {
        return n >= 1024 && n % 1024 == 0 ? n / 1024 + " KiB" : n + " B";
    }
}
