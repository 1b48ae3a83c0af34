package dev.skein.core;

/**
 * Who a consumer is in its group right now: what a transactional producer sends with the consumed
 * offsets so the coordinator can fence a zombie member (KIP-447). Lives in core because both the
 * consumer (which reports it) and the producer (which sends it) use it.
 *
 * @param groupId         the group
 * @param generationId    the generation this member joined, or -1 when it is not in the group
 * @param memberId        the member id the coordinator gave it, or "" when it is not in the group
 * @param groupInstanceId the static member id ({@code group.instance.id}), or null
 */
public record ConsumerGroupMetadata(String groupId, int generationId, String memberId, String groupInstanceId) {}
