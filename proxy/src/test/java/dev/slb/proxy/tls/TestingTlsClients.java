package dev.slb.proxy.tls;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.concurrent.Future;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * TLS clients for the tests: the JDK's SSLSocket trusting the test certificates, and a BoringSSL
 * client for TLS 1.0/1.1, which Java 17 will not even offer (jdk.tls.disabledAlgorithms applies to
 * clients too, and changing it would change the JDK server under test in the same JVM).
 */
final class TestingTlsClients {
    private TestingTlsClients() {}

    static final Path RESOURCES = resources();
    static final Path A_CRT = RESOURCES.resolve("a.crt");
    static final Path A_KEY = RESOURCES.resolve("a.key");
    static final Path B_CRT = RESOURCES.resolve("b.crt");
    static final Path B_KEY = RESOURCES.resolve("b.key");
    static final Path BROKEN_CRT = RESOURCES.resolve("broken.crt");
    static final Path API_CRT = RESOURCES.resolve("api.crt");
    static final Path API_KEY = RESOURCES.resolve("api.key");
    static final Path WILD_CRT = RESOURCES.resolve("wild.crt");
    static final Path WILD_KEY = RESOURCES.resolve("wild.key");
    static final Path CLIENT_CA_CRT = RESOURCES.resolve("client-ca.crt");
    static final Path OTHER_CA_CRT = RESOURCES.resolve("other-ca.crt");
    static final Path CLIENT_GOOD_CRT = RESOURCES.resolve("client-good.crt");
    static final Path CLIENT_GOOD_KEY = RESOURCES.resolve("client-good.key");
    static final Path CLIENT_BAD_CRT = RESOURCES.resolve("client-bad.crt");
    static final Path CLIENT_BAD_KEY = RESOURCES.resolve("client-bad.key");

