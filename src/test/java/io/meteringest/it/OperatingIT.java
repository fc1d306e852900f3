package io.meteringest.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meteringest.local.EmbeddedAws;
import io.meteringest.local.FreePort;
import io.meteringest.testkit.AwsKit;
import io.meteringest.testkit.Records;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;

/**
 * Operating the packaged jar: route management over a real JMX connector (RMI, from this JVM to the
 * process), and the redrive, replay and flush subcommands against it.
 */
class OperatingIT {

    private static final String RECORD = Records.record("c-9", "Storage", "7");

    @TempDir
    Path work;
    private EmbeddedAws aws;
    private SqsClient sqs;
    private S3Client s3;
    private Map<String, String> props;
    private int jmxPort;

    @BeforeEach
    void start() throws Exception {
        aws = EmbeddedAws.start(0, 0, work.resolve("s3"));
        sqs = aws.sqsClient();
        AwsKit.createShippedQueuesAndBucket(aws, sqs, 5);
        s3 = aws.s3Client();
        jmxPort = FreePort.find();
        props = JarProcess.against(aws, work);
        props.put("ingest.jmx.port", String.valueOf(jmxPort));
    }

    @AfterEach
    void stop() throws Exception {
        sqs.close();
        s3.close();
        aws.close();
    }

    @Test
    void jmx_over_rmi_suspends_and_resumes_the_consumer_and_reads_its_counters() throws Exception {
        // the readiness probe's HeadBucket, twice a second, shows the app's schedulers at work while the consumer is suspended
        props.put("ingest.probe-interval", "500");
        try (JarProcess app = JarProcess.start(props)) {
            app.awaitOutput("Started ingest-consume", Duration.ofSeconds(90));
            JMXServiceURL url = new JMXServiceURL("service:jmx:rmi:///jndi/rmi://127.0.0.1:" + jmxPort + "/jmxrmi");
            try (JMXConnector connector = JMXConnectorFactory.connect(url)) {
                MBeanServerConnection jmx = connector.getMBeanServerConnection();
                ObjectName consume = new ObjectName("org.apache.camel:context=meter-ingest,type=routes,name=\"ingest-consume\"");
                assertTrue(((String) jmx.getAttribute(consume, "Description")).startsWith("SQS FIFO queue -> archive raw body"));

                jmx.invoke(consume, "suspend", null, null);
                await().atMost(Duration.ofSeconds(30)).until(() -> "Suspended".equals(jmx.getAttribute(consume, "State")));
                int receives = calls(app, "Sqs:ReceiveMessage");
                int probes = calls(app, "S3:HeadBucket");
                send(RECORD);
                // three probe rounds after the send, the message is still visible: the suspended consumer did not take it
                await().atMost(Duration.ofSeconds(30)).until(() -> calls(app, "S3:HeadBucket") >= probes + 3);
                assertEquals(1, AwsKit.visibleOn(sqs, AwsKit.queueUrl(sqs, AwsKit.QUEUE)), "the message waits, visible");
                assertEquals(receives, calls(app, "Sqs:ReceiveMessage"), "no receive while suspended");
                assertEquals(0L, jmx.getAttribute(consume, "ExchangesTotal"));

                jmx.invoke(consume, "resume", null, null);
                await().atMost(Duration.ofSeconds(30)).until(() -> onQueue() == 0);
                // the delete is the route's last call to SQS; the exchange completes just after it
                await().atMost(Duration.ofSeconds(10)).until(() -> Long.valueOf(1).equals(jmx.getAttribute(consume, "ExchangesCompleted")));
                assertEquals(0L, jmx.getAttribute(consume, "ExchangesFailed"));
            }
            assertEquals(0, app.terminate(Duration.ofSeconds(60)), app.output());
        }
    }

