package dev.skein.admin;

/**
 * How an ACL's resource name matches: exactly ({@code LITERAL}) or as a prefix ({@code PREFIXED}).
 * In filters, {@code ANY} matches both kinds and {@code MATCH} matches every pattern that would apply
 * to the named resource (including wildcards and prefixes).
 */
public enum PatternType {
    UNKNOWN(0), ANY(1), MATCH(2), LITERAL(3), PREFIXED(4);

    private final byte code;

    PatternType(int code) {
        this.code = (byte) code;
    }

    public byte code() {
        return code;
    }

    public static PatternType forCode(byte code) {
        for (PatternType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        return UNKNOWN;
    }
}
