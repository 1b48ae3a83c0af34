package dev.skein.admin;

/** What the cluster tells about a user's SCRAM credential: its mechanism and iteration count. */
public record ScramCredential(ScramMechanism mechanism, int iterations) {}
