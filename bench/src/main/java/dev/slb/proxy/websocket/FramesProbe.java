package dev.slb.proxy.websocket;

/**
 * The proxy's package-private {@link Frames} parsing, opened to the JMH benchmarks in
 * {@code dev.slb.bench.jmh}. It lives in the proxy's package, but in the bench module, so the proxy
 * keeps its API as narrow as it is; the JIT inlines these one-line calls away.
 */
public final class FramesProbe {
    private FramesProbe() {}

    public static final int MAX_HEADER_LENGTH = Frames.MAX_HEADER_LENGTH;

    public static int headerLength(byte secondByte) {
        return Frames.headerLength(secondByte);
    }

    public static long payloadLength(byte[] header) {
        return Frames.payloadLength(header);
    }
}
