package dev.skein.admin;

/**
 * A change to one finalized feature level (KIP-584): the level to finalize and how it may move. Level 0
 * removes the feature (only as a downgrade). Levels above the cluster's supported range, or a move the
 * type does not allow (a downgrade sent as an upgrade, a downgrade the feature cannot make without
 * losing metadata sent as safe), fail with the broker's {@code INVALID_UPDATE_VERSION}.
 */
public record FeatureUpdate(short maxVersionLevel, Type type) {
    /** How a level may move (UpdateFeatures' UpgradeType). */
    public enum Type {
        /** Only up, or to the level already finalized. */
        UPGRADE((byte) 1),
        /** Down, where the controller knows no metadata is lost by it. */
        SAFE_DOWNGRADE((byte) 2),
        /** Down even where metadata the lower level cannot express is dropped. */
        UNSAFE_DOWNGRADE((byte) 3);

        private final byte code;

        Type(byte code) {
            this.code = code;
        }

        /** The UpgradeType on the wire (UpdateFeatures v1+). */
        public byte code() {
            return code;
        }
    }

    public FeatureUpdate {
        if (type == null) {
            throw new IllegalArgumentException("a feature update needs a type");
        }
        if (maxVersionLevel < 0) {
            throw new IllegalArgumentException("feature level " + maxVersionLevel + " is negative");
        }
        if (maxVersionLevel == 0 && type == Type.UPGRADE) {
            throw new IllegalArgumentException("level 0 removes a feature: a downgrade, not an upgrade");
        }
    }

    public static FeatureUpdate upgrade(int level) {
        return new FeatureUpdate(level(level), Type.UPGRADE);
    }

    public static FeatureUpdate safeDowngrade(int level) {
        return new FeatureUpdate(level(level), Type.SAFE_DOWNGRADE);
    }

    public static FeatureUpdate unsafeDowngrade(int level) {
        return new FeatureUpdate(level(level), Type.UNSAFE_DOWNGRADE);
    }

    private static short level(int level) {
        if (level < Short.MIN_VALUE || level > Short.MAX_VALUE) {
            throw new IllegalArgumentException("feature level " + level + " is not an int16");
        }
        return (short) level;
    }
}
