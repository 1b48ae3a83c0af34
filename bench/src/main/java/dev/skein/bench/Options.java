package dev.skein.bench;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/** A comparison's command line: {@code --name value} pairs over its defaults. */
final class Options {
    private Options() {}

    /**
     * @return {@code defaults} with each {@code --name value} of {@code args} in place of its default
     * @throws IllegalArgumentException for a name not among the defaults, or a name without a value
     */
    static Map<String, String> parse(String program, Map<String, String> defaults, String[] args) {
        Map<String, String> o = new HashMap<>(defaults);
        for (int i = 0; i < args.length; i += 2) {
            String name = args[i].startsWith("--") ? args[i].substring(2) : args[i];
            if (!defaults.containsKey(name) || i + 1 == args.length) {
                throw new IllegalArgumentException("usage: " + program + " [--name value]..., names and defaults: "
                        + new TreeMap<>(defaults) + "; got " + String.join(" ", args));
            }
            o.put(name, args[i + 1]);
        }
        return o;
    }
}
