package dev.skein.core.errors;

import dev.skein.core.ErrorCode;

/** The group or transaction coordinator is loading, unavailable, or moved. Find the coordinator again and retry. */
public class CoordinatorException extends SkeinException {
    public CoordinatorException(String message, ErrorCode errorCode) {
        super(message, errorCode);
    }
}
