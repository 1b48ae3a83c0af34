package dev.skein.consumer.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * What the driver ({@link AbstractMembership}) reads of either membership machine after a step:
 * what happened, when to run it next, and the identity commits carry.
 */
interface MembershipState {
    /** When the machine next has something to do without an answer or a command; {@link #NEVER} for never. */
    long NEVER = Long.MAX_VALUE;

    /** What happened since the last call, oldest first. */
    List<GroupEvent> takeEvents();

    long nextWakeNanos();

    MemberIdentity identity();

    /** Takes everything out of {@code events}, oldest first. */
    static List<GroupEvent> drain(ArrayList<GroupEvent> events) {
        if (events.isEmpty()) {
            return List.of();
        }
        List<GroupEvent> out = List.copyOf(events);
        events.clear();
        return out;
    }
}
