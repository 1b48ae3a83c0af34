package dev.skein.admin;

import java.util.EnumSet;
import java.util.Set;

/** An operation an ACL allows or denies, with its wire code. */
public enum AclOperation {
    UNKNOWN(0), ANY(1), ALL(2), READ(3), WRITE(4), CREATE(5), DELETE(6), ALTER(7), DESCRIBE(8), CLUSTER_ACTION(9),
    DESCRIBE_CONFIGS(10), ALTER_CONFIGS(11), IDEMPOTENT_WRITE(12), CREATE_TOKENS(13), DESCRIBE_TOKENS(14),
    TWO_PHASE_COMMIT(15);

    private final byte code;

    AclOperation(int code) {
        this.code = (byte) code;
    }

    public byte code() {
        return code;
    }

    public static AclOperation forCode(byte code) {
        for (AclOperation op : values()) {
            if (op.code == code) {
                return op;
            }
        }
        return UNKNOWN;
    }

    /** The operations in a broker's bit field ({@code Integer.MIN_VALUE}: not reported, an empty set). */
    public static Set<AclOperation> fromBits(int bits) {
        Set<AclOperation> out = EnumSet.noneOf(AclOperation.class);
        if (bits == Integer.MIN_VALUE) {
            return out;
        }
        for (AclOperation op : values()) {
            if (op.code < 32 && (bits & (1 << op.code)) != 0) {
                out.add(op);
            }
        }
        return out;
    }
}
