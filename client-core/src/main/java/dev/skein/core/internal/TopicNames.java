package dev.skein.core.internal;

import java.util.Collection;

/**
 * The names a Kafka broker accepts for a topic: 1 to 249 of {@code a-z A-Z 0-9 . _ -}, and neither
 * {@code "."} nor {@code ".."}. A broker answers any other name with INVALID_TOPIC_EXCEPTION (or,
 * for a consumer subscribed to it, with nothing at all), so a client checks a name where the caller
 * gives it and fails there, naming it.
 */
public final class TopicNames {
    /** The longest name a broker accepts (255 less room for a partition's directory suffix). */
    public static final int MAX_LENGTH = 249;

    private TopicNames() {}

    /** Null when {@code name} is a legal topic name, else why it is not. */
    public static String problem(String name) {
        if (name == null) {
            return "a topic name is null";
        }
        if (name.isEmpty()) {
            return "a topic name is empty";
        }
        if (name.equals(".") || name.equals("..")) {
            return "\"" + name + "\" is not a legal topic name";
        }
        if (name.length() > MAX_LENGTH) {
            return "topic name \"" + name.substring(0, 20) + "...\" is " + name.length() + " characters long; at most "
                    + MAX_LENGTH + " are allowed";
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-')) {
                return "topic name \"" + name + "\" has '" + c + "' at " + i + "; a topic name has only a-z A-Z 0-9 . _ -";
            }
        }
        return null;
    }

    /**
     * Checks every name of {@code topics}.
     *
     * @param call what was called, for the message, such as {@code "subscribe()"}
     * @throws IllegalArgumentException naming the first illegal name and what is wrong with it
     * @throws NullPointerException     when {@code topics} itself is null
     */
    public static void requireLegal(Collection<String> topics, String call) {
        for (String t : topics) {
            String problem = problem(t);
            if (problem != null) {
                throw new IllegalArgumentException(call + ": " + problem);
            }
        }
    }
}
