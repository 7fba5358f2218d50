package dev.slb.proxy.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Secrets held in memory, as the API would serve them, for tests of what reads them. */
final class TestingSecretStore implements SecretStore {
    private final Map<String, Map<String, byte[]>> secrets = new ConcurrentHashMap<>();

    /** Puts (or replaces) a TLS Secret from two PEM files. */
    TestingSecretStore tls(String name, Path cert, Path key) throws IOException {
        secrets.put(name, Map.of("tls.crt", Files.readAllBytes(cert), "tls.key", Files.readAllBytes(key)));
        return this;
    }

    /** Puts (or replaces) a Secret holding a CA bundle under ca.crt. */
    TestingSecretStore ca(String name, Path... certs) throws IOException {
        StringBuilder pem = new StringBuilder();
        for (Path c : certs) {
            pem.append(Files.readString(c));
        }
        secrets.put(name, Map.of("ca.crt", pem.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
        return this;
    }

    void delete(String name) {
        secrets.remove(name);
    }

    @Override
    public Map<String, byte[]> data(String name) throws IOException {
        Map<String, byte[]> data = secrets.get(name);
        if (data == null) {
            throw new IOException("Secret testing/" + name + " does not exist");
        }
        return data;
    }

    @Override
    public String namespace() {
        return "testing";
    }
}
