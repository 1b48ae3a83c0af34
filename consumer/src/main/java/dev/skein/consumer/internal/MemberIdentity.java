package dev.skein.consumer.internal;

/** Who commits: the group generation and member id, or -1 and "" for a consumer that only assigns. */
record MemberIdentity(int generation, String memberId) {
    static final MemberIdentity NONE = new MemberIdentity(-1, "");
}
