package dev.slb.proxy.http;

/**
 * What {@link HttpProxyHandler} asks of whatever turns a client's bytes into requests: the
 * HTTP/1.1 {@link ClientCodec}, or, on an HTTP/2 stream, {@link #WHOLE_HEADS}.
 */
interface ClientDecoding {
    /**
     * HTTP/2 streams: Netty's frame codec hands over only complete heads (its own limits bound how
     * long one may take to arrive), and nothing follows an upgrade, since HTTP/2 has none.
     */
    ClientDecoding WHOLE_HEADS = new ClientDecoding() {
        @Override
        public boolean headBegun() {
            return false;
        }

        @Override
        public boolean holding() {
            return false;
        }

        @Override
        public boolean endHold() {
            return false;
        }

        @Override
        public void decodeHeld() {}
    };

    /** True when a request head has begun arriving and is not complete yet. */
    boolean headBegun();

    /** True while what follows an upgrade request is held back. */
    boolean holding();

    /** The upgrade was not accepted: true when bytes were held, which {@link #decodeHeld()} then decodes. */
    boolean endHold();

    /** Decodes what was held, as if it had just been read. */
    void decodeHeld() throws Exception;
}