    private static Path resources() {
        try {
            return Path.of(TestingTlsClients.class.getResource("/tls/a.crt").toURI())
                    .getParent();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static X509Certificate certificate(Path pem) {
        try (InputStream in = new ByteArrayInputStream(Files.readAllBytes(pem))) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A context trusting test certificates a and b, and nothing else. */
    static SSLContext trustingTestCertificates() throws GeneralSecurityException, IOException {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("a", certificate(A_CRT));
        trust.setCertificateEntry("b", certificate(B_CRT));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        return context;
    }

    /**
     * A handshaken JDK client connection to 127.0.0.1:port that checks the certificate against the
     * host name {@code localhost}; null arrays leave the JDK defaults.
     */
    static SSLSocket connect(int port, String[] protocols, String[] cipherSuites, String[] alpn)
            throws IOException, GeneralSecurityException {
        return handshake(trustingTestCertificates(), port, "localhost", params -> {
            params.setEndpointIdentificationAlgorithm("HTTPS");
            if (protocols != null) {
                params.setProtocols(protocols);
            }
            if (cipherSuites != null) {
                params.setCipherSuites(cipherSuites);
            }
            if (alpn != null) {
                params.setApplicationProtocols(alpn);
            }
        });
    }

    /** A JDK client socket to 127.0.0.1:port for {@code host}, its parameters set by {@code configure}, handshaken. */
    private static SSLSocket handshake(
            SSLContext context, int port, String host, java.util.function.Consumer<SSLParameters> configure)
            throws IOException {
        Socket plain = new Socket();
        plain.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        plain.setSoTimeout(5_000);
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(plain, host, port, true);
        SSLParameters params = socket.getSSLParameters();
        configure.accept(params);
        socket.setSSLParameters(params);
        try {
            socket.startHandshake();
        } catch (IOException e) {
            socket.close();
            throw e;
        }
        return socket;
    }

    /**
     * A handshaken JDK client connection to 127.0.0.1:port that sends {@code serverName} by SNI
     * (none when null), trusts every test server certificate without checking the name (the
     * tests compare the certificate served), and presents {@code clientCert} when it is not null.
     */
    static SSLSocket connectAs(int port, String serverName, Path clientCert, Path clientKey, String[] protocols)
            throws IOException, GeneralSecurityException, TlsException {
        return handshake(clientContext(clientCert, clientKey), port, "127.0.0.1", params -> {
            params.setServerNames(serverName == null ? List.of() : List.of(new SNIHostName(serverName)));
            if (protocols != null) {
                params.setProtocols(protocols);
            }
        });
    }

    /**
     * A context that trusts every test server certificate and presents {@code clientCert} (with
     * {@code clientKey}) to any server that asks, or no certificate when it is null.
     */
    static SSLContext clientContext(Path clientCert, Path clientKey)
            throws IOException, GeneralSecurityException, TlsException {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        for (Path c : List.of(A_CRT, B_CRT, API_CRT, WILD_CRT)) {
            trust.setCertificateEntry(c.getFileName().toString(), certificate(c));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        KeyManager[] keys = null;
        if (clientCert != null) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            char[] password = "test".toCharArray();
            ks.setKeyEntry(
                    "client",
                    Pem.privateKey(Files.readAllBytes(clientKey), clientKey.toString()),
                    password,
                    new X509Certificate[] {certificate(clientCert)});
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, password);
            keys = new KeyManager[] {new AlwaysPresent((X509ExtendedKeyManager) kmf.getKeyManagers()[0])};
        }
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys, tmf.getTrustManagers(), null);
        return context;
    }

    static SSLSocket connect(int port) throws IOException, GeneralSecurityException {
        return connect(port, null, null, null);
    }

    /** Writes a line and reads back what the echo server returns. */
    static String echo(SSLSocket socket, String line) throws IOException {
        byte[] out = (line + "\n").getBytes(StandardCharsets.US_ASCII);
        socket.getOutputStream().write(out);
        socket.getOutputStream().flush();
        byte[] in = socket.getInputStream().readNBytes(out.length);
        return new String(in, StandardCharsets.US_ASCII).trim();
    }

    /** How a BoringSSL client handshake ended: the protocol and suite, or why it failed. */
    record Outcome(String protocol, String cipherSuite, Throwable failure) {
        boolean succeeded() {
            return failure == null;
        }

        @Override
        public String toString() {
            return succeeded() ? protocol + " " + cipherSuite : "failed: " + failure;
        }
    }

    /** A handshake from netty-tcnative's BoringSSL offering only {@code protocols} and {@code cipherSuites}. */
    static Outcome openSslHandshake(int port, List<String> protocols, List<String> cipherSuites) throws Exception {
        SslContext client = SslContextBuilder.forClient()
                .sslProvider(SslProvider.OPENSSL)
                .trustManager(certificate(A_CRT), certificate(B_CRT))
                .endpointIdentificationAlgorithm("HTTPS")
                .protocols(protocols)
                .ciphers(cipherSuites)
                .build();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        AtomicReference<SslHandler> handler = new AtomicReference<>();
        try {
            Channel ch = new Bootstrap()
                    .group(group)
                    .channel(NioSocketChannel.class)
                    .handler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel c) {
                            handler.set(client.newHandler(c.alloc(), "localhost", port));
                            c.pipeline().addLast(handler.get()).addLast(new ChannelInboundHandlerAdapter() {
                                @Override
                                public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                    // The handshake future carries the failure; this only keeps the log quiet.
                                    ctx.close();
                                }
                            });
                        }
                    })
                    .connect(new InetSocketAddress("127.0.0.1", port))
                    .sync()
                    .channel();
            SslHandler ssl = handler.get();
            Future<Channel> done = ssl.handshakeFuture();
            if (!done.await(10, TimeUnit.SECONDS)) {
                ch.close();
                return new Outcome(null, null, new IllegalStateException("handshake did not end within 10 s"));
            }
            Outcome outcome = done.isSuccess()
                    ? new Outcome(
                            ssl.engine().getSession().getProtocol(),
                            ssl.engine().getSession().getCipherSuite(),
                            null)
                    : new Outcome(null, null, done.cause());
            ch.close().sync();
            return outcome;
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    /**
     * Presents the client certificate whatever CAs the server names: the JDK's own key manager
     * would keep back one the server's CA did not issue, and the server could then never be seen
     * refusing it.
     */
    private static final class AlwaysPresent extends X509ExtendedKeyManager {
        private final X509ExtendedKeyManager keys;

        AlwaysPresent(X509ExtendedKeyManager keys) {
            this.keys = keys;
        }

        @Override
        public String chooseClientAlias(String[] keyType, java.security.Principal[] issuers, Socket socket) {
            return "client";
        }

        @Override
        public String chooseEngineClientAlias(
                String[] keyType, java.security.Principal[] issuers, javax.net.ssl.SSLEngine engine) {
            return "client";
        }

        @Override
        public String[] getClientAliases(String keyType, java.security.Principal[] issuers) {
            return new String[] {"client"};
        }

        @Override
        public String[] getServerAliases(String keyType, java.security.Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseServerAlias(String keyType, java.security.Principal[] issuers, Socket socket) {
            return null;
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return keys.getCertificateChain(alias);
        }

        @Override
        public java.security.PrivateKey getPrivateKey(String alias) {
            return keys.getPrivateKey(alias);
        }
    }
}
