package dev.skein.admin;

import dev.skein.core.internal.security.Scram;

/** The SCRAM mechanisms Kafka supports, with their wire codes. */
public enum ScramMechanism {
    SCRAM_SHA_256((byte) 1, Scram.SHA_256),
    SCRAM_SHA_512((byte) 2, Scram.SHA_512);

    private final byte code;
    private final Scram scram;

    ScramMechanism(byte code, Scram scram) {
        this.code = code;
        this.scram = scram;
    }

    public byte code() {
        return code;
    }

    /** The hash functions (Hi, HMAC, H) the client's SCRAM exchange uses too. */
    Scram scram() {
        return scram;
    }

    public static ScramMechanism forCode(byte code) {
        for (ScramMechanism m : values()) {
            if (m.code == code) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown SCRAM mechanism " + code);
    }
}
