package dev.skein.admin;

import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Objects;

/**
 * A delegation token (KIP-48): its id and HMAC, which a client presents as SCRAM user name and password
 * (with the {@code tokenauth=true} extension: Skein's {@code SaslCredentials.delegationToken}, or
 * ScramLoginModule's {@code tokenauth=true} option), and what the broker keeps about it.
 *
 * @param tokenId the token's id, the SCRAM user name it authenticates with
 * @param hmac the token's HMAC, the secret; {@link TokenAdmin#renew} and {@link TokenAdmin#expire} name the token by it
 * @param owner the principal the token authenticates as ({@code User:alice})
 * @param requester the principal that created it (Kafka 3.3+, CreateDelegationToken v3; the owner on older
 *     brokers)
 * @param renewers the principals besides the owner that may renew or expire it
 * @param issued when it was created
 * @param expires when it stops authenticating unless renewed
 * @param maxLifetimeEnd the latest {@code expires} a renewal can reach
 */
public record DelegationToken(String tokenId, byte[] hmac, String owner, String requester, List<String> renewers,
                              Instant issued, Instant expires, Instant maxLifetimeEnd) {
    public DelegationToken {
        Objects.requireNonNull(tokenId, "tokenId");
        hmac = hmac.clone();
        renewers = List.copyOf(renewers);
    }

    /** A copy of the HMAC (the record's own stays unchanged). */
    @Override
    public byte[] hmac() {
        return hmac.clone();
    }

    /** The HMAC in Base64, the SCRAM password a client authenticates with. */
    public String hmacBase64() {
        return Base64.getEncoder().encodeToString(hmac);
    }

    /** Everything but the HMAC, which is a credential. */
    @Override
    public String toString() {
        return "DelegationToken[" + tokenId + ", owner " + owner + ", requester " + requester + ", renewers "
                + renewers + ", issued " + issued + ", expires " + expires + ", max " + maxLifetimeEnd + "]";
    }
}
