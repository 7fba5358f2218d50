package dev.slb.local.kube;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.BitSet;

/**
 * Hands out loopback addresses from one /24 of 127.0.0.0/8 (which Linux routes to lo as a
 * whole, with no setup), the way a cluster hands out pod IPs and load-balancer addresses.
 */
public final class AddressPool {

    private final int a;
    private final int b;
    private final int c;
    private final int first;
    private final int last;
    private final BitSet used = new BitSet(256);

    /** Addresses {@code 127.b.c.first} to {@code 127.b.c.last}. */
    public AddressPool(int b, int c, int first, int last) {
        if (first < 1 || last > 254 || first > last) {
            throw new IllegalArgumentException("host part must lie in 1..254, first <= last");
        }
        this.a = 127;
        this.b = b;
        this.c = c;
        this.first = first;
        this.last = last;
    }

    /** The lowest free address; fails when all are taken. */
    public synchronized InetAddress take() {
        int host = used.nextClearBit(first);
        if (host > last) {
            throw new IllegalStateException("no free address left in 127." + b + "." + c + "." + first + "-" + last);
        }
        used.set(host);
        return address(host);
    }

    public synchronized void release(InetAddress address) {
        byte[] bytes = address.getAddress();
        if (bytes.length == 4 && (bytes[0] & 0xff) == a && (bytes[1] & 0xff) == b && (bytes[2] & 0xff) == c) {
            used.clear(bytes[3] & 0xff);
        }
    }

    private InetAddress address(int host) {
        try {
            return InetAddress.getByAddress(new byte[] {(byte) a, (byte) b, (byte) c, (byte) host});
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
