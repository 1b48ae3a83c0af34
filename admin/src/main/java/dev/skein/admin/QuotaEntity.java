package dev.skein.admin;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Who a client quota applies to: a user, a client id, both, or an IP; a null name is that kind's
 * default (for example every user without a quota of its own).
 */
public record QuotaEntity(Map<String, String> parts) {
    public static final String USER = "user";
    public static final String CLIENT_ID = "client-id";
    public static final String IP = "ip";

    public QuotaEntity {
        Map<String, String> copy = new TreeMap<>(parts); // null values allowed: defaults
        parts = Collections.unmodifiableMap(copy);
    }

    public static QuotaEntity user(String name) {
        return of(USER, name);
    }

    public static QuotaEntity clientId(String id) {
        return of(CLIENT_ID, id);
    }

    public static QuotaEntity userAndClientId(String user, String clientId) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(USER, user);
        m.put(CLIENT_ID, clientId);
        return new QuotaEntity(m);
    }

    public static QuotaEntity ip(String address) {
        return of(IP, address);
    }

    private static QuotaEntity of(String type, String name) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(type, name);
        return new QuotaEntity(m);
    }
}
