package dev.slb.proxy.tls;

/** A certificate, key or TLS setting the proxy cannot use; the message names the file and what is wrong with it. */
public final class TlsException extends Exception {
    public TlsException(String message) {
        super(message);
    }

    public TlsException(String message, Throwable cause) {
        super(message, cause);
    }
}
