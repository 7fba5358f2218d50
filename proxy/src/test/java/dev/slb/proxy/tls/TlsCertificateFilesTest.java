package dev.slb.proxy.tls;

import static dev.slb.proxy.tls.TestingTlsClients.A_CRT;
import static dev.slb.proxy.tls.TestingTlsClients.A_KEY;
import static dev.slb.proxy.tls.TestingTlsClients.BROKEN_CRT;
import static dev.slb.proxy.tls.TestingTlsClients.B_CRT;
import static dev.slb.proxy.tls.TestingTlsClients.B_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.slb.model.Tls;
import dev.slb.model.TlsPolicy;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Which PEM forms load, and what the error says when a file cannot be used. */
class TlsCertificateFilesTest {
    @TempDir
    Path dir;

    private static ReloadingSslContext load(Path cert, Path key, TlsProvider provider) throws TlsException {
        return ReloadingSslContext.load(new Tls(cert.toString(), key.toString(), TlsPolicy.DEFAULT), provider);
    }

    private static void assumeAvailable(TlsProvider provider) {
        assumeTrue(provider.isAvailable(), provider + " is not available here");
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void pkcs1RsaKeyAsCertManagerWritesIt(TlsProvider provider) throws Exception {
        assumeAvailable(provider);
        assertThat(Files.readString(A_KEY)).startsWith("-----BEGIN RSA PRIVATE KEY-----");

        ReloadingSslContext tls = load(A_CRT, A_KEY, provider);

        assertThat(tls.certificate()).isEqualTo(TestingTlsClients.certificate(A_CRT));
        assertThat(tls.provider()).isEqualTo(provider);
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void sec1EcKey(TlsProvider provider) throws Exception {
        assumeAvailable(provider);
        assertThat(Files.readString(B_KEY)).startsWith("-----BEGIN EC PRIVATE KEY-----");

        assertThat(load(B_CRT, B_KEY, provider).certificate()).isEqualTo(TestingTlsClients.certificate(B_CRT));
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void pkcs8KeysOfBothKinds(TlsProvider provider) throws Exception {
        assumeAvailable(provider);
        Path rsa = write("rsa.pk8.key", pem("PRIVATE KEY", key(A_KEY).getEncoded()));
        Path ec = write("ec.pk8.key", pem("PRIVATE KEY", key(B_KEY).getEncoded()));

        assertThat(load(A_CRT, rsa, provider).certificate()).isEqualTo(TestingTlsClients.certificate(A_CRT));
        assertThat(load(B_CRT, ec, provider).certificate()).isEqualTo(TestingTlsClients.certificate(B_CRT));
    }

    @Test
    void ecKeyAfterEcParametersAsOpensslEcparamWritesIt() throws Exception {
        // "openssl ecparam -name prime256v1 -genkey" without -noout puts the curve's OID first.
        Path key = write(
                "ec.key",
                "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n"
                        + Files.readString(B_KEY));

        assertThat(load(B_CRT, key, TlsProvider.JDK).certificate()).isEqualTo(TestingTlsClients.certificate(B_CRT));
    }

    @Test
    void certificateAndKeyInOneFile() throws Exception {
        Path both = write("both.pem", Files.readString(A_CRT) + Files.readString(A_KEY));

        assertThat(load(both, both, TlsProvider.JDK).certificate()).isEqualTo(TestingTlsClients.certificate(A_CRT));
    }

    @Test
    void theShippedExampleCertificateLoads() throws Exception {
        // Surefire runs in the module folder, where examples/ lives.
        Path cert = Path.of("examples/certs/tls.crt");
        Path key = Path.of("examples/certs/tls.key");
        assertThat(Files.readString(key)).startsWith("-----BEGIN PRIVATE KEY-----");

        ReloadingSslContext tls = load(cert, key, TlsProvider.JDK);

        assertThat(tls.certificate().getSubjectX500Principal().getName()).isEqualTo("CN=localhost");
        List<String> names = tls.certificate().getSubjectAlternativeNames().stream()
                .map(san -> (String) san.get(1))
                .toList();
        assertThat(names).containsExactlyInAnyOrder("localhost", "127.0.0.1");
    }

    @Test
    void aMissingCertificateFileIsNamed() {
        Path missing = dir.resolve("secret/tls.crt");

        assertThatThrownBy(() -> load(missing, A_KEY, TlsProvider.JDK))
                .isInstanceOf(TlsException.class)
                .hasMessage("certificate file " + missing + " does not exist");
    }

    @Test
    void aMissingKeyFileIsNamed() {
        Path missing = dir.resolve("secret/tls.key");

        assertThatThrownBy(() -> load(A_CRT, missing, TlsProvider.JDK))
                .isInstanceOf(TlsException.class)
                .hasMessage("private key file " + missing + " does not exist");
    }

    @Test
    void aTruncatedCertificateIsNamed() {
        assertThatThrownBy(() -> load(BROKEN_CRT, A_KEY, TlsProvider.JDK))
                .isInstanceOf(TlsException.class)
                .hasMessageContaining(BROKEN_CRT.toString())
                .hasMessageContaining("truncated");
    }

    @Test
    void aCertificateBlockThatIsNotACertificate() throws Exception {
        Path cert = write("garbage.crt", pem("CERTIFICATE", "not a certificate".getBytes(StandardCharsets.US_ASCII)));

        assertThatThrownBy(() -> load(cert, A_KEY, TlsProvider.JDK))
                .isInstanceOf(TlsException.class)
                .hasMessageStartingWith(
                        "certificate file " + cert + ": certificate 1 in the file is not a valid X.509");
    }

    @Test
    void aFileWithNoPemAtAll() throws Exception {
        Path cert = write("tls.crt", "hello\n");

        assertThatThrownBy(() -> load(cert, A_KEY, TlsProvider.JDK))
                .isInstanceOf(TlsException.class)
                .hasMessageContaining(cert + ": no -----BEGIN CERTIFICATE----- block found");
        assertThatThrownBy(() -> load(A_CRT, cert, TlsProvider.JDK))
                .isInstanceOf(TlsException.class)
                .hasMessageContaining(cert + ": no private key found");
    }

    @Test
    void aKeyFromAnotherPairIsRefused() {
        assertThatThrownBy(() -> load(A_CRT, B_KEY, TlsProvider.JDK))
                .isInstanceOf(TlsException.class)
                .hasMessageContaining("the private key in private key file " + B_KEY
                        + " does not belong to the first certificate in certificate file " + A_CRT);
    }

    @Test
    void aKeyOfTheRightKindFromAnotherPairIsRefused() throws Exception {
        Path otherRsa = write(
                "other.key",
                pem(
                        "PRIVATE KEY",
                        java.security.KeyPairGenerator.getInstance("RSA")
                                .generateKeyPair()
                                .getPrivate()
                                .getEncoded()));

        assertThatThrownBy(() -> load(A_CRT, otherRsa, TlsProvider.JDK))
                .isInstanceOf(TlsException.class)
                .hasMessageContaining("does not belong to the first certificate");
    }

    @Test
    void encryptedKeysAreRefusedWithAHint() throws Exception {
        Path pkcs8 = write("enc.key", pem("ENCRYPTED PRIVATE KEY", new byte[] {0x30, 0}));
        String a = Files.readString(A_KEY);
        Path legacy = write(
                "legacy.key",
                a.replace(
                        "-----BEGIN RSA PRIVATE KEY-----\n",
                        "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n\n"));

        assertThatThrownBy(() -> load(A_CRT, pkcs8, TlsProvider.JDK))
                .isInstanceOf(TlsException.class)
                .hasMessageContaining(pkcs8 + ": the private key is encrypted");
        assertThatThrownBy(() -> load(A_CRT, legacy, TlsProvider.JDK))
                .isInstanceOf(TlsException.class)
                .hasMessageContaining(legacy + ": the private key is encrypted");
    }

    private Path write(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content);
    }

    private static PrivateKey key(Path pem) throws Exception {
        return Pem.privateKey(Files.readAllBytes(pem), pem.toString());
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der) + "\n-----END " + type + "-----\n";
    }
}
