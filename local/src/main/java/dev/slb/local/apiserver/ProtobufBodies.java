package dev.slb.local.apiserver;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/**
 * Turns the few protobuf request bodies kubectl 1.32 sends for built-in kinds the tests create
 * ({@code kubectl create configmap}, {@code kubectl create secret generic},
 * {@code kubectl create namespace}) into JSON. kubectl
 * does not fall back to JSON on a 415, so without this those commands cannot work.
 *
 * <p>Only ConfigMap, Secret and Namespace are understood, with the metadata fields kubectl sets (name,
 * generateName, namespace, labels, annotations); anything else, or any other non-empty field, is
 * refused (the caller answers 415) rather than stored with fields silently dropped. Field numbers
 * are those of Kubernetes' published {@code generated.proto} for core/v1 and meta/v1.
 */
final class ProtobufBodies {

    private static final byte[] MAGIC = {'k', '8', 's', 0};

    /** Thrown when a body is protobuf but outside the supported subset. */
    static final class Unsupported extends Exception {
        private static final long serialVersionUID = 1L;

        Unsupported(String message) {
            super(message);
        }
    }

    private ProtobufBodies() {}

    static Optional<ObjectNode> toJson(byte[] body, ObjectMapper mapper) throws Unsupported {
        if (body.length < MAGIC.length) {
            return Optional.empty();
        }
        for (int i = 0; i < MAGIC.length; i++) {
            if (body[i] != MAGIC[i]) {
                throw new Unsupported("protobuf body without the k8s envelope");
            }
        }
        Reader unknown = new Reader(body, MAGIC.length, body.length);
        String apiVersion = "";
        String kind = "";
        byte[] raw = new byte[0];
        while (unknown.more()) {
            int tag = unknown.tag();
            switch (tag >>> 3) {
                case 1 -> {
                    Reader typeMeta = unknown.message();
                    while (typeMeta.more()) {
                        int t = typeMeta.tag();
                        switch (t >>> 3) {
                            case 1 -> apiVersion = typeMeta.string();
                            case 2 -> kind = typeMeta.string();
                            default -> typeMeta.skip(t);
                        }
                    }
                }
                case 2 -> raw = unknown.bytes();
                default -> unknown.skip(tag);
            }
        }
        if (!"v1".equals(apiVersion)
                || !("ConfigMap".equals(kind) || "Secret".equals(kind) || "Namespace".equals(kind))) {
            throw new Unsupported("protobuf bodies are supported only for v1 ConfigMap, Secret and Namespace, not "
                    + apiVersion + " " + kind + "; send JSON (e.g. kubectl apply -f)");
        }
        ObjectNode object = mapper.createObjectNode();
        object.put("apiVersion", apiVersion);
        object.put("kind", kind);
        boolean secret = kind.equals("Secret");
        Reader r = new Reader(raw, 0, raw.length);
        if (kind.equals("Namespace")) {
            return Optional.of(namespace(r, object, mapper));
        }
        while (r.more()) {
            int tag = r.tag();
            int field = tag >>> 3;
            if (field == 1) {
                object.set("metadata", metadata(r.message(), mapper));
            } else if (field == 2) {
                // ConfigMap.data is map<string,string>; Secret.data is map<string,bytes> (base64 in JSON).
                mapEntry(r.message(), object.withObjectProperty("data"), secret);
            } else if (!secret && field == 3) {
                mapEntry(r.message(), object.withObjectProperty("binaryData"), true);
            } else if (secret && field == 3) {
                object.put("type", r.string());
            } else if (secret && field == 4) {
                mapEntry(r.message(), object.withObjectProperty("stringData"), false);
            } else if ((!secret && field == 4) || (secret && field == 5)) {
                object.put("immutable", r.varint() != 0);
            } else {
                throw new Unsupported("unsupported field " + field + " in a protobuf " + kind);
            }
        }
        return Optional.of(object);
    }

