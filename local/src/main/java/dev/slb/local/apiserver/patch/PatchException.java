package dev.slb.local.apiserver.patch;

/** A PATCH body that cannot be applied, with the HTTP status the API server answers it with. */
public final class PatchException extends Exception {

    private static final long serialVersionUID = 1L;

    private final int code;

    private PatchException(int code, String message) {
        super(message);
        this.code = code;
    }

    /** 400: the patch is malformed (a directive of the wrong shape). */
    static PatchException badRequest(String message) {
        return new PatchException(400, message);
    }

    /** 415: this patch type does not apply to this kind at all. */
    static PatchException unsupportedMediaType(String message) {
        return new PatchException(415, message);
    }

    /** 422: the patch is well formed but cannot be applied to this object. */
    static PatchException unprocessable(String message) {
        return new PatchException(422, message);
    }

    /** The HTTP status code: 400, 415 or 422. */
    public int code() {
        return code;
    }
}
