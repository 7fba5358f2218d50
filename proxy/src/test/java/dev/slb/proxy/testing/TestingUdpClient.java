package dev.slb.proxy.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A UDP client on a socket of its own (one flow at the proxy): sends a text datagram and waits for one answer, a
 * bounded time. Closed after the test.
 */
public final class TestingUdpClient implements AutoCloseable {
    private final DatagramSocket socket;
    private final InetSocketAddress target;

    private TestingUdpClient(InetAddress source, int port) throws IOException {
        this.socket = new DatagramSocket(new InetSocketAddress(source, 0));
        this.target = new InetSocketAddress(TestingPorts.LOOPBACK, port);
    }

    /** A client of the UDP listener on {@code port}, from 127.0.0.1. */
    public static TestingUdpClient to(int port) {
        return from(InetAddress.getLoopbackAddress(), port);
    }

    /** A client from {@code source} (any 127.0.0.0/8 address is this machine's, so each is a client of its own). */
    public static TestingUdpClient from(InetAddress source, int port) {
        try {
            return new TestingUdpClient(source, port);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public InetSocketAddress localAddress() {
        return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    public void send(String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        socket.send(new DatagramPacket(bytes, bytes.length, target));
    }

    /** The next answer, or null when none comes within {@code wait}. */
    public String receive(Duration wait) throws IOException {
        socket.setSoTimeout((int) Math.max(1, wait.toMillis()));
        byte[] buf = new byte[65_536];
        DatagramPacket packet = new DatagramPacket(buf, buf.length);
        try {
            socket.receive(packet);
        } catch (SocketTimeoutException e) {
            return null;
        }
        return new String(buf, 0, packet.getLength(), StandardCharsets.UTF_8);
    }

    /** Sends {@code text} and returns the answer, or null when none comes within {@code wait}. */
    public String exchange(String text, Duration wait) throws IOException {
        send(text);
        return receive(wait);
    }

    @Override
    public void close() {
        socket.close();
    }
}