    /** Namespace: metadata 1, spec 2 (finalizers 1), status 3 (server-set; must arrive empty). */
    private static ObjectNode namespace(Reader r, ObjectNode object, ObjectMapper mapper) throws Unsupported {
        while (r.more()) {
            int tag = r.tag();
            switch (tag >>> 3) {
                case 1 -> object.set("metadata", metadata(r.message(), mapper));
                case 2 -> {
                    Reader spec = r.message();
                    while (spec.more()) {
                        int t = spec.tag();
                        if ((t >>> 3) == 1) {
                            object.withObjectProperty("spec")
                                    .withArray("finalizers")
                                    .add(spec.string());
                        } else if (!spec.skipIsEmpty(t)) {
                            throw new Unsupported("unsupported field " + (t >>> 3) + " in a protobuf Namespace spec");
                        }
                    }
                }
                case 3 -> {
                    Reader status = r.message();
                    while (status.more()) {
                        if (!status.skipIsEmpty(status.tag())) {
                            throw new Unsupported("a protobuf Namespace must not carry a status");
                        }
                    }
                }
                default -> throw new Unsupported("unsupported field " + (tag >>> 3) + " in a protobuf Namespace");
            }
        }
        return object;
    }

    private static ObjectNode metadata(Reader r, ObjectMapper mapper) throws Unsupported {
        ObjectNode meta = mapper.createObjectNode();
        while (r.more()) {
            int tag = r.tag();
            int field = tag >>> 3;
            switch (field) {
                case 1 -> putIfNotEmpty(meta, "name", r.string());
                case 2 -> putIfNotEmpty(meta, "generateName", r.string());
                case 3 -> putIfNotEmpty(meta, "namespace", r.string());
                case 11 -> mapEntry(r.message(), meta.withObjectProperty("labels"), false);
                case 12 -> mapEntry(r.message(), meta.withObjectProperty("annotations"), false);
                default -> {
                    // Server-set fields (selfLink, uid, resourceVersion, generation, creationTimestamp, ...)
                    // arrive empty from kubectl create; anything non-empty here would be lost, so refuse.
                    if (!r.skipIsEmpty(tag)) {
                        throw new Unsupported("unsupported non-empty metadata field " + field + " in a protobuf body");
                    }
                }
            }
        }
        return meta;
    }

    private static void putIfNotEmpty(ObjectNode node, String name, String value) {
        if (!value.isEmpty()) {
            node.put(name, value);
        }
    }

    private static void mapEntry(Reader entry, ObjectNode target, boolean bytesValue) throws Unsupported {
        String key = "";
        String value = "";
        while (entry.more()) {
            int tag = entry.tag();
            switch (tag >>> 3) {
                case 1 -> key = entry.string();
                case 2 -> value = bytesValue ? Base64.getEncoder().encodeToString(entry.bytes()) : entry.string();
                default -> entry.skip(tag);
            }
        }
        target.put(key, value);
    }

    /** A minimal protobuf wire-format reader over {@code [pos, end)}. */
    private static final class Reader {
        private final byte[] buf;
        private int pos;
        private final int end;

        Reader(byte[] buf, int pos, int end) {
            this.buf = buf;
            this.pos = pos;
            this.end = end;
        }

        boolean more() {
            return pos < end;
        }

        int tag() throws Unsupported {
            return (int) varint();
        }

        long varint() throws Unsupported {
            long result = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (pos >= end) {
                    throw new Unsupported("truncated protobuf body");
                }
                byte b = buf[pos++];
                result |= (long) (b & 0x7f) << shift;
                if ((b & 0x80) == 0) {
                    return result;
                }
            }
            throw new Unsupported("malformed protobuf varint");
        }

        byte[] bytes() throws Unsupported {
            long length = varint();
            if (length < 0 || length > end - pos) {
                throw new Unsupported("truncated protobuf body");
            }
            byte[] out = new byte[(int) length];
            System.arraycopy(buf, pos, out, 0, out.length);
            pos += out.length;
            return out;
        }

        String string() throws Unsupported {
            return new String(bytes(), StandardCharsets.UTF_8);
        }

        Reader message() throws Unsupported {
            byte[] b = bytes();
            return new Reader(b, 0, b.length);
        }

        void skip(int tag) throws Unsupported {
            skipIsEmpty(tag);
        }

        /** Skips the field's value and says whether it was empty (zero varint or zero length). */
        boolean skipIsEmpty(int tag) throws Unsupported {
            switch (tag & 7) {
                case 0 -> {
                    return varint() == 0;
                }
                case 1 -> {
                    pos += 8;
                    return false;
                }
                case 2 -> {
                    return bytes().length == 0;
                }
                case 5 -> {
                    pos += 4;
                    return false;
                }
                default -> throw new Unsupported("unsupported protobuf wire type " + (tag & 7));
            }
        }
    }
}
