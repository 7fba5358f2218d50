package dev.slb.local.apiserver;

import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An API server on loopback that the real kubectl can use: fabric8's mock server in CRUD mode
 * does the storage, {@link LocalApiDispatcher} adds version and discovery in front of it.
 *
 * <p>First slice of issue 4: discovery, {@code /version}, CRDs established on creation, protobuf
 * bodies translated for ConfigMap, Secret and Namespace (kubectl 1.32 sends those for
 * {@code kubectl create ...}) and a 415 for any other non-JSON body. Not yet: OpenAPI (use
 * {@code kubectl apply --validate=false}), Table printing, HTTP watches, RFC 7386 merge patch.
 */
public final class LocalApiServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(LocalApiServer.class);

  /** What {@code /version} reports: the kubectl minor on these machines, so no skew warning. */
  static final Map<String, String> VERSION_INFO = versionInfo();

  private final KubernetesMockServer server;
  private final KubernetesCrudDispatcher storage;
  private volatile boolean started;

  public LocalApiServer() {
    this.storage = new KubernetesCrudDispatcher(List.of());
    LocalApiDispatcher dispatcher = new LocalApiDispatcher(storage, this::port, VERSION_INFO);
    this.server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
  }

  /** Starts on 127.0.0.1, on {@code port} (0 for any free port). */
  public LocalApiServer start(int port) throws IOException {
    server.start(InetAddress.getLoopbackAddress(), port);
    started = true;
    LOG.info("local API server listening on {}", url());
    return this;
  }

  public int port() {
    return started ? server.getPort() : 0;
  }

  /** The base URL, e.g. {@code http://127.0.0.1:41234} (no trailing slash). */
  public String url() {
    return "http://127.0.0.1:" + port();
  }

  /** Writes a kubeconfig for this server to {@code file}; returns its absolute path. */
  public Path writeKubeconfig(Path file) throws IOException {
    return KubeconfigWriter.write(file, url(), "default");
  }

  @Override
  public void close() {
    if (started) {
      started = false;
      server.shutdown();
    }
  }

  /**
   * Starts the server and writes a kubeconfig. Arguments: {@code [--port N] [--kubeconfig FILE]};
   * defaults are any free port and {@code local/target/kubeconfig} (or {@code target/kubeconfig}
   * when run from inside {@code local/}).
   */
  public static void main(String[] args) throws Exception {
    int port = 0;
    Path kubeconfig = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--port" -> port = Integer.parseInt(requireValue(args, ++i, "--port"));
        case "--kubeconfig" -> kubeconfig = Path.of(requireValue(args, ++i, "--kubeconfig"));
        case "-h", "--help" -> {
          System.out.println("usage: LocalApiServer [--port N] [--kubeconfig FILE]");
          return;
        }
        default -> throw new IllegalArgumentException("unknown argument " + args[i]
            + " (usage: LocalApiServer [--port N] [--kubeconfig FILE])");
      }
    }
    if (kubeconfig == null) {
      Path cwd = Path.of("").toAbsolutePath();
      kubeconfig = cwd.getFileName() != null && cwd.getFileName().toString().equals("local")
          ? Path.of("target", "kubeconfig") : Path.of("local", "target", "kubeconfig");
    }
    LocalApiServer apiServer = new LocalApiServer().start(port);
    Path written = apiServer.writeKubeconfig(kubeconfig);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      apiServer.close();
      stopped.countDown();
    }, "slb-local-shutdown"));
    System.out.println("Local API server on " + apiServer.url() + " (plain HTTP, loopback only, no auth).");
    System.out.println("Point kubectl at it:");
    System.out.println("export KUBECONFIG=" + written);
    System.out.println("(No OpenAPI yet: use kubectl apply --validate=false.) Ctrl-C stops it.");
    System.out.flush();
    stopped.await();
  }

  private static String requireValue(String[] args, int i, String flag) {
    if (i >= args.length) {
      throw new IllegalArgumentException(flag + " needs a value");
    }
    return args[i];
  }

  private static Map<String, String> versionInfo() {
    Map<String, String> v = new LinkedHashMap<>();
    v.put("major", "1");
    v.put("minor", "32");
    v.put("gitVersion", "v1.32.0-slb.local");
    v.put("gitCommit", "0000000000000000000000000000000000000000");
    v.put("gitTreeState", "clean");
    v.put("buildDate", "1970-01-01T00:00:00Z");
    v.put("goVersion", "n/a (Java " + Runtime.version().feature() + ")");
    v.put("compiler", "javac");
    v.put("platform", System.getProperty("os.name", "unknown").toLowerCase(java.util.Locale.ROOT)
        + "/" + System.getProperty("os.arch", "unknown"));
    return Map.copyOf(v);
  }
}
