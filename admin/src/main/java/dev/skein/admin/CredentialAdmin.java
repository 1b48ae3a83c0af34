package dev.skein.admin;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** SCRAM credentials of users (KIP-554). */
public interface CredentialAdmin {
    /** The mechanisms and iteration counts of each user's credentials; an unknown user fails with its name. */
    Results<String, List<ScramCredential>> describe(Collection<String> users);

    /** Every user with SCRAM credentials. */
    CompletableFuture<Map<String, List<ScramCredential>>> describeAll();

    /** Applies the changes; one future per user named. */
    Results<String, Void> alter(Collection<ScramChange> changes);
}
