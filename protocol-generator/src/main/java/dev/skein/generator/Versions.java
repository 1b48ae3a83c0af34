package dev.skein.generator;

/**
 * A closed range of protocol versions as the schemas write it: {@code "3"}, {@code "0-5"},
 * {@code "9+"} or {@code "none"}.
 */
record Versions(int low, int high) {
    static final int MAX = Short.MAX_VALUE;
    static final Versions NONE = new Versions(1, 0);
    static final Versions ALL = new Versions(0, MAX);

    static Versions parse(String text) {
        if (text == null) {
            return null;
        }
        String t = text.trim();
        if (t.equals("none")) {
            return NONE;
        }
        if (t.endsWith("+")) {
            return new Versions(Integer.parseInt(t.substring(0, t.length() - 1)), MAX);
        }
        int dash = t.indexOf('-');
        if (dash > 0) {
            return new Versions(Integer.parseInt(t.substring(0, dash)), Integer.parseInt(t.substring(dash + 1)));
        }
        int v = Integer.parseInt(t);
        return new Versions(v, v);
    }

    boolean isEmpty() {
        return low > high;
    }

    boolean contains(int v) {
        return v >= low && v <= high;
    }

    Versions intersect(Versions o) {
        Versions r = new Versions(Math.max(low, o.low), Math.min(high, o.high));
        return r.isEmpty() ? NONE : r;
    }

    /** True when this range holds every version of {@code within}. */
    boolean covers(Versions within) {
        return within.isEmpty() || (low <= within.low && high >= within.high);
    }

    /** A Java condition on {@code version} that is true inside this range, given the message's valid range. */
    String condition(Versions valid) {
        if (isEmpty() || intersect(valid).isEmpty()) {
            return "false";
        }
        if (covers(valid)) {
            return "true";
        }
        boolean needLow = low > valid.low;
        boolean needHigh = high < valid.high;
        if (needLow && needHigh) {
            return low == high ? "version == " + low : "version >= " + low + " && version <= " + high;
        }
        return needLow ? "version >= " + low : "version <= " + high;
    }

    @Override
    public String toString() {
        if (isEmpty()) {
            return "none";
        }
        return high == MAX ? low + "+" : (low == high ? Integer.toString(low) : low + "-" + high);
    }
}
