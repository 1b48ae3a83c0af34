package dev.skein.core.errors;

import dev.skein.core.ErrorCode;

/**
 * The broker and this client share no version of an API, or a field is set that the negotiated
 * version cannot carry. The message names the API (and field).
 */
public class UnsupportedVersionException extends SkeinException {
    public UnsupportedVersionException(String message) {
        super(message);
    }

    public UnsupportedVersionException(String message, ErrorCode errorCode) {
        super(message, errorCode);
    }
}
