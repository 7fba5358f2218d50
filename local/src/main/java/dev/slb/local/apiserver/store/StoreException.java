package dev.slb.local.apiserver.store;

/** A write the store refuses: the object is missing, already there, or changed since the writer read it. */
public final class StoreException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Why, in the API's terms. */
    public enum Problem {
        NOT_FOUND,
        ALREADY_EXISTS,
        CONFLICT
    }

    private final Problem problem;

    StoreException(Problem problem, String detail) {
        super(detail, null, false, false);
        this.problem = problem;
    }

    public Problem problem() {
        return problem;
    }
}
