package dev.skein.admin;

import java.util.UUID;

/** A topic as a listing shows it. */
public record TopicListing(String name, UUID topicId, boolean internal) {}
