package dev.skein.admin;

/** Which leader an election picks: the preferred replica, or (unclean) any live replica, risking data loss. */
public enum ElectionType {
    PREFERRED((byte) 0), UNCLEAN((byte) 1);

    private final byte code;

    ElectionType(byte code) {
        this.code = code;
    }

    public byte code() {
        return code;
    }
}
