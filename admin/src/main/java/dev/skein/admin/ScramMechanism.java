package dev.skein.admin;

/** The SCRAM mechanisms Kafka supports, with their wire codes. */
public enum ScramMechanism {
    SCRAM_SHA_256((byte) 1, "PBKDF2WithHmacSHA256", 256),
    SCRAM_SHA_512((byte) 2, "PBKDF2WithHmacSHA512", 512);

    private final byte code;
    private final String pbkdf2;
    private final int keyBits;

    ScramMechanism(byte code, String pbkdf2, int keyBits) {
        this.code = code;
        this.pbkdf2 = pbkdf2;
        this.keyBits = keyBits;
    }

    public byte code() {
        return code;
    }

    /** The JDK algorithm computing SCRAM's Hi() for this hash (PBKDF2 with one output block). */
    public String pbkdf2Algorithm() {
        return pbkdf2;
    }

    public int keyBits() {
        return keyBits;
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
