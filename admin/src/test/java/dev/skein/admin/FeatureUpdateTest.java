package dev.skein.admin;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class FeatureUpdateTest {

    @Test
    void eachTypeCarriesUpdateFeaturesUpgradeTypeCode() {
        assertEquals(1, FeatureUpdate.upgrade(3).type().code());
        assertEquals(2, FeatureUpdate.safeDowngrade(2).type().code());
        assertEquals(3, FeatureUpdate.unsafeDowngrade(1).type().code());
        assertEquals(3, FeatureUpdate.upgrade(3).maxVersionLevel());
    }

    @Test
    void levelZeroRemovesAFeatureSoOnlyADowngradeMayAskForIt() {
        assertThrows(IllegalArgumentException.class, () -> FeatureUpdate.upgrade(0));
        assertEquals(0, FeatureUpdate.safeDowngrade(0).maxVersionLevel());
        assertEquals(0, FeatureUpdate.unsafeDowngrade(0).maxVersionLevel());
    }

    @Test
    void negativeOrOutOfRangeLevelsAndAMissingTypeAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> FeatureUpdate.safeDowngrade(-1));
        assertThrows(IllegalArgumentException.class, () -> FeatureUpdate.upgrade(Short.MAX_VALUE + 1));
        assertThrows(IllegalArgumentException.class, () -> new FeatureUpdate((short) 1, null));
    }
}
