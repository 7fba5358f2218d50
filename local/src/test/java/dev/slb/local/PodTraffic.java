package dev.slb.local;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * HTTP requests through a load balancer to the demo backend from a few clients at once, each with
 * its own kept-alive connection as a browser would hold one, and every answer kept with when its
 * request was sent and which pod gave it. Bounded in count and in time.
 */
final class PodTraffic implements AutoCloseable {

    /**
     * One request: sent at {@code sentNanos} ({@link System#nanoTime()}), answered by {@code pod} or
     * failed; {@code body} is kept when the status is not 200, since the proxy's own answers say why.
     */
    record Answer(long sentNanos, long answeredNanos, int status, String pod, String body, String error) {
        boolean failed() {
            return error != null || status != 200;
        }

        @Override
        public String toString() {
            if (error != null) {
                return "failed: " + error;
            }
            return status == 200 ? status + " from " + pod : status + " from " + pod + " (" + body + ")";
        }
    }

    private static final Duration PAUSE = Duration.ofMillis(20);

    private final ConcurrentLinkedQueue<Answer> answers = new ConcurrentLinkedQueue<>();
    private final List<Thread> clients = new ArrayList<>();
    private final AtomicInteger budget;
    private final long deadline;
    private volatile boolean stopped;

    private PodTraffic(int maxRequests, Duration limit) {
        this.budget = new AtomicInteger(maxRequests);
        this.deadline = System.nanoTime() + limit.toNanos();
    }

    /** Starts {@code clients} clients sending GET {@code uri}, at most {@code maxRequests} in all and for at most {@code limit}. */
    static PodTraffic start(URI uri, int clients, int maxRequests, Duration limit) {
        PodTraffic traffic = new PodTraffic(maxRequests, limit);
        for (int i = 0; i < clients; i++) {
            Thread t = new Thread(() -> traffic.run(uri), "pod-traffic-" + i);
            t.setDaemon(true);
            traffic.clients.add(t);
            t.start();
        }
        return traffic;
    }

    private void run(URI uri) {
        HttpClient client = HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(5))
                .version(HttpClient.Version.HTTP_1_1)
                .build();
        HttpRequest request =
                HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build();
        while (!stopped && System.nanoTime() < deadline && budget.getAndDecrement() > 0) {
            long sent = System.nanoTime();
            try {
                HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
                String body = r.body();
                answers.add(new Answer(
                        sent,
                        System.nanoTime(),
                        r.statusCode(),
                        pod(body),
                        r.statusCode() == 200 ? null : firstLine(body),
                        null));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                answers.add(new Answer(sent, System.nanoTime(), 0, null, null, e.toString()));
            }
            try {
                Thread.sleep(PAUSE.toMillis());
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** The pod named at the start of a demo backend's answer ("NAME saw GET …" or "NAME is failing …"). */
    static String pod(String body) {
        int end = body.indexOf(' ');
        return end < 0 ? body : body.substring(0, end);
    }

    private static String firstLine(String body) {
        String line = body.strip().lines().findFirst().orElse("");
        return line.length() <= 160 ? line : line.substring(0, 160) + "…";
    }

    /** Waits until at least {@code n} answers have come (at most 30 s). */
    void awaitAnswers(int n) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (answers.size() < n && System.nanoTime() < until) {
            Thread.sleep(20);
        }
    }

    int count() {
        return answers.size();
    }

    /** Stops the clients (each finishes the request it has in flight) and returns every answer. */
    List<Answer> stop() throws InterruptedException {
        stopped = true;
        for (Thread t : clients) {
            t.join(TimeUnit.SECONDS.toMillis(15));
        }
        return List.copyOf(answers);
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
