package dev.skein.consumer;

/** How a share-group member settles a record it acquired (KIP-932). */
public enum AcknowledgeType {
    /** Processed: the record is done for the group. */
    ACCEPT((byte) 1),
    /** Not processed here: the record goes back, to be delivered again (its delivery count grows). */
    RELEASE((byte) 2),
    /** Unprocessable: the record is archived and never delivered again. */
    REJECT((byte) 3);

    private final byte code;

    AcknowledgeType(byte code) {
        this.code = code;
    }

    /** The protocol's code (ShareFetch and ShareAcknowledge). */
    public byte code() {
        return code;
    }
}
