package io.meteringest;

/**
 * A startup problem a person can fix, with a message that names the key or resource and what to do.
 * {@code Application} prints its message as one line and exits, without a stack trace.
 */
public final class StartupException extends RuntimeException {

    public StartupException(String message) {
        super(message, null, false, false);
    }
}
