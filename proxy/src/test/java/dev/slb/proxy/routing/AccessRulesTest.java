package dev.slb.proxy.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.model.AccessControl;
import dev.slb.model.Cidr;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AccessRulesTest {
    private static InetAddress ip(String literal) throws Exception {
        return InetAddress.getByName(literal);
    }

    private static AccessRules allow(String... cidrs) {
        return AccessRules.of(new AccessControl(AccessControl.Type.ALLOW, List.of(cidrs)));
    }

    private static AccessRules deny(String... cidrs) {
        return AccessRules.of(new AccessControl(AccessControl.Type.DENY, List.of(cidrs)));
    }

    @Test
    void noControlAndAnEmptyAllowListServeEveryone() throws Exception {
        assertThat(AccessRules.of(null).allows(ip("203.0.113.1"))).isTrue();
        assertThat(allow().allows(ip("203.0.113.1"))).isTrue();
        assertThat(allow().allows(ip("2001:db8::1"))).isTrue();
        assertThat(deny().allows(ip("203.0.113.1"))).isTrue();
    }

    @Test
    void anAllowListServesItsBlocksOnlyAtTheirEdgesToo() throws Exception {
        AccessRules rules = allow("10.0.0.0/8", "192.168.1.0/24", "2001:db8::/32");
        assertThat(rules.allows(ip("10.0.0.0"))).isTrue();
        assertThat(rules.allows(ip("10.255.255.255"))).isTrue();
        assertThat(rules.allows(ip("11.0.0.0"))).isFalse();
        assertThat(rules.allows(ip("9.255.255.255"))).isFalse();
        assertThat(rules.allows(ip("192.168.1.77"))).isTrue();
        assertThat(rules.allows(ip("192.168.2.1"))).isFalse();
        assertThat(rules.allows(ip("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"))).isTrue();
        assertThat(rules.allows(ip("2001:db9::"))).isFalse();
        assertThat(rules.allows(ip("2001:db7:ffff:ffff:ffff:ffff:ffff:ffff"))).isFalse();
        assertThat(rules.allows(ip("::ffff:0a00:0001")))
                .as("IPv4-mapped, read as 10.0.0.1")
                .isTrue();
    }

    @Test
    void aDenyListRefusesItsBlocksAndServesTheRest() throws Exception {
        AccessRules rules = deny("198.51.100.7", "2001:db8::/48", "::ffff:203.0.113.0/120");
        assertThat(rules.allows(ip("198.51.100.7"))).isFalse();
        assertThat(rules.allows(ip("198.51.100.8"))).isTrue();
        assertThat(rules.allows(ip("2001:db8:0:ffff::1"))).isFalse();
        assertThat(rules.allows(ip("2001:db8:1::1"))).isTrue();
        assertThat(rules.allows(ip("203.0.113.200")))
                .as("a mapped entry applies to IPv4 clients")
                .isFalse();
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        mapped[12] = (byte) 198;
        mapped[13] = 51;
        mapped[14] = 100;
        mapped[15] = 7;
        assertThat(rules.allows(Inet6Address.getByAddress(null, mapped, -1)))
                .as("an IPv4 client a dual-stack socket shows as ::ffff:198.51.100.7")
                .isFalse();
    }

    @Test
    void anIpv6BlockDoesNotCoverIpv4ClientsNorTheOtherWayRound() throws Exception {
        assertThat(allow("::/0").allows(ip("10.0.0.1"))).isFalse();
        assertThat(allow("0.0.0.0/0").allows(ip("::1"))).isFalse();
        assertThat(allow("0.0.0.0/0").allows(ip("10.0.0.1"))).isTrue();
        assertThat(allow("::/0").allows(ip("::1"))).isTrue();
    }

    /** Nested, overlapping and adjacent blocks, 300 of each family, against a check of every block in turn. */
    @Test
    void mergedRangesAnswerAsCheckingEveryBlockWould() throws Exception {
        Random random = new Random(18);
        List<String> cidrs = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            cidrs.add("10." + random.nextInt(4) + "." + random.nextInt(256) + "." + random.nextInt(256) + "/"
                    + (16 + random.nextInt(17)));
            cidrs.add("2001:db8:" + Integer.toHexString(random.nextInt(4)) + ":"
                    + Integer.toHexString(random.nextInt(65536)) + "::/" + (40 + random.nextInt(89)));
        }
        List<Cidr> blocks = cidrs.stream().map(Cidr::parse).toList();
        AccessRules allowRules = AccessRules.of(new AccessControl(AccessControl.Type.ALLOW, cidrs));
        AccessRules denyRules = AccessRules.of(new AccessControl(AccessControl.Type.DENY, cidrs));
        for (int i = 0; i < 20_000; i++) {
            InetAddress a = i % 2 == 0
                    ? ip("10." + random.nextInt(5) + "." + random.nextInt(256) + "." + random.nextInt(256))
                    : ip("2001:db8:" + Integer.toHexString(random.nextInt(5)) + ":"
                            + Integer.toHexString(random.nextInt(65536)) + ":"
                            + Integer.toHexString(random.nextInt(65536))
                            + "::" + Integer.toHexString(random.nextInt(65536)));
            boolean listed = blocks.stream().anyMatch(b -> covers(b, a));
            assertThat(allowRules.allows(a)).as("allow %s", a).isEqualTo(listed);
            assertThat(denyRules.allows(a)).as("deny %s", a).isEqualTo(!listed);
        }
    }

    private static boolean covers(Cidr b, InetAddress a) {
        byte[] bytes = a.getAddress();
        if (b.ipv4() != (bytes.length == 4)) {
            return false;
        }
        long high = 0;
        long low = 0;
        if (bytes.length == 4) {
            low = ((bytes[0] & 0xffL) << 24)
                    | ((bytes[1] & 0xffL) << 16)
                    | ((bytes[2] & 0xffL) << 8)
                    | (bytes[3] & 0xffL);
        } else {
            for (int i = 0; i < 8; i++) {
                high = (high << 8) | (bytes[i] & 0xffL);
                low = (low << 8) | (bytes[i + 8] & 0xffL);
            }
        }
        return compare(b.firstHigh(), b.firstLow(), high, low) <= 0
                && compare(high, low, b.lastHigh(), b.lastLow()) <= 0;
    }

    private static int compare(long aHigh, long aLow, long bHigh, long bLow) {
        int c = Long.compareUnsigned(aHigh, bHigh);
        return c != 0 ? c : Long.compareUnsigned(aLow, bLow);
    }
}
