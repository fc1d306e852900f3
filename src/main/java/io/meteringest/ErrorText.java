package io.meteringest;

/**
 * An exception as one line for a log line or a startup message: SDK and JDBC messages run over
 * several lines (request ids, SQL states) that would break our one-line events. Used by the startup
 * checks, the wiring and the readiness probe.
 */
public final class ErrorText {

    private ErrorText() {
    }

    /** The first line of the exception's message. */
    public static String firstLine(Throwable e) {
        String message = String.valueOf(e.getMessage());
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }

    /** The first line of the innermost cause's message: a driver's own words, not its wrappers'. */
    public static String rootFirstLine(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return firstLine(root);
    }
}
