package dev.skein.core;

/** A broker as cluster metadata describes it. {@code rack} may be null. */
public record Node(int id, String host, int port, String rack) {
    /** {@code host:port}. */
    public String address() {
        return host + ":" + port;
    }

    @Override
    public String toString() {
        return "broker " + id + " (" + address() + (rack == null ? "" : ", rack " + rack) + ")";
    }
}
