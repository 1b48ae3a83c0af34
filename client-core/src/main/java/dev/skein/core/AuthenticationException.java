package dev.skein.core;

/** Authentication with the broker failed. Final: delivered to every pending and future operation. */
public class AuthenticationException extends SkeinException {
    public AuthenticationException(String message, ErrorCode errorCode) {
        super(message, errorCode);
    }
}
