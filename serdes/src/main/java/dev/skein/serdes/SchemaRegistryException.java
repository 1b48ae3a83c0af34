package dev.skein.serdes;

import dev.skein.core.errors.SkeinException;

/**
 * A Schema Registry call failed. {@link #kind()} says how; the message names the registry URL and,
 * where there is one, the subject.
 */
public class SchemaRegistryException extends SkeinException {
    /** What went wrong, from the HTTP status and the registry's own error code. */
    public enum Kind {
        SUBJECT_NOT_FOUND, VERSION_NOT_FOUND, SCHEMA_NOT_FOUND, INCOMPATIBLE_SCHEMA, INVALID_SCHEMA,
        UNAUTHORIZED, FORBIDDEN, BAD_REQUEST, RATE_LIMITED, SERVER_ERROR, UNREACHABLE, TIMEOUT,
        /** A success answer that is not JSON or lacks a field every registry sends (a proxy's page, say). */
        MALFORMED_RESPONSE
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
