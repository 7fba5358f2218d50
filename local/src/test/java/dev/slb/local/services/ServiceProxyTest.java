package dev.slb.local.services;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.OptionalInt;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class ServiceProxyTest {

    /** What one relay direction may hold: the high water mark plus the one read that crossed it. */
    private static final long RELAY_BOUND = ServiceRelayHandler.WATER_MARK.high() + 64 * 1024;

    private static EventLoopGroup group;
    private final List<AutoCloseable> resources = new ArrayList<>();

    @BeforeAll
    static void startGroup() {
        group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    }

    @AfterAll
    static void stopGroup() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @AfterEach
    void closeResources() throws Exception {
        Collections.reverse(resources);
        for (AutoCloseable resource : resources) {
            resource.close();
        }
    }

    @Test
    @Timeout(20)
    void spreadsNewConnectionsRoundRobinOverTheReadyEndpoints() throws Exception {
        InetAddress service = loopback(21);
        TestingBackend a = closing(TestingBackend.echo(loopback(31)));
        TestingBackend b = closing(TestingBackend.echo(loopback(32)));
        ServiceProxy proxy = closing(new ServiceProxy(group));
        int port = freePort(service);
        assertThat(proxy.listen(service, port, freePort(service))).isEqualTo(port);
        proxy.endpoints(port, List.of(a.address(), b.address()));

        for (int i = 0; i < 10; i++) {
            try (Socket client = connect(service, port)) {
                assertEchoes(client, "hello " + i);
            }
        }

        assertThat(a.accepted).hasValue(5);
        assertThat(b.accepted).hasValue(5);
    }

    @Test
    @Timeout(30)
    void aMebibyteEachWayPassesIntactUnderBackPressure() throws Exception {
        InetAddress service = loopback(22);
        TestingBackend echo = closing(TestingBackend.echo(loopback(33)));
        ServiceProxy proxy = closing(new ServiceProxy(group));
        int port = proxy.listen(service, freePort(service), 0);
        proxy.endpoints(port, List.of(echo.address()));
        byte[] sent = new byte[1 << 20];
        new Random(42).nextBytes(sent);
        QueueSampler queued = closing(new QueueSampler(proxy));

        byte[] received;
        try (Socket client = connect(service, port, 16 * 1024)) {
            CompletableFuture<Void> writing = CompletableFuture.runAsync(() -> {
                try {
                    client.getOutputStream().write(sent);
                    client.shutdownOutput();
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            received = readSlowly(client.getInputStream());
            writing.get(10, TimeUnit.SECONDS);
        }

        assertThat(received).isEqualTo(sent);
        // Both directions at once, each held to its bound, not a mebibyte in memory.
        assertThat(queued.max()).isLessThanOrEqualTo(2 * RELAY_BOUND);
    }

    @Test
    @Timeout(60)
    void aClientThatDoesNotReadStallsTheEndpointInsteadOfFillingTheRelay() throws Exception {
        InetAddress service = loopback(23);
        // Well past what the kernel buffers between the two ends hold (a few MiB here).
        long total = 64L << 20;
        AtomicLong written = new AtomicLong();
        TestingBackend sender = closing(new TestingBackend(loopback(34), socket -> {
            socket.setSendBufferSize(16 * 1024);
            OutputStream out = socket.getOutputStream();
            byte[] chunk = new byte[64 * 1024];
            for (long offset = 0; offset < total; offset += chunk.length) {
                for (int i = 0; i < chunk.length; i++) {
                    chunk[i] = pattern(offset + i);
                }
                out.write(chunk);
                written.addAndGet(chunk.length);
            }
            socket.shutdownOutput();
            socket.getInputStream().read();
        }));
        ServiceProxy proxy = closing(new ServiceProxy(group));
        int port = proxy.listen(service, freePort(service), 0);
        proxy.endpoints(port, List.of(sender.address()));
        QueueSampler queued = closing(new QueueSampler(proxy));

        try (Socket client = connect(service, port, 16 * 1024)) {
            long stalledAt = awaitStable(written);
            assertThat(stalledAt)
                    .as("bytes the endpoint could write to a client that reads nothing")
                    .isLessThan(total);
            assertThat(queued.max()).isLessThanOrEqualTo(RELAY_BOUND);

            InputStream in = client.getInputStream();
            byte[] buffer = new byte[64 * 1024];
            long offset = 0;
            for (int n; (n = in.read(buffer)) != -1; offset += n) {
                for (int i = 0; i < n; i++) {
                    if (buffer[i] != pattern(offset + i)) {
                        throw new AssertionError("byte " + (offset + i) + " differs");
                    }
                }
            }
            assertThat(offset).isEqualTo(total);
        }
        assertThat(queued.max()).isLessThanOrEqualTo(RELAY_BOUND);
    }

    @Test
    @Timeout(20)
    void aClientHalfCloseReachesTheEndpointWhichCanStillReply() throws Exception {
        InetAddress service = loopback(24);
        CompletableFuture<String> request = new CompletableFuture<>();
        TestingBackend backend = closing(new TestingBackend(loopback(35), socket -> {
            String body = new String(socket.getInputStream().readAllBytes(), UTF_8);
            request.complete(body);
            socket.getOutputStream().write(("got " + body).getBytes(UTF_8));
            socket.shutdownOutput();
        }));
        ServiceProxy proxy = closing(new ServiceProxy(group));
        int port = proxy.listen(service, freePort(service), 0);
        proxy.endpoints(port, List.of(backend.address()));

        try (Socket client = connect(service, port)) {
            client.getOutputStream().write("a request".getBytes(UTF_8));
            client.shutdownOutput();
            assertThat(new String(client.getInputStream().readAllBytes(), UTF_8))
                    .isEqualTo("got a request");
        }
        assertThat(request.get(5, TimeUnit.SECONDS)).isEqualTo("a request");
    }

    @Test
    @Timeout(20)
    void anEndpointHalfCloseReachesTheClientWhichCanStillSend() throws Exception {
        InetAddress service = loopback(25);
        CompletableFuture<String> afterwards = new CompletableFuture<>();
        TestingBackend backend = closing(new TestingBackend(loopback(36), socket -> {
            socket.getOutputStream().write("goodbye".getBytes(UTF_8));
            socket.shutdownOutput();
            afterwards.complete(new String(socket.getInputStream().readAllBytes(), UTF_8));
        }));
        ServiceProxy proxy = closing(new ServiceProxy(group));
        int port = proxy.listen(service, freePort(service), 0);
        proxy.endpoints(port, List.of(backend.address()));

        try (Socket client = connect(service, port)) {
            assertThat(new String(client.getInputStream().readAllBytes(), UTF_8))
                    .isEqualTo("goodbye");
            client.getOutputStream().write("a close frame".getBytes(UTF_8));
            client.shutdownOutput();
            assertThat(afterwards.get(5, TimeUnit.SECONDS)).isEqualTo("a close frame");
            assertThat(client.getInputStream().read()).isEqualTo(-1);
        }
    }

    @Test
    @Timeout(20)
    void anEstablishedConnectionOutlivesEndpointChanges() throws Exception {
        InetAddress service = loopback(26);
        TestingBackend a = closing(TestingBackend.echo(loopback(41)));
        TestingBackend b = closing(TestingBackend.echo(loopback(42)));
        ServiceProxy proxy = closing(new ServiceProxy(group));
        int port = proxy.listen(service, freePort(service), 0);
        proxy.endpoints(port, List.of(a.address()));

        try (Socket first = connect(service, port)) {
            assertEchoes(first, "one");
            proxy.endpoints(port, List.of(b.address()));
            assertEchoes(first, "still one");
            try (Socket second = connect(service, port)) {
                assertEchoes(second, "two");
            }
            proxy.endpoints(port, List.of());
            assertEchoes(first, "one, with no endpoint ready");
        }

        assertThat(a.accepted).hasValue(1);
        assertThat(b.accepted).hasValue(1);
    }

    @Test
    @Timeout(20)
    void withNoReadyEndpointTheClientIsClosedAtOnce() throws Exception {
        InetAddress service = loopback(27);
        ServiceProxy proxy = closing(new ServiceProxy(group));
        int port = proxy.listen(service, freePort(service), 0);

        assertRefused(service, port);
        proxy.endpoints(port, List.of());
        assertRefused(service, port);
        assertThat(proxy.refused(port)).isEqualTo(2);

        TestingBackend backend = closing(TestingBackend.echo(loopback(43)));
        proxy.endpoints(port, List.of(backend.address()));
        try (Socket client = connect(service, port)) {
            assertEchoes(client, "ready now");
        }
        assertThat(proxy.refused(port)).isEqualTo(2);
    }

    @Test
    @Timeout(20)
    void aRefusingEndpointIsSkippedForTheNext() throws Exception {
        InetAddress service = loopback(28);
        InetAddress deadHost = loopback(44);
        InetSocketAddress dead = new InetSocketAddress(deadHost, freePort(deadHost));
        TestingBackend live = closing(TestingBackend.echo(loopback(45)));
        ServiceProxy proxy = closing(new ServiceProxy(group));
        int port = proxy.listen(service, freePort(service), 0);
        proxy.endpoints(port, List.of(dead, live.address()));

        for (int i = 0; i < 4; i++) {
            try (Socket client = connect(service, port)) {
                assertEchoes(client, "attempt " + i);
            }
        }
        assertThat(live.accepted).hasValue(4);

        proxy.endpoints(port, List.of(dead));
        assertRefused(service, port);
        // Listed as ready, so not counted as refused for want of an endpoint.
        assertThat(proxy.refused(port)).isZero();
    }

    @Test
    @Timeout(20)
    void fallsBackWhenTheServicePortCannotBeBound() throws Exception {
        InetAddress service = loopback(29);
        TestingBackend backend = closing(TestingBackend.echo(loopback(46)));
        try (ServerSocket taken = new ServerSocket(0, 50, service)) {
            int port = taken.getLocalPort();
            int fallback = freePort(service);
            // As root nothing needs privileges, so an occupied port stands in for the refused bind.
            ServiceProxy proxy = closing(new ServiceProxy(group, cause -> cause instanceof BindException));

            assertThat(proxy.listen(service, port, fallback)).isEqualTo(fallback);
            proxy.endpoints(port, List.of(backend.address()));

            try (Socket client = connect(service, fallback)) {
                assertEchoes(client, "via the fallback port");
            }
            assertThatThrownBy(() -> proxy.listen(service, port, freePort(service)))
                    .isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    @Timeout(20)
    void aPortInUseIsAnErrorNotAReasonToFallBack() throws Exception {
        InetAddress service = loopback(30);
        try (ServerSocket taken = new ServerSocket(0, 50, service)) {
            int port = taken.getLocalPort();
            int fallback = freePort(service);
            ServiceProxy proxy = closing(new ServiceProxy(group));

            assertThatThrownBy(() -> proxy.listen(service, port, fallback))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining(service.getHostAddress() + ":" + port);
            try (ServerSocket free = new ServerSocket(fallback, 50, service)) {
                assertThat(free.getLocalPort()).isEqualTo(fallback);
            }
        }
    }

    @Test
    @Timeout(20)
    void aPortThatNeedsPrivilegesFallsBack() throws Exception {
        assumeFalse("root".equals(System.getProperty("user.name")), "root may bind any port");
        OptionalInt start = ServiceProxy.unprivilegedPortStart();
        assumeTrue(start.isPresent() && start.getAsInt() > 1, "no port needs privileges here");
        InetAddress service = loopback(47);
        int fallback = freePort(service);
        ServiceProxy proxy = closing(new ServiceProxy(group));

        assertThat(proxy.listen(service, start.getAsInt() - 1, fallback)).isEqualTo(fallback);
    }

    @Test
    @Timeout(5)
    void recognisesAPermissionErrorFromTheBindFailure() {
        assertThat(ServiceProxy.permissionDenied(new BindException("Permission denied")))
                .isTrue();
        assertThat(ServiceProxy.permissionDenied(new IOException("bind", new BindException("Permission denied"))))
                .isTrue();
        assertThat(ServiceProxy.permissionDenied(new BindException("Address already in use")))
                .isFalse();
        assertThat(ServiceProxy.permissionDenied(new BindException())).isFalse();
    }

    @Test
    @Timeout(5)
    void readsTheWholeUnprivilegedPortStart() throws IOException {
        assumeTrue(Files.isReadable(ServiceProxy.UNPRIVILEGED_PORT_START), "not Linux");
        String expected;
        try (InputStream in = Files.newInputStream(ServiceProxy.UNPRIVILEGED_PORT_START)) {
            expected = new String(in.readAllBytes(), UTF_8).trim();
        }
        assertThat(ServiceProxy.unprivilegedPortStart()).hasValue(Integer.parseInt(expected));
    }

    @Test
    @Timeout(20)
    void closeFreesThePortAndEndsRelayedConnections() throws Exception {
        InetAddress service = loopback(48);
        TestingBackend backend = closing(TestingBackend.echo(loopback(49)));
        ServiceProxy first = closing(new ServiceProxy(group));
        int port = first.listen(service, portOutsideEphemeralRange(service), 0);
        first.endpoints(port, List.of(backend.address()));

        try (Socket client = connect(service, port)) {
            assertEchoes(client, "before close");
            first.close();
            assertClosedByPeer(client);
        }

        ServiceProxy second = closing(new ServiceProxy(group));
        assertThat(second.listen(service, port, 0)).isEqualTo(port);
        second.endpoints(port, List.of(backend.address()));
        try (Socket client = connect(service, port)) {
            assertEchoes(client, "after close");
        }
    }

    /** A port the Service asks a PROXY header of: each new connection starts with one naming its client. */
    @Test
    @Timeout(20)
    void aPortAskedForItSendsAProxyProtocolV2HeaderNamingTheClient() throws Exception {
        InetAddress service = loopback(24);
        TestingBackend echo = closing(TestingBackend.echo(loopback(36)));
        ServiceProxy proxy = closing(new ServiceProxy(group));
        int port = proxy.listen(service, freePort(service), 0);
        proxy.endpoints(port, List.of(echo.address()));
        proxy.proxyProtocol(port, true);

        try (Socket client = new Socket()) {
            client.setSoTimeout(5_000);
            client.bind(new InetSocketAddress(loopback(41), 0));
            client.connect(new InetSocketAddress(service, port), 5_000);
            client.getOutputStream().write("hello".getBytes(UTF_8));
            client.shutdownOutput();
            byte[] echoed = client.getInputStream().readAllBytes();

            EmbeddedChannel decoder = new EmbeddedChannel(new HAProxyMessageDecoder());
            decoder.writeInbound(Unpooled.wrappedBuffer(echoed));
            HAProxyMessage header = decoder.readInbound();
            try {
                assertThat(header.protocolVersion()).isEqualTo(HAProxyProtocolVersion.V2);
                assertThat(header.command()).isEqualTo(HAProxyCommand.PROXY);
                assertThat(header.sourceAddress()).isEqualTo("127.0.0.41");
                assertThat(header.sourcePort()).isEqualTo(client.getLocalPort());
                assertThat(header.destinationAddress()).isEqualTo("127.0.0.24");
                assertThat(header.destinationPort()).isEqualTo(port);
            } finally {
                header.release();
            }
            ByteBuf rest = decoder.readInbound();
            assertThat(rest.toString(UTF_8))
                    .as("the client's bytes, after the header")
                    .isEqualTo("hello");
            rest.release();
            assertThat(decoder.finishAndReleaseAll()).isFalse();
        }

        proxy.proxyProtocol(port, false);
        try (Socket client = connect(service, port)) {
            assertEchoes(client, "no header now");
        }
    }

    private <T extends AutoCloseable> T closing(T resource) {
        resources.add(resource);
        return resource;
    }

    private static InetAddress loopback(int n) throws UnknownHostException {
        return InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) n});
    }

    /**
     * A free port below the kernel's ephemeral range (32768 and up by default), for a test that
     * closes a port and binds it again: in between, any process's bind to port 0 could take an
     * ephemeral one, and builds run side by side on a shared machine.
     */
    private static int portOutsideEphemeralRange(InetAddress address) throws IOException {
        int start = 20_000 + ThreadLocalRandom.current().nextInt(10_000);
        for (int port = start; port < start + 200; port++) {
            try (ServerSocket socket = new ServerSocket(port, 1, address)) {
                return socket.getLocalPort();
            } catch (BindException taken) {
                // Taken by something else on this address: try the next one.
            }
        }
        throw new IOException("no free port in " + start + "-" + (start + 199) + " on " + address);
    }

    private static int freePort(InetAddress address) throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, address)) {
            return socket.getLocalPort();
        }
    }

    private static Socket connect(InetAddress address, int port) throws IOException {
        return connect(address, port, 0);
    }

    /** A client socket; a small receive buffer makes a slow reader felt sooner. */
    private static Socket connect(InetAddress address, int port, int receiveBuffer) throws IOException {
        Socket socket = new Socket();
        if (receiveBuffer > 0) {
            socket.setReceiveBufferSize(receiveBuffer);
        }
        socket.setSoTimeout(5_000);
        socket.connect(new InetSocketAddress(address, port), 5_000);
        return socket;
    }

    private static void assertEchoes(Socket client, String text) throws IOException {
        byte[] bytes = text.getBytes(UTF_8);
        client.getOutputStream().write(bytes);
        assertThat(new String(client.getInputStream().readNBytes(bytes.length), UTF_8))
                .isEqualTo(text);
    }

    /** A new connection ends at once: reset while connecting (the JDK reports it then), or right after. */
    private static void assertRefused(InetAddress address, int port) throws IOException {
        Socket client;
        try {
            client = connect(address, port);
        } catch (SocketException reset) {
            assertThat(reset).hasMessageContaining("reset");
            return;
        }
        try (client) {
            assertClosedByPeer(client);
        }
    }

    /** The peer ended the connection, with a FIN or a reset, well before the read timeout. */
    private static void assertClosedByPeer(Socket client) throws IOException {
        client.setSoTimeout(2_000);
        try {
            assertThat(client.getInputStream().read()).isEqualTo(-1);
        } catch (SocketException reset) {
            assertThat(reset).hasMessageContaining("reset");
        }
    }

    private static byte[] readSlowly(InputStream in) throws IOException, InterruptedException {
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        byte[] buffer = new byte[8 * 1024];
        for (int n; (n = in.read(buffer)) != -1; ) {
            received.write(buffer, 0, n);
            Thread.sleep(1);
        }
        return received.toByteArray();
    }

    private static byte pattern(long offset) {
        // A prime period shifts with every 64 KiB chunk, so reordered or repeated chunks show.
        return (byte) (offset % 251);
    }

    /** Waits until the count stops growing for half a second; returns where it stopped. */
    private static long awaitStable(AtomicLong count) throws InterruptedException {
        long last = -1;
        long stableSince = System.nanoTime();
        while (true) {
            long now = count.get();
            if (now != last) {
                last = now;
                stableSince = System.nanoTime();
            } else if (now > 0 && System.nanoTime() - stableSince > TimeUnit.MILLISECONDS.toNanos(500)) {
                return now;
            }
            Thread.sleep(20);
        }
    }

    /** Samples the proxy's queued bytes every millisecond and keeps the largest seen. */
    private static final class QueueSampler implements AutoCloseable {
        private final AtomicLong max = new AtomicLong();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread;

        QueueSampler(ServiceProxy proxy) {
            thread = new Thread(
                    () -> {
                        while (running.get()) {
                            max.accumulateAndGet(proxy.queuedBytes(), Math::max);
                            try {
                                Thread.sleep(1);
                            } catch (InterruptedException e) {
                                return;
                            }
                        }
                    },
                    "queue-sampler");
            thread.setDaemon(true);
            thread.start();
        }

        long max() {
            return max.get();
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join();
        }
    }

    /** A blocking TCP server on one loopback address that runs a session per accepted connection. */
    private static final class TestingBackend implements AutoCloseable {

        interface Session {
            void serve(Socket socket) throws Exception;
        }

        final AtomicInteger accepted = new AtomicInteger();
        private final ServerSocket server;
        private final ExecutorService threads = Executors.newCachedThreadPool();
        private final List<Socket> sockets = new CopyOnWriteArrayList<>();

        TestingBackend(InetAddress address, Session session) throws IOException {
            server = new ServerSocket(0, 50, address);
            threads.execute(() -> {
                while (!server.isClosed()) {
                    Socket socket;
                    try {
                        socket = server.accept();
                    } catch (IOException closed) {
                        return;
                    }
                    accepted.incrementAndGet();
                    sockets.add(socket);
                    threads.execute(() -> {
                        try (socket) {
                            session.serve(socket);
                        } catch (Exception e) {
                            // The client side of each test sees what went wrong.
                        }
                    });
                }
            });
        }

        static TestingBackend echo(InetAddress address) throws IOException {
            return new TestingBackend(address, socket -> {
                socket.getInputStream().transferTo(socket.getOutputStream());
                socket.shutdownOutput();
            });
        }

        InetSocketAddress address() {
            return new InetSocketAddress(server.getInetAddress(), server.getLocalPort());
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket socket : sockets) {
                socket.close();
            }
            threads.shutdownNow();
        }
    }
}
