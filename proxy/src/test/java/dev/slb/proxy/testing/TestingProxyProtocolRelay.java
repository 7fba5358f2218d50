package dev.slb.proxy.testing;

import dev.slb.proxy.proxyprotocol.ProxyProtocolHeaders;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An outer load balancer in front of a {@code proxyProtocol} listener, on loopback: it accepts
 * clients, connects to the proxy from an address of its own (any of 127.0.0.0/8, so a test can be a
 * trusted or an untrusted peer), writes a PROXY header naming the client, then copies bytes both
 * ways. Blocking sockets and two threads per connection: a test holds a handful.
 */
public final class TestingProxyProtocolRelay implements AutoCloseable {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

    private final ServerSocket server;
    private final InetSocketAddress target;
    private final InetAddress from;
    private final int version;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    private TestingProxyProtocolRelay(ServerSocket server, InetSocketAddress target, InetAddress from, int version) {
        this.server = server;
        this.target = target;
        this.from = from;
        this.version = version;
        this.acceptor = new Thread(this::accept, "testing-proxy-protocol-relay");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** A relay on a free 127.0.0.1 port to {@code port} on 127.0.0.1, connecting from {@code from}. */
    public static TestingProxyProtocolRelay start(int port, String from, int version) throws IOException {
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName(TestingPorts.LOOPBACK));
        return new TestingProxyProtocolRelay(
                server, new InetSocketAddress(TestingPorts.LOOPBACK, port), InetAddress.getByName(from), version);
    }

    public int port() {
        return server.getLocalPort();
    }

    /** The bytes of a PROXY header (v1 or v2) for a TCP connection from {@code client} to {@code destination}. */
    public static byte[] header(int version, InetSocketAddress client, InetSocketAddress destination) {
        EmbeddedChannel encoder = new EmbeddedChannel(HAProxyMessageEncoder.INSTANCE);
        encoder.writeOutbound(ProxyProtocolHeaders.of(version, client, destination));
        ByteBuf out = encoder.readOutbound();
        byte[] bytes = ByteBufUtil.getBytes(out);
        out.release();
        encoder.finishAndReleaseAll();
        return bytes;
    }

    /** A connection to {@code port} on 127.0.0.1 from {@code from} (another loopback address). */
    public static Socket connectFrom(String from, int port) throws IOException {
        Socket s = new Socket();
        s.setSoTimeout((int) TestingConnection.READ_TIMEOUT.toMillis());
        s.setTcpNoDelay(true);
        s.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
        s.connect(new InetSocketAddress(TestingPorts.LOOPBACK, port), (int) CONNECT_TIMEOUT.toMillis());
        return s;
    }

    private void accept() {
        while (!server.isClosed()) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return;
            }
            sockets.add(client);
            try {
                Socket upstream = new Socket();
                sockets.add(upstream);
                upstream.setTcpNoDelay(true);
                upstream.bind(new InetSocketAddress(from, 0));
                upstream.connect(target, (int) CONNECT_TIMEOUT.toMillis());
                InetSocketAddress peer = (InetSocketAddress) client.getRemoteSocketAddress();
                InetSocketAddress destination = (InetSocketAddress) client.getLocalSocketAddress();
                if (!(peer.getAddress() instanceof Inet4Address)) {
                    throw new IOException("an IPv4 relay: " + peer);
                }
                upstream.getOutputStream().write(header(version, peer, destination));
                copy(client, upstream);
                copy(upstream, client);
            } catch (IOException e) {
                // The proxy is not there: the client sees its connection closed, as behind a real one.
                closeQuietly(client);
            }
        }
    }

    private static void copy(Socket from, Socket to) {
        Thread t = new Thread(
                () -> {
                    byte[] buffer = new byte[16 * 1024];
                    try (InputStream in = from.getInputStream();
                            OutputStream out = to.getOutputStream()) {
                        int n;
                        while ((n = in.read(buffer)) >= 0) {
                            out.write(buffer, 0, n);
                            out.flush();
                        }
                    } catch (IOException e) {
                        // One side went: close both below.
                    } finally {
                        closeQuietly(from);
                        closeQuietly(to);
                    }
                },
                "testing-proxy-protocol-copy");
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // Closing anyway.
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : sockets) {
            closeQuietly(s);
        }
    }
}
