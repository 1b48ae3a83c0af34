package dev.skein.admin;

/** The protocol a group runs: classic (JoinGroup/SyncGroup), consumer (KIP-848), share, streams. */
public enum GroupType {
    CLASSIC, CONSUMER, SHARE, STREAMS, UNKNOWN;

    public static GroupType parse(String wire) {
        if (wire == null || wire.isEmpty()) {
            return UNKNOWN;
        }
        try {
            return valueOf(wire.toUpperCase());
        } catch (IllegalArgumentException e) {
            return UNKNOWN;
        }
    }
}
