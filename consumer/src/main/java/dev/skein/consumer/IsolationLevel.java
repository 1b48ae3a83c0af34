package dev.skein.consumer;

/** Which records of transactional producers a consumer sees. */
public enum IsolationLevel {
    /** Everything written, including records of open and aborted transactions. */
    READ_UNCOMMITTED((byte) 0),
    /** Only committed records, and only up to the last stable offset. */
    READ_COMMITTED((byte) 1);

    private final byte wire;

    IsolationLevel(byte wire) {
        this.wire = wire;
    }

    public byte wire() {
        return wire;
    }
}
