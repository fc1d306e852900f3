package io.meteringest.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.core.OutputStreamAppender;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The shipped logback.xml keeps every event on one line, whatever a message contains. */
class LogFormatTest {

    @Test
    void a_message_with_line_breaks_or_control_characters_stays_one_plain_line() {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        @SuppressWarnings("unchecked")
        OutputStreamAppender<ch.qos.logback.classic.spi.ILoggingEvent> console =
                (OutputStreamAppender<ch.qos.logback.classic.spi.ILoggingEvent>) context.getLogger(Logger.ROOT_LOGGER_NAME)
                        .getAppender("STDOUT");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        console.setOutputStream(out);
        try {
            LoggerFactory.getLogger("test").info("reason: {}", "bad\n12:00:00.000 ERROR [main] forged - line\r\nmore"
                    + "\rover\u001b[2Jtab\tend");
        } finally {
            console.setOutputStream(System.out);
        }
        String logged = out.toString(StandardCharsets.UTF_8);
        assertEquals(1, logged.lines().count(), logged);
        assertTrue(logged.contains("reason: bad\\n12:00:00.000 ERROR [main] forged - line\\nmore\\rover?[2Jtab\tend"), logged);
    }
}
