package dev.slb.local.apiserver.rest;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.util.Arrays;
import java.util.Base64;

/**
 * Turns the few protobuf request bodies kubectl 1.32 sends for built-in kinds into JSON:
 * {@code kubectl create configmap}, {@code kubectl create secret generic} and
 * {@code kubectl create namespace}. kubectl does not fall back to JSON on a 415, so without this
 * those commands cannot work.
 *
 * <p>Only ConfigMap, Secret and Namespace are understood, with the metadata fields kubectl sets
 * (name, generateName, namespace, labels, annotations); anything else, or any other non-empty
 * field, is refused with 415 rather than stored with fields silently dropped. Field numbers are
 * those of Kubernetes' published {@code generated.proto} for core/v1 and meta/v1, read with
 * protobuf-java's wire reader (no generated classes).
 */
final class ProtobufBodies {

    private static final byte[] MAGIC = {'k', '8', 's', 0};

    private ProtobufBodies() {}

    static ObjectNode toJson(byte[] body) {
        if (body.length < MAGIC.length || !Arrays.equals(body, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw unsupported("protobuf body without the k8s envelope");
        }
        try {
            return read(CodedInputStream.newInstance(body, MAGIC.length, body.length - MAGIC.length));
        } catch (IOException e) {
            throw unsupported("malformed protobuf body: " + e.getMessage());
        }
    }

    /** The envelope ({@code runtime.Unknown}): typeMeta 1 (apiVersion 1, kind 2), raw 2. */
    private static ObjectNode read(CodedInputStream unknown) throws IOException {
        String apiVersion = "";
        String kind = "";
        byte[] raw = new byte[0];
        for (int tag = unknown.readTag(); tag != 0; tag = unknown.readTag()) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> {
                    CodedInputStream typeMeta = unknown.readBytes().newCodedInput();
                    for (int t = typeMeta.readTag(); t != 0; t = typeMeta.readTag()) {
                        switch (WireFormat.getTagFieldNumber(t)) {
                            case 1 -> apiVersion = typeMeta.readString();
                            case 2 -> kind = typeMeta.readString();
                            default -> typeMeta.skipField(t);
                        }
                    }
                }
                case 2 -> raw = unknown.readByteArray();
                default -> unknown.skipField(tag);
            }
        }
        if (!"v1".equals(apiVersion)
                || !(kind.equals("ConfigMap") || kind.equals("Secret") || kind.equals("Namespace"))) {
            throw unsupported("protobuf bodies are supported only for v1 ConfigMap, Secret and Namespace, not "
                    + apiVersion + " " + kind + "; send JSON (e.g. kubectl apply -f)");
        }
        ObjectNode object = JsonNodeFactory.instance
                .objectNode()
                .put("apiVersion", apiVersion)
                .put("kind", kind);
        CodedInputStream in = CodedInputStream.newInstance(raw);
        boolean secret = kind.equals("Secret");
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            int field = WireFormat.getTagFieldNumber(tag);
            if (field == 1) {
                object.set("metadata", metadata(in.readBytes().newCodedInput()));
            } else if (kind.equals("Namespace")) {
                namespaceField(in, tag, object);
            } else if (field == 2) {
                // ConfigMap.data is map<string,string>; Secret.data is map<string,bytes> (base64 in JSON).
                entry(in.readBytes().newCodedInput(), object.withObjectProperty("data"), secret);
            } else if (!secret && field == 3) {
                entry(in.readBytes().newCodedInput(), object.withObjectProperty("binaryData"), true);
            } else if (secret && field == 3) {
                object.put("type", in.readString());
            } else if (secret && field == 4) {
                entry(in.readBytes().newCodedInput(), object.withObjectProperty("stringData"), false);
            } else if ((!secret && field == 4) || (secret && field == 5)) {
                object.put("immutable", in.readBool());
            } else {
                throw unsupported("unsupported field " + field + " in a protobuf " + kind);
            }
        }
        return object;
    }

    /** Namespace: spec 2 (finalizers 1); status 3 is the server's and must arrive empty. */
    private static void namespaceField(CodedInputStream in, int tag, ObjectNode object) throws IOException {
        int field = WireFormat.getTagFieldNumber(tag);
        if (field != 2 && field != 3) {
            throw unsupported("unsupported field " + field + " in a protobuf Namespace");
        }
        CodedInputStream part = in.readBytes().newCodedInput();
        for (int t = part.readTag(); t != 0; t = part.readTag()) {
            if (field == 2 && WireFormat.getTagFieldNumber(t) == 1) {
                object.withObjectProperty("spec").withArray("finalizers").add(part.readString());
            } else if (!skipIsEmpty(part, t)) {
                throw unsupported(
                        field == 3
                                ? "a protobuf Namespace must not carry a status"
                                : "unsupported field " + WireFormat.getTagFieldNumber(t)
                                        + " in a protobuf Namespace spec");
            }
        }
    }

    private static ObjectNode metadata(CodedInputStream in) throws IOException {
        ObjectNode meta = JsonNodeFactory.instance.objectNode();
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            int field = WireFormat.getTagFieldNumber(tag);
            switch (field) {
                case 1 -> putIfNotEmpty(meta, "name", in.readString());
                case 2 -> putIfNotEmpty(meta, "generateName", in.readString());
                case 3 -> putIfNotEmpty(meta, "namespace", in.readString());
                case 11 -> entry(in.readBytes().newCodedInput(), meta.withObjectProperty("labels"), false);
                case 12 -> entry(in.readBytes().newCodedInput(), meta.withObjectProperty("annotations"), false);
                default -> {
                    // Server-set fields (uid, resourceVersion, creationTimestamp, ...) arrive empty from
                    // kubectl create; anything non-empty here would be lost, so refuse it.
                    if (!skipIsEmpty(in, tag)) {
                        throw unsupported("unsupported non-empty metadata field " + field + " in a protobuf body");
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

    /** One map entry: key 1, value 2 (bytes values written as base64, as JSON carries them). */
    private static void entry(CodedInputStream in, ObjectNode target, boolean bytesValue) throws IOException {
        String key = "";
        String value = "";
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> key = in.readString();
                case 2 -> value = bytesValue ? Base64.getEncoder().encodeToString(in.readByteArray()) : in.readString();
                default -> in.skipField(tag);
            }
        }
        target.put(key, value);
    }

    /** Skips a field's value and says whether it was empty (zero varint or zero length). */
    private static boolean skipIsEmpty(CodedInputStream in, int tag) throws IOException {
        return switch (WireFormat.getTagWireType(tag)) {
            case WireFormat.WIRETYPE_VARINT -> in.readRawVarint64() == 0;
            case WireFormat.WIRETYPE_LENGTH_DELIMITED -> in.readBytes().isEmpty();
            default -> {
                in.skipField(tag);
                yield false;
            }
        };
    }

    private static ApiError unsupported(String message) {
        return new ApiError(415, "UnsupportedMediaType", message);
    }
}