    @Test
    void flush_replay_and_redrive_subcommands_work_on_the_running_instance() throws Exception {
        try (JarProcess app = JarProcess.start(props)) {
            app.awaitOutput("Started ingest-consume", Duration.ofSeconds(90));
            send(Records.sampleArray());
            send(Records.sampleNdjson());
            await().atMost(Duration.ofSeconds(30)).until(() -> onQueue() == 0);

            assertTrue(command("flush").startsWith("flush "), "the samples' windows closed long ago");
            List<String> usage = usageKeys();
            assertEquals(2, usage.size(), usage.toString());

            String replayed = command("replay", "--from", Instant.now().minusSeconds(3600).toString(),
                    "--to", Instant.now().plusSeconds(3600).toString());
            assertTrue(replayed.contains("replayed 2 message(s)") && replayed.contains("2 already accounted (unchanged),"
                    + " 0 record(s) newly accounted"), replayed);
            assertTrue(command("flush").startsWith("no closed windows"), "a replay of counted messages adds no rows");
            assertEquals(usage, usageKeys());

            // a raw body that was dead-lettered while S3 was down
            String dlq = AwsKit.queueUrl(sqs, AwsKit.DEAD_LETTER_QUEUE);
            sqs.sendMessage(b -> b.queueUrl(dlq).messageBody(RECORD).messageGroupId("g-1")
                    .messageDeduplicationId("m-dead")
                    .messageAttributes(Map.of("source-message-id", text("m-dead"), "source-group-id", text("g-1"),
                            "failure-reason", text("S3 was down"))));
            String redriven = command("redrive");
            assertTrue(redriven.contains("redrive done: 1 message(s) moved back"), redriven);
            await().atMost(Duration.ofSeconds(30)).until(() -> onQueue() == 0 && messages(dlq) == 0);
            assertTrue(command("flush").startsWith("flush "));
            assertEquals(4, usageKeys().size());
            assertEquals(0, app.terminate(Duration.ofSeconds(60)), app.output());
        }
    }

    @Test
    void with_password_and_access_files_jmx_needs_credentials() throws Exception {
        Path password = work.resolve("jmx.password");
        Path access = work.resolve("jmx.access");
        Files.writeString(password, "operator s3cret-" + UUID.randomUUID() + "\n");
        Files.writeString(access, "operator readwrite\n");
        Files.setPosixFilePermissions(password, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        props.put("ingest.jmx.password-file", password.toString());
        props.put("ingest.jmx.access-file", access.toString());
        String secret = Files.readString(password).trim().split(" ")[1];
        try (JarProcess app = JarProcess.start(props)) {
            app.awaitOutput("Started ingest-consume", Duration.ofSeconds(90));
            JMXServiceURL url = new JMXServiceURL("service:jmx:rmi:///jndi/rmi://127.0.0.1:" + jmxPort + "/jmxrmi");
            org.junit.jupiter.api.Assertions.assertThrows(SecurityException.class, () -> JMXConnectorFactory.connect(url).close());
            try (JMXConnector connector = JMXConnectorFactory.connect(url,
                    Map.of(JMXConnector.CREDENTIALS, new String[] {"operator", secret}))) {
                assertEquals("Started", connector.getMBeanServerConnection().getAttribute(
                        new ObjectName("org.apache.camel:context=meter-ingest,type=routes,name=\"ingest-consume\""), "State"));
            }
            assertTrue(!app.output().contains(secret), "the JMX password is not logged");
            assertEquals(0, app.terminate(Duration.ofSeconds(60)), app.output());
        }
    }

    @Test
    void refuses_to_open_jmx_beyond_loopback_without_password_and_access_files() throws Exception {
        props.put("ingest.jmx.host", "0.0.0.0");
        try (JarProcess app = JarProcess.start(props)) {
            assertEquals(1, app.awaitExit(Duration.ofSeconds(90)), app.output());
            JarProcess.assertOneLineError(app.output(), "ingest.jmx.host: '0.0.0.0' is not loopback; remote JMX there needs"
                    + " ingest.jmx.password-file and ingest.jmx.access-file");
        }
    }

    private String command(String... args) throws Exception {
        try (JarProcess command = JarProcess.start(Map.of("ingest.jmx.port", String.valueOf(jmxPort)), args)) {
            assertEquals(0, command.awaitExit(Duration.ofSeconds(60)), command.output());
            return command.output().trim();
        }
    }

    private List<String> usageKeys() {
        return AwsKit.keys(s3, AwsKit.BUCKET, "usage/");
    }

    private void send(String body) {
        AwsKit.send(sqs, AwsKit.queueUrl(sqs, AwsKit.QUEUE), body);
    }

    private int onQueue() {
        return messages(AwsKit.queueUrl(sqs, AwsKit.QUEUE));
    }

    private int messages(String url) {
        return AwsKit.messagesOn(sqs, url);
    }

    /** How many calls of {@code call} ("Sqs:ReceiveMessage") the app has made so far. */
    private static int calls(JarProcess app, String call) throws java.io.IOException {
        return (int) app.awsCalls().stream().filter(call::equals).count();
    }

    private static MessageAttributeValue text(String value) {
        return MessageAttributeValue.builder().dataType("String").stringValue(value).build();
    }
}
