package dev.slb.local.apiserver.store;

/**
 * One change of the store, in resourceVersion order: {@code object} is the new state (for a
 * deletion, the last state at the deletion's resourceVersion), {@code previous} the state it
 * replaced (null for a creation).
 */
public record Change(Type type, Stored object, Stored previous) {

    /** What happened to the object, as watch events name it. */
    public enum Type {
        ADDED,
        MODIFIED,
        DELETED
    }

    public long resourceVersion() {
        return object.resourceVersion();
    }

    /** The state a watch sees after the change; null once the object is gone. */
    Stored after() {
        return type == Type.DELETED ? null : object;
    }
}
