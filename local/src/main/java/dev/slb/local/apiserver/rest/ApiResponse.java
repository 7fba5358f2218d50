package dev.slb.local.apiserver.rest;

import java.time.Duration;

/** What the API server answers: a whole reply, or a watch that streams events. */
public sealed interface ApiResponse {

    /** A complete answer. */
    record Reply(int status, String contentType, byte[] body) implements ApiResponse {}

    /**
     * A streaming watch: the HTTP front sends the headers, then {@link Starter#start} with a sink
     * for newline-terminated JSON events; it calls the returned cancel action when the client goes
     * away or {@code timeout} (null for none) passes.
     */
    record Watch(String contentType, Duration timeout, Starter starter) implements ApiResponse {}

    /** Starts a watch's event flow. */
    interface Starter {
        Runnable start(EventSink sink);
    }

    /** The open response of a watch; both methods may be called from any thread. */
    interface EventSink {
        /** Writes one event, made of these parts in order (shared, never changed); false once the client is gone. */
        boolean send(byte[]... parts);

        /** Ends the response (a watch whose resourceVersion expired, or whose time is up). */
        void end();
    }
}
