package dev.slb.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class CidrTest {
    @Test
    void ipv4BlocksAndSingleAddressesReadAsRanges() {
        assertThat(Cidr.parse("10.0.0.0/8")).isEqualTo(new Cidr(true, 0, 0x0a00_0000L, 0, 0x0aff_ffffL));
        assertThat(Cidr.parse("198.51.100.7")).isEqualTo(new Cidr(true, 0, 0xc633_6407L, 0, 0xc633_6407L));
        assertThat(Cidr.parse("0.0.0.0/0")).isEqualTo(new Cidr(true, 0, 0, 0, 0xffff_ffffL));
        assertThat(Cidr.parse("10.1.2.3/8")).as("host bits ignored").isEqualTo(Cidr.parse("10.0.0.0/8"));
    }

    @Test
    void ipv6BlocksReadAsRangesAndMappedIpv4AsIpv4() {
        assertThat(Cidr.parse("2001:db8::/32"))
                .isEqualTo(new Cidr(false, 0x2001_0db8_0000_0000L, 0, 0x2001_0db8_ffff_ffffL, -1L));
        assertThat(Cidr.parse("::1")).isEqualTo(new Cidr(false, 0, 1, 0, 1));
        assertThat(Cidr.parse("::/0")).isEqualTo(new Cidr(false, 0, 0, -1L, -1L));
        assertThat(Cidr.parse("2001:db8::1/96"))
                .isEqualTo(new Cidr(false, 0x2001_0db8_0000_0000L, 0, 0x2001_0db8_0000_0000L, 0xffff_ffffL));
        assertThat(Cidr.parse("::ffff:10.0.0.0/104")).isEqualTo(Cidr.parse("10.0.0.0/8"));
        assertThat(Cidr.parse("::ffff:198.51.100.7")).isEqualTo(Cidr.parse("198.51.100.7"));
    }

    @Test
    void whatIsNotAnAddressIsRefusedWithAnExampleAndNeverLookedUp() {
        for (String bad : new String[] {
            "",
            "10.0.0.0/33",
            "10.0.0.256",
            "10.0.0",
            "localhost",
            "example.com",
            "10.0.0.0/",
            "10.0.0.0/-1",
            "10.0.0.0/8/8",
            "2001:db8::/129",
            "2001:db8:::1",
            "::ffff:10.0.0.0/95",
            " 10.0.0.1",
            "1e100.net"
        }) {
            assertThatThrownBy(() -> Cidr.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
            assertThat(Cidr.isValid(bad)).as(bad).isFalse();
        }
        assertThatThrownBy(() -> Cidr.parse("localhost"))
                .hasMessage("'localhost' is not an IP address or CIDR block (write e.g. 203.0.113.0/24, 198.51.100.7"
                        + " or 2001:db8::/32)");
        assertThatThrownBy(() -> Cidr.parse("10.0.0.0/33"))
                .hasMessage("'10.0.0.0/33': the prefix length is at most 32 for an IPv4 address");
    }
}
