package dev.slb.model;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/**
 * One block of client addresses, IPv4 or IPv6, as an access list names it ({@code 10.0.0.0/8},
 * {@code 2001:db8::/32}, or a single address): its first and last address as unsigned 128-bit
 * numbers, IPv4 in the low 32 bits. An IPv4-mapped IPv6 block ({@code ::ffff:10.0.0.0/104}) is the
 * IPv4 block it maps, since a dual-stack socket can show an IPv4 client either way.
 *
 * @param ipv4      true for an IPv4 block
 * @param firstHigh the first address's upper 64 bits (0 for IPv4)
 * @param firstLow  the first address's lower 64 bits
 * @param lastHigh  the last address's upper 64 bits (0 for IPv4)
 * @param lastLow   the last address's lower 64 bits
 */
public record Cidr(boolean ipv4, long firstHigh, long firstLow, long lastHigh, long lastLow) {
    /** The longest text an entry can be: a full IPv6 address with an embedded IPv4 and /128. */
    public static final int MAX_LENGTH = 49;

    private static final Pattern IPV4 =
            Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    private static final Pattern IPV6_CHARS = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

    /**
     * Reads {@code address} or {@code address/prefix}. Host bits below the prefix are ignored
     * ({@code 10.1.2.3/8} is {@code 10.0.0.0/8}), as route tables and firewalls read them.
     *
     * @throws IllegalArgumentException with a message that says what a valid entry looks like
     */
    public static Cidr parse(String text) {
        if (text == null || text.isEmpty() || text.length() > MAX_LENGTH) {
            throw invalid(text);
        }
        int slash = text.indexOf('/');
        String address = slash < 0 ? text : text.substring(0, slash);
        byte[] bytes = literal(address);
        if (bytes == null) {
            throw invalid(text);
        }
        int bits = bytes.length * 8;
        int prefix = bits;
        if (slash >= 0) {
            String p = text.substring(slash + 1);
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit)) {
                throw invalid(text);
            }
            prefix = Integer.parseInt(p);
            if (prefix > bits) {
                throw new IllegalArgumentException("'" + text + "': the prefix length is at most " + bits + " for an "
                        + (bits == 32 ? "IPv4" : "IPv6") + " address");
            }
        }
        if (bits == 128 && isMappedIpv4(bytes)) {
            if (prefix < 96) {
                throw new IllegalArgumentException("'" + text + "' is an IPv4-mapped IPv6 block: give a prefix of 96"
                        + " or more, or write it as IPv4 (prefix minus 96)");
            }
            byte[] v4 = {bytes[12], bytes[13], bytes[14], bytes[15]};
            return ofBytes(v4, prefix - 96);
        }
        return ofBytes(bytes, prefix);
    }

    /** True when {@code text} is an entry {@link #parse} takes. */
    public static boolean isValid(String text) {
        try {
            parse(text);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** True for the 16 bytes of an IPv4-mapped IPv6 address, {@code ::ffff:a.b.c.d}. */
    public static boolean isMappedIpv4(byte[] bytes) {
        if (bytes.length != 16) {
            return false;
        }
        for (int i = 0; i < 10; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return bytes[10] == (byte) 0xff && bytes[11] == (byte) 0xff;
    }

    /**
     * The bytes of an IP literal, or null when {@code text} is not one. The JDK reads the literal:
     * a string it takes as IPv4 is checked here first, and one with a colon is only ever read as an
     * IPv6 literal, so no text can start a DNS lookup.
     */
    private static byte[] literal(String text) {
        if (IPV4.matcher(text).matches()) {
            return parseLiteral(text, 4);
        }
        if (IPV6_CHARS.matcher(text).matches()) {
            return parseLiteral(text, 16);
        }
        return null;
    }

    private static byte[] parseLiteral(String text, int length) {
        try {
            InetAddress a = InetAddress.getByName(text);
            byte[] bytes = a.getAddress();
            if (length == 16 && bytes.length == 4) {
                // The JDK turns ::ffff:a.b.c.d into an IPv4 address; keep it as written, mapped.
                byte[] mapped = new byte[16];
                mapped[10] = (byte) 0xff;
                mapped[11] = (byte) 0xff;
                System.arraycopy(bytes, 0, mapped, 12, 4);
                return mapped;
            }
            return a instanceof Inet6Address || bytes.length == length ? bytes : null;
        } catch (UnknownHostException e) {
            return null;
        }
    }

    private static Cidr ofBytes(byte[] bytes, int prefix) {
        if (bytes.length == 4) {
            long value = ((bytes[0] & 0xffL) << 24)
                    | ((bytes[1] & 0xffL) << 16)
                    | ((bytes[2] & 0xffL) << 8)
                    | (bytes[3] & 0xffL);
            long hostMask = prefix == 0 ? 0xffff_ffffL : (1L << (32 - prefix)) - 1;
            long first = value & ~hostMask & 0xffff_ffffL;
            return new Cidr(true, 0, first, 0, first | hostMask);
        }
        long high = 0;
        long low = 0;
        for (int i = 0; i < 8; i++) {
            high = (high << 8) | (bytes[i] & 0xffL);
            low = (low << 8) | (bytes[i + 8] & 0xffL);
        }
        long highHost = prefix >= 64 ? 0 : (prefix == 0 ? -1L : -1L >>> prefix);
        long lowHost = prefix >= 128 ? 0 : (prefix <= 64 ? -1L : -1L >>> (prefix - 64));
        return new Cidr(false, high & ~highHost, low & ~lowHost, high | highHost, low | lowHost);
    }

    private static IllegalArgumentException invalid(String text) {
        return new IllegalArgumentException(
                "'" + text + "' is not an IP address or CIDR block (write e.g. 203.0.113.0/24,"
                        + " 198.51.100.7 or 2001:db8::/32)");
    }
}
