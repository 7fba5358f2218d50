package dev.slb.proxy;

import dev.slb.model.Admin;
import dev.slb.model.ClientAuthentication;
import dev.slb.model.ExtraCertificate;
import dev.slb.model.Listener;
import dev.slb.model.ProxyConfig;
import dev.slb.model.Tls;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;

/**
 * Where this process stands, as the config sees it: the folder relative file paths are taken from,
 * the folder playing the container's root filesystem, and the address that "all addresses" means.
 *
 * @param base        folder relative file paths are resolved against; null leaves them as written
 * @param root        folder absolute file paths are resolved under; null leaves them as written
 * @param bindAddress IP literal bound wherever the config says all addresses; null binds those
 */
// In a pod, the network namespace makes the wildcard address mean the pod IP, and volumes are
// mounted at absolute paths. Proxies run as plain processes side by side on one machine (local/)
// get the same from --bind-address and --root, with the config the operator renders unchanged.
// The config names files only in tls (its own pair, its extra certificates, its client CA); a new
// field that names a file belongs in apply() too.
record Placement(Path base, Path root, String bindAddress) {
    /** Paths and addresses exactly as the config writes them. */
    static final Placement AS_WRITTEN = new Placement(null, null, null);

    Placement {
        base = base == null ? null : base.toAbsolutePath();
        root = root == null ? null : root.toAbsolutePath();
        if (bindAddress != null && !isIpLiteral(bindAddress)) {
            throw new IllegalArgumentException("not an IP literal: '" + bindAddress + "'");
        }
    }

    /**
     * The config as this process serves it. Every text of a followed config goes through here
     * before it reaches {@link ProxyServer}, so a reload compares and binds the same addresses the
     * first config did.
     */
    ProxyConfig apply(ProxyConfig config) {
        Admin admin = config.admin();
        return config.withAdmin(new Admin(address(admin.bindAddress()), admin.port()))
                .withListeners(config.listeners().stream().map(this::apply).toList());
    }

    private Listener apply(Listener l) {
        Listener placed = l.withBindAddress(address(l.bindAddress()), l.port());
        Tls tls = l.tls();
        if (tls == null) {
            return placed;
        }
        ClientAuthentication auth = tls.clientAuthentication();
        return placed.withTls(new Tls(
                file(tls.certificateFile()),
                file(tls.privateKeyFile()),
                tls.secretName(),
                tls.policy(),
                tls.extraCertificates().stream()
                        .map(c -> c == null
                                ? null
                                : new ExtraCertificate(
                                        c.domain(),
                                        file(c.certificateFile()),
                                        file(c.privateKeyFile()),
                                        c.secretName()))
                        .toList(),
                auth == null ? null : new ClientAuthentication(auth.caSecretName(), file(auth.caFile()), auth.mode())));
    }

    /** The address to bind for one the config names. */
    String address(String configured) {
        return bindAddress != null && isWildcard(configured) ? bindAddress : configured;
    }

    /** The file to read for one the config names. */
    String file(String configured) {
        if (configured == null || configured.isBlank()) {
            return configured; // the validator has said so already; nothing to resolve
        }
        Path path = Path.of(configured);
        if (path.isAbsolute()) {
            if (root == null) {
                return configured;
            }
            // Normalized first, as a container sees it: "/.." is "/", so nothing climbs out of the root.
            Path normalized = path.normalize();
            return root.resolve(normalized.getRoot().relativize(normalized)).toString();
        }
        return base == null ? configured : base.resolve(path).toString();
    }

    /** Absent, or a literal any-address: 0.0.0.0, ::, [::] and their other spellings. */
    static boolean isWildcard(String configured) {
        if (configured == null) {
            return true;
        }
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(configured);
        try {
            // getByAddress resolves nothing; it also maps ::ffff:0.0.0.0 to 0.0.0.0, as binding does.
            return bytes != null && InetAddress.getByAddress(bytes).isAnyLocalAddress();
        } catch (UnknownHostException e) {
            return false; // only for a length other than 4 or 16, which the parser never returns
        }
    }

    /** An IPv4 or IPv6 address written out, never a host name: nothing is looked up. */
    static boolean isIpLiteral(String text) {
        return NetUtil.isValidIpV4Address(text) || NetUtil.isValidIpV6Address(text);
    }
}
