package io.meteringest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import java.util.Properties;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.spi.PropertiesComponent;
import org.junit.jupiter.api.Test;

/** The settings rules on the shipped application.properties with one key changed: one line naming the key. */
class SettingsCheckTest {

    @Test
    void the_shipped_settings_pass() {
        SettingsCheck.check(settings(Map.of()));
    }

    @Test
    void each_bad_setting_is_one_line_naming_the_key() {
        assertProblem(Map.of("ingest.bucket", " "),
                "ingest.bucket: is not set; set it in application.properties or at launch (-Dingest.bucket=...)");
        assertProblem(Map.of("ingest.queue", "plain-queue"), "ingest.queue: 'plain-queue' is not a FIFO queue name (must end in .fifo)");
        assertProblem(Map.of("ingest.dead-letter-queue", "dlq"), "ingest.dead-letter-queue: 'dlq' is not a FIFO queue name (must end in .fifo)");
        assertProblem(Map.of("ingest.max-future", "soon"), "ingest.max-future: 'soon' is not an ISO-8601 duration such as PT1H or PT30S");
        assertProblem(Map.of("ingest.dedup.retention", "-P1D"), "ingest.dedup.retention: must not be negative, was '-P1D'");
        assertProblem(Map.of("ingest.aggregation.window", "PT0S"), "ingest.aggregation.window: must be positive, was PT0S");
        assertProblem(Map.of("ingest.store.url", ""),
                "ingest.store.url: is not set; set it in application.properties or at launch (-Dingest.store.url=...)");
        // found before, when the wiring chose the store (after the embedded servers had started)
        assertProblem(Map.of("ingest.store.url", "mysql://db/usage"),
                "ingest.store.url: 'mysql://db/usage' is neither rocksdb:<folder> nor a jdbc: URL");
        // read by the wiring with Integer.parseInt, which gave a stack trace
        assertProblem(Map.of("ingest.store.pool-size", "four"), "ingest.store.pool-size: must be a whole number, was 'four'");
        assertProblem(Map.of("ingest.local.sqs-port", "95x"), "ingest.local.sqs-port: must be a whole number, was '95x'");
        assertProblem(Map.of("ingest.local.max-receive-count", "many"), "ingest.local.max-receive-count: must be a whole number, was 'many'");
        // read by Camel (timer periods, the archive's redelivery), which gave a stack trace
        assertProblem(Map.of("ingest.probe-interval", "10s"), "ingest.probe-interval: must be a number of milliseconds above 0, was '10s'");
        assertProblem(Map.of("ingest.aggregation.flush-interval", "0"),
                "ingest.aggregation.flush-interval: must be a number of milliseconds above 0, was '0'");
        assertProblem(Map.of("ingest.archive.retries", "-1"), "ingest.archive.retries: must not be negative, was -1");
        assertProblem(Map.of("ingest.aggregation.max-flush-rows", "0"),
                "ingest.aggregation.max-flush-rows: must be a whole number above 0, was '0'");
        assertProblem(Map.of("ingest.aggregation.max-flush-rows", "10k"),
                "ingest.aggregation.max-flush-rows: must be a whole number above 0, was '10k'");
        assertProblem(Map.of("ingest.embedded", "yes"), "ingest.embedded: must be true or false, was 'yes'");
        // remote JMX, checked here rather than when JmxRemote opens it after the routes are built
        assertProblem(Map.of("ingest.jmx.port", "90x"), "ingest.jmx.port: must be a whole number, was '90x'");
        assertProblem(Map.of("ingest.jmx.port", "9010", "ingest.jmx.host", "0.0.0.0"), "ingest.jmx.host: '0.0.0.0' is not"
                + " loopback; remote JMX there needs ingest.jmx.password-file and ingest.jmx.access-file (refusing to start unprotected)");
        assertProblem(Map.of("ingest.jmx.port", "9010", "ingest.jmx.password-file", "no-such.password", "ingest.jmx.access-file",
                "pom.xml"), "ingest.jmx.password-file: cannot read 'no-such.password'");
        assertProblem(Map.of("camel.management.host", "0.0.0.0"), "camel.management.host: '0.0.0.0' is not loopback; /observe there"
                + " needs camel.management.authentication-enabled=true and camel.management.basic-properties-file"
                + " (refusing to start unprotected)");
    }

    @Test
    void the_readers_give_the_same_line_as_the_check_and_a_default_for_an_absent_number() {
        PropertiesComponent pc = settings(Map.of("ingest.max-future", "soon"));
        assertEquals(assertThrows(StartupException.class, () -> SettingsCheck.check(pc)).getMessage(),
                assertThrows(StartupException.class, () -> SettingsCheck.duration(pc, "ingest.max-future")).getMessage());
        assertEquals(7, SettingsCheck.wholeNumber(pc, "ingest.no-such-number", 7));
    }

    @Test
    void the_check_hands_remote_jmx_its_settings_so_their_rules_run_once() {
        assertEquals(null, SettingsCheck.check(settings(Map.of())));
        assertEquals(9010, SettingsCheck.check(settings(Map.of("ingest.jmx.port", "9010"))).port());
    }

    @Test
    void remote_jmx_is_off_without_a_port_and_on_loopback_with_one() {
        assertEquals(null, SettingsCheck.jmx(settings(Map.of())));
        SettingsCheck.Jmx jmx = SettingsCheck.jmx(settings(Map.of("ingest.jmx.port", "9010")));
        assertEquals(9010, jmx.port());
        assertEquals("127.0.0.1", jmx.host());
        assertEquals(false, jmx.secured());
    }

    private static void assertProblem(Map<String, String> changed, String message) {
        StartupException e = assertThrows(StartupException.class, () -> SettingsCheck.check(settings(changed)));
        assertEquals(message, e.getMessage());
        assertEquals(0, e.getStackTrace().length, "a StartupException carries no stack trace to print");
    }

    private static PropertiesComponent settings(Map<String, String> changed) {
        DefaultCamelContext context = new DefaultCamelContext();
        PropertiesComponent pc = context.getPropertiesComponent();
        pc.setLocation("file:application.properties");
        Properties overrides = new Properties();
        overrides.putAll(changed);
        pc.setOverrideProperties(overrides);
        return pc;
    }
}
