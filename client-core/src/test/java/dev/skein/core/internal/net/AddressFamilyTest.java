package dev.skein.core.internal.net;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** KIP-302: the addresses tried for a host are those of its first address's family, in the resolver's order. */
class AddressFamilyTest {

    @Test
    void keepsTheFirstAddressFamilyInOrder() throws Exception {
        InetAddress v4a = InetAddress.getByName("192.0.2.1");
        InetAddress v6 = InetAddress.getByName("2001:db8::1");
        InetAddress v4b = InetAddress.getByName("192.0.2.2");
        assertEquals(List.of(v4a, v4b), ConnectionManager.sameFamilyAsFirst(new InetAddress[] {v4a, v6, v4b}));
        assertEquals(List.of(v6), ConnectionManager.sameFamilyAsFirst(new InetAddress[] {v6, v4a, v4b}));
    }
}
