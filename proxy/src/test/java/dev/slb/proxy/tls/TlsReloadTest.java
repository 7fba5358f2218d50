package dev.slb.proxy.tls;

import static dev.slb.proxy.tls.TestingTlsClients.A_CRT;
import static dev.slb.proxy.tls.TestingTlsClients.A_KEY;
import static dev.slb.proxy.tls.TestingTlsClients.BROKEN_CRT;
import static dev.slb.proxy.tls.TestingTlsClients.B_CRT;
import static dev.slb.proxy.tls.TestingTlsClients.B_KEY;
import static dev.slb.proxy.tls.TestingTlsClients.connect;
import static dev.slb.proxy.tls.TestingTlsClients.echo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.slb.model.Tls;
import dev.slb.model.TlsPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Certificate reloads as a renewed Secret causes them, seen by real clients on 127.0.0.1. */
@Timeout(60)
class TlsReloadTest {
    private static final X509Certificate A = TestingTlsClients.certificate(A_CRT);
    private static final X509Certificate B = TestingTlsClients.certificate(B_CRT);

    @TempDir
    Path dir;

    private static ReloadingSslContext load(Path cert, Path key, TlsProvider provider) throws TlsException {
        assumeTrue(provider.isAvailable(), provider + " is not available here");
        return ReloadingSslContext.load(new Tls(cert.toString(), key.toString(), TlsPolicy.DEFAULT), provider);
    }

