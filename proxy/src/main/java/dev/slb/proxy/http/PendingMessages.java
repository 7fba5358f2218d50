package dev.slb.proxy.http;

import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;

/**
 * Client messages that cannot be handled yet, in arrival order: parts of the request in flight
 * while its backend connection is being made, and requests pipelined behind it. Whatever is not
 * handed out is released, so nothing a client sent outlives its connection.
 */
final class PendingMessages {
    private final ArrayDeque<HttpObject> messages = new ArrayDeque<>(4);

    boolean isEmpty() {
        return messages.isEmpty();
    }

    void add(HttpObject message) {
        messages.add(message);
    }

    /** The oldest message, now the caller's to release; null when there is none. */
    HttpObject poll() {
        return messages.poll();
    }

    /** True when the end of the request in flight already arrived and waits here. */
    boolean holdsRequestEnd() {
        for (HttpObject o : messages) {
            if (o instanceof LastHttpContent) {
                return true;
            }
        }
        return false;
    }

    void releaseAll() {
        HttpObject o;
        while ((o = messages.poll()) != null) {
            ReferenceCountUtil.release(o);
        }
    }
}
