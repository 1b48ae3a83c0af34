package dev.skein.admin;

/** A group as a listing shows it; {@code protocolType} is "consumer" for consumer groups, "" for simple ones. */
public record GroupListing(String groupId, GroupType type, String protocolType, String state) {}
