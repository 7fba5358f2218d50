package dev.slb.proxy.tls;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/** Just enough DER to find the parts of a private key and rewrap it; not a general ASN.1 codec. */
final class Der {
    private Der() {}

    static final int INTEGER = 0x02;
    static final int OCTET_STRING = 0x04;
    static final int OID = 0x06;
    static final int SEQUENCE = 0x30;

    /**
     * One element: its tag, where the element begins ({@code offset}), where its content begins
     * ({@code start}) and where it ends ({@code end}, exclusive).
     */
    record Tlv(int tag, int offset, int start, int end) {}

    /** The element at {@code at}; {@code expectedTag} -1 accepts any tag. */
    static Tlv read(byte[] der, int at, int expectedTag) {
        if (at + 2 > der.length) {
            throw new IllegalArgumentException("truncated at byte " + at);
        }
        int tag = der[at] & 0xff;
        if (expectedTag != -1 && tag != expectedTag) {
            throw new IllegalArgumentException(
                    String.format("expected tag 0x%02x at byte %d, found 0x%02x", expectedTag, at, tag));
        }
        int first = der[at + 1] & 0xff;
        int start = at + 2;
        long length;
        if (first < 0x80) {
            length = first;
        } else {
            int octets = first & 0x7f;
            if (octets == 0 || octets > 4 || start + octets > der.length) {
                throw new IllegalArgumentException("bad length at byte " + (at + 1));
            }
            length = 0;
            for (int i = 0; i < octets; i++) {
                length = (length << 8) | (der[start + i] & 0xff);
            }
            start += octets;
        }
        if (start + length > der.length) {
            throw new IllegalArgumentException("element at byte " + at + " runs past the end");
        }
        return new Tlv(tag, at, start, (int) (start + length));
    }

    static byte[] content(byte[] der, Tlv tlv) {
        return Arrays.copyOfRange(der, tlv.start(), tlv.end());
    }

    static byte[] encode(int tag, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(content.length + 6);
        out.write(tag);
        int n = content.length;
        if (n < 0x80) {
            out.write(n);
        } else if (n <= 0xff) {
            out.write(0x81);
            out.write(n);
        } else if (n <= 0xffff) {
            out.write(0x82);
            out.write(n >> 8);
            out.write(n);
        } else {
            out.write(0x83);
            out.write(n >> 16);
            out.write(n >> 8);
            out.write(n);
        }
        out.writeBytes(content);
        return out.toByteArray();
    }

    /** Dotted form of an encoded OID, for error messages. */
    static String oidString(byte[] oid) {
        if (oid.length == 0) {
            return "";
        }
        StringBuilder s = new StringBuilder();
        int first = oid[0] & 0xff;
        s.append(Math.min(first / 40, 2)).append('.').append(first - 40 * Math.min(first / 40, 2));
        long value = 0;
        for (int i = 1; i < oid.length; i++) {
            value = (value << 7) | (oid[i] & 0x7f);
            if ((oid[i] & 0x80) == 0) {
                s.append('.').append(value);
                value = 0;
            }
        }
        return s.toString();
    }
}