    /** The certificate a new connection is shown. */
    private static Certificate served(TestingTlsServer server) throws Exception {
        try (SSLSocket client = connect(server.port())) {
            return client.getSession().getPeerCertificates()[0];
        }
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void aRenewedSecretReachesNewConnectionsWhileOpenOnesCarryOn(TlsProvider provider) throws Exception {
        TestingSecretVolume secret = TestingSecretVolume.create(dir, A_CRT, A_KEY);
        ReloadingSslContext tls = load(secret.certificate(), secret.key(), provider);
        try (TestingTlsServer server = TestingTlsServer.start(tls);
                SSLSocket before = connect(server.port())) {
            assertThat(before.getSession().getPeerCertificates()[0]).isEqualTo(A);
            assertThat(tls.reloadIfChanged()).as("nothing changed yet").isFalse();

            secret.update(B_CRT, B_KEY);

            assertThat(tls.reloadIfChanged()).isTrue();
            assertThat(tls.certificate()).isEqualTo(B);
            assertThat(served(server)).isEqualTo(B);
            assertThat(echo(before, "still here")).isEqualTo("still here");
            assertThat(tls.reloadIfChanged()).as("the same files again").isFalse();
        }
    }

    /** Content is compared, not times: a copy can keep its old modification time (cp -p, rsync -t). */
    @Test
    void filesReplacedByRenameAreSeenWhateverTheirModificationTime() throws Exception {
        Path cert = Files.copy(A_CRT, dir.resolve("tls.crt"));
        Path key = Files.copy(A_KEY, dir.resolve("tls.key"));
        FileTime then = Files.getLastModifiedTime(cert);
        ReloadingSslContext tls = load(cert, key, TlsProvider.JDK);
        try (TestingTlsServer server = TestingTlsServer.start(tls)) {
            replace(cert, B_CRT, then);

            assertThat(tls.reloadIfChanged())
                    .as("new certificate, old key: not a pair")
                    .isFalse();
            assertThat(served(server)).isEqualTo(A);

            replace(key, B_KEY, then);

            assertThat(tls.reloadIfChanged()).as("now both are new").isTrue();
            assertThat(served(server)).isEqualTo(B);
        }
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void aBrokenNewCertificateLeavesTheOldOneServing(TlsProvider provider) throws Exception {
        TestingSecretVolume secret = TestingSecretVolume.create(dir, A_CRT, A_KEY);
        ReloadingSslContext tls = load(secret.certificate(), secret.key(), provider);
        try (TestingTlsServer server = TestingTlsServer.start(tls)) {
            secret.update(BROKEN_CRT, A_KEY);

            assertThat(tls.reloadIfChanged()).isFalse();
            assertThat(tls.reloadIfChanged()).isFalse();
            assertThat(served(server)).isEqualTo(A);

            secret.update(B_CRT, B_KEY);

            assertThat(tls.reloadIfChanged())
                    .as("a good pair after the broken one")
                    .isTrue();
            assertThat(served(server)).isEqualTo(B);
        }
    }

    @Test
    void goingBackToTheCertificateInUseIsNotASwap() throws Exception {
        TestingSecretVolume secret = TestingSecretVolume.create(dir, A_CRT, A_KEY);
        ReloadingSslContext tls = load(secret.certificate(), secret.key(), TlsProvider.JDK);
        SslContextIdentity first = new SslContextIdentity(tls);

        secret.update(BROKEN_CRT, A_KEY);
        assertThat(tls.reloadIfChanged()).isFalse();
        secret.update(A_CRT, A_KEY);

        assertThat(tls.reloadIfChanged()).isFalse();
        assertThat(first.isStillCurrent()).isTrue();
    }

    @Test
    void aVanishedFileKeepsTheCertificateInUse() throws Exception {
        Path cert = Files.copy(A_CRT, dir.resolve("tls.crt"));
        Path key = Files.copy(A_KEY, dir.resolve("tls.key"));
        ReloadingSslContext tls = load(cert, key, TlsProvider.JDK);

        Files.delete(cert);

        assertThat(tls.reloadIfChanged()).isFalse();
        assertThat(tls.certificate()).isEqualTo(A);
    }

    @Test
    void theWatcherReloadsOnItsOwn() throws Exception {
        TestingSecretVolume secret = TestingSecretVolume.create(dir, A_CRT, A_KEY);
        ReloadingSslContext tls = load(secret.certificate(), secret.key(), TlsProvider.JDK);
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();
        try (CertificateWatcher watcher =
                CertificateWatcher.start(executor, Duration.ofMillis(20), () -> List.of(tls))) {
            secret.update(B_CRT, B_KEY);

            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!tls.certificate().equals(B) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(tls.certificate()).isEqualTo(B);
            assertThat(watcher.checkNow()).isZero();
        } finally {
            executor.shutdownNow();
        }
    }

    @Test
    void checkNowCountsTheContextsThatSwapped() throws Exception {
        TestingSecretVolume one = TestingSecretVolume.create(Files.createDirectory(dir.resolve("one")), A_CRT, A_KEY);
        TestingSecretVolume two = TestingSecretVolume.create(Files.createDirectory(dir.resolve("two")), A_CRT, A_KEY);
        ReloadingSslContext first = load(one.certificate(), one.key(), TlsProvider.JDK);
        ReloadingSslContext second = load(two.certificate(), two.key(), TlsProvider.JDK);
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();
        try (CertificateWatcher watcher =
                CertificateWatcher.start(executor, Duration.ofHours(1), () -> List.of(first, second))) {
            one.update(B_CRT, B_KEY);
            two.update(BROKEN_CRT, A_KEY);

            assertThat(watcher.checkNow()).isEqualTo(1);
            assertThat(first.certificate()).isEqualTo(B);
            assertThat(second.certificate()).isEqualTo(A);
        } finally {
            executor.shutdownNow();
        }
    }

    private static void replace(Path target, Path content, FileTime time) throws Exception {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        Files.copy(content, tmp, StandardCopyOption.REPLACE_EXISTING);
        Files.setLastModifiedTime(tmp, time);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        assertThat(Files.getLastModifiedTime(target)).isEqualTo(time);
    }

    /** Remembers the context in use, to tell later whether it was replaced. */
    private record SslContextIdentity(ReloadingSslContext tls, Object context) {
        SslContextIdentity(ReloadingSslContext tls) {
            this(tls, tls.current());
        }

        boolean isStillCurrent() {
            return tls.current() == context;
        }
    }
}
