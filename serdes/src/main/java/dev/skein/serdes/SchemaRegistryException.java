package dev.skein.serdes;

import dev.skein.core.errors.SkeinException;

/**
 * A Schema Registry call failed. {@link #kind()} says how; the message names the registry URL and,
 * where there is one, the subject.
 */
public class SchemaRegistryException extends SkeinException {
    /** What went wrong, from the HTTP status and the registry's own error code. */
    public enum Kind {
        SUBJECT_NOT_FOUND, VERSION_NOT_FOUND, SCHEMA_NOT_FOUND, INCOMPATIBLE_SCHEMA,
        /** The registry cannot parse the schema or resolve its references (42201), or it is too large (42209). */
        INVALID_SCHEMA,
        /** Not a version the registry accepts (42202): versions are 1 and up, or {@code latest}. */
        INVALID_VERSION,
        /** Not a compatibility level the registry knows (42203). */
        INVALID_COMPATIBILITY_LEVEL,
        UNAUTHORIZED, FORBIDDEN,
        /** Any other refusal of the request (400, or 42204 to 42208: mode, operation, references, id, subject). */
        BAD_REQUEST,
        RATE_LIMITED, SERVER_ERROR, UNREACHABLE,
        /** No answer within the timeout, or a 408 answer: retriable. */
        TIMEOUT,
        /** A success answer that is not JSON or lacks a field every registry sends (a proxy's page, say). */
        MALFORMED_RESPONSE,
        /** An answer larger than the client buffers (16 MiB): a broken or hostile endpoint. Not retried. */
        RESPONSE_TOO_LARGE
    }

    private final Kind kind;
    private final int httpStatus;
    private final int errorCode;

    public SchemaRegistryException(Kind kind, String message, int httpStatus, int errorCode, Throwable cause) {
        super(message, cause, kind == Kind.SERVER_ERROR || kind == Kind.RATE_LIMITED || kind == Kind.UNREACHABLE || kind == Kind.TIMEOUT);
        this.kind = kind;
        this.httpStatus = httpStatus;
        this.errorCode = errorCode;
    }

    public Kind kind() {
        return kind;
    }

    /** The HTTP status, or -1 when no response arrived. */
    public int httpStatus() {
        return httpStatus;
    }

    /** The registry's error code (e.g. 40401 subject not found), or -1. */
    public int registryErrorCode() {
        return errorCode;
    }
}
