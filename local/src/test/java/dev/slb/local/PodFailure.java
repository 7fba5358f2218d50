package dev.slb.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One of the demo backend's two pods failing under load through a load balancer: HTTP requests
 * from a few clients and WebSockets held on both pods before it fails, new WebSockets opened once
 * the proxies have taken it out, and what each saw, to hold against what a user may lose.
 */
final class PodFailure implements AutoCloseable {

    static final int CLIENTS = 4;
    private static final int MAX_OPENS = 12;

    private final String victim;
    private final String survivor;
    private final HttpClient websockets;
    private final URI ws;
    private final PodTraffic traffic;
    private final List<HeldWebSocket> before = new ArrayList<>();
    private final List<HeldWebSocket> after = new ArrayList<>();
    private long outAt = Long.MAX_VALUE;
    private List<PodTraffic.Answer> answers;

    private PodFailure(String address, String victim, String survivor, HttpClient websockets) {
        this.victim = victim;
        this.survivor = survivor;
        this.websockets = websockets;
        this.ws = URI.create("ws://" + address + "/ws");
        this.traffic =
                PodTraffic.start(URI.create("http://" + address + "/who"), CLIENTS, 20_000, Duration.ofSeconds(90));
    }

    /**
     * Starts the requests and opens WebSockets until each pod holds two (at most 12 opens), then
     * waits until both pods have answered requests.
     */
    static PodFailure start(String address, String victim, String survivor, HttpClient websockets) throws Exception {
        PodFailure f = new PodFailure(address, victim, survivor, websockets);
        for (int i = 0; i < MAX_OPENS && (f.on(f.before, victim) < 2 || f.on(f.before, survivor) < 2); i++) {
            f.before.add(HeldWebSocket.open(websockets, f.ws));
        }
        assertThat(f.on(f.before, victim))
                .as("WebSockets on %s of %s", victim, f.before)
                .isGreaterThanOrEqualTo(2);
        assertThat(f.on(f.before, survivor))
                .as("WebSockets on %s of %s", survivor, f.before)
                .isGreaterThanOrEqualTo(2);
        f.traffic.awaitAnswers(40);
        return f;
    }

    private static long on(List<HeldWebSocket> sockets, String pod) {
        return sockets.stream().filter(s -> s.pod().equals(pod)).count();
    }

    /**
     * The proxies have taken the victim out now: from here no new request or WebSocket may reach
     * it. Opens six new WebSockets and lets the requests run on for a while.
     */
    void takenOut() throws Exception {
        outAt = System.nanoTime();
        for (int i = 0; i < 6; i++) {
            after.add(HeldWebSocket.open(websockets, ws));
        }
        traffic.awaitAnswers(traffic.count() + 100);
    }

    /** Stops the requests and the sending on every WebSocket, and waits for their echoes. */
    void stop() throws Exception {
        answers = traffic.stop();
        for (HeldWebSocket s : all()) {
            s.stopSending();
        }
        for (HeldWebSocket s : all()) {
            s.awaitEchoes(Duration.ofSeconds(10));
        }
    }

    /** Requests that failed: no answer, or not 200. */
    List<PodTraffic.Answer> failed() {
        return answers.stream().filter(PodTraffic.Answer::failed).toList();
    }

    /** Requests sent once the victim was out that failed. */
    List<PodTraffic.Answer> failedOnceOut() {
        return answers.stream()
                .filter(a -> a.sentNanos() >= outAt && a.failed())
                .toList();
    }

    /** Requests sent once the victim was out that it answered nonetheless. */
    List<PodTraffic.Answer> answeredByVictimOnceOut() {
        return answers.stream()
                .filter(a -> a.sentNanos() >= outAt && victim.equals(a.pod()))
                .toList();
    }

    List<HeldWebSocket> onVictim() {
        return before.stream().filter(s -> s.pod().equals(victim)).toList();
    }

    List<HeldWebSocket> onSurvivor() {
        return before.stream().filter(s -> s.pod().equals(survivor)).toList();
    }

    /** The WebSockets opened once the victim was out. */
    List<HeldWebSocket> openedOnceOut() {
        return after;
    }

    /** WebSockets held through it all and neither dropped nor short of an echo. */
    static void assertUntouched(List<HeldWebSocket> sockets) {
        assertThat(sockets).isNotEmpty().allSatisfy(s -> {
            assertThat(s.dropped()).as("%s dropped", s).isNull();
            assertThat(s.lost()).as("%s messages lost", s).isZero();
        });
    }

    private List<HeldWebSocket> all() {
        List<HeldWebSocket> all = new ArrayList<>(before);
        all.addAll(after);
        return all;
    }

    @Override
    public void close() throws Exception {
        traffic.close();
        for (HeldWebSocket s : all()) {
            s.close();
        }
    }

    @Override
    public String toString() {
        return answers == null ? "running" : answers.size() + " requests, " + failed().size() + " failed: " + failed();
    }
}
