package dev.skein.admin;

/** A transactional id as a listing shows it; {@code state} as the coordinator names it ("Ongoing", "Empty", ...). */
public record TransactionListing(String transactionalId, long producerId, String state) {}
