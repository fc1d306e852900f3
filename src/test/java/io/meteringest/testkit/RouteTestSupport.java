package io.meteringest.testkit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meteringest.ExchangeProps;
import io.meteringest.IngestConfiguration;
import io.meteringest.local.EmbeddedAws;
import io.meteringest.usage.UsageAccounting;
import io.meteringest.usage.UsageRow;
import io.meteringest.usage.UsageStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.main.MainConfigurationProperties;
import org.apache.camel.spi.Registry;
import org.apache.camel.test.junit5.CamelContextConfiguration;
import org.apache.camel.test.main.junit5.CamelMainTestSupport;
import org.junit.jupiter.api.AfterEach;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * Runs the real {@code routes/} files and {@code application.properties} in a Camel main test
 * context against real SQS- and S3-protocol servers (ElasticMQ + S3Proxy in this JVM), with a fresh
 * queue, dead-letter queue and bucket per test. The consumer route starts only when a test says so,
 * so messages can be queued first. Every delete the routes make is audited (see {@link AwsAudit}).
 *
 * <p>The one base class of the route tests of every area (ingest/, usage/, ops/ and the route files);
 * {@link AdvisedRouteTestSupport} is the same for tests that change a route with AdviceWith first.
 */
public abstract class RouteTestSupport extends CamelMainTestSupport {

    public static final int MAX_RECEIVE_COUNT = 5;
    private static final AtomicInteger SEQ = new AtomicInteger();

    protected final String queue;
    protected final String deadLetterQueue;
    protected final String bucket;
    protected final SqsClient sqs;
    protected final S3Client s3;
    protected final AwsAudit audit;
    /** Redelivery attempts Camel's error handlers made (its ExchangeRedeliveryEvents). */
    protected final java.util.concurrent.atomic.AtomicInteger redeliveries;
    /** Handed to Camel from the super constructor, filled in ours (no initializer: it must survive). */
    private Properties overrides;

    protected RouteTestSupport() {
        String name = getClass().getSimpleName().toLowerCase().replace("routetest", "") + "-" + SEQ.incrementAndGet();
        queue = name + ".fifo";
        deadLetterQueue = name + "-dlq.fifo";
        bucket = "b-" + name + "-" + UUID.randomUUID().toString().substring(0, 8);
        EmbeddedAws servers = servers();
        servers.createQueues(queue, deadLetterQueue, maxReceiveCount());
        servers.createBucket(bucket);
        sqs = servers.sqsClient();
        s3 = servers.s3Client();
        audit = new AwsAudit(s3, bucket);
        redeliveries = new java.util.concurrent.atomic.AtomicInteger();
        overrides.putAll(servers.camelProperties());
        overrides.put("ingest.embedded", "false");
        overrides.put("ingest.queue", queue);
        overrides.put("ingest.dead-letter-queue", deadLetterQueue);
        overrides.put("ingest.bucket", bucket);
        // short enough for tests to see redeliveries and stop quickly
        overrides.put("camel.component.aws2-sqs.visibility-timeout", "3");
        overrides.put("camel.component.aws2-sqs.wait-time-seconds", "1");
        overrides.put("ingest.archive.retries", "2");
        overrides.put("ingest.archive.retry-delay", "50");
        overrides.put("camel.component.aws2-sqs.amazon-s-q-s-client", "#auditedSqsClient");
        overrides.put("ingest.store.url", "jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1");
        // tests flush explicitly
        overrides.put("ingest.aggregation.flush-interval", "3600000");
        overrides.putAll(extraProperties());
    }

    /** One pair of servers for the whole test JVM ({@link AwsKit#sharedServers()}). */
    protected static EmbeddedAws servers() {
        return AwsKit.sharedServers();
    }

    @Override
    protected void configure(MainConfigurationProperties configuration) {
        configuration.withRoutesIncludePattern("file:routes/*.camel.yaml");
        configuration.addConfiguration(IngestConfiguration.class);
    }

    @Override
    protected String getPropertyPlaceholderLocations() {
        return "file:application.properties";
    }

    @Override
    public void configureContext(CamelContextConfiguration camelContextConfiguration) {
        super.configureContext(camelContextConfiguration);
        overrides = new Properties();
        camelContextConfiguration.withUseOverridePropertiesWithPropertiesComponent(overrides);
        camelContextConfiguration.withAutoStartupExcludePatterns("ingest-consume");
    }

    /** The queue's redrive policy: receives before SQS moves a message to the dead-letter queue. */
    protected int maxReceiveCount() {
        return MAX_RECEIVE_COUNT;
    }

    protected Map<String, String> extraProperties() {
        return Map.of();
    }

    @Override
    protected Registry createCamelRegistry() throws Exception {
        // bound before Camel main configures the components, which then use this real, audited client
        Registry registry = new org.apache.camel.support.DefaultRegistry();
        registry.bind("auditedSqsClient", SqsClient.builder()
                .endpointOverride(servers().sqsEndpoint())
                .region(software.amazon.awssdk.regions.Region.of(EmbeddedAws.REGION))
                .credentialsProvider(software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(
                        software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create(
                                EmbeddedAws.ACCESS_KEY, EmbeddedAws.SECRET_KEY)))
                .overrideConfiguration(c -> c.addExecutionInterceptor(audit))
                .build());
        // Camel main adds EventNotifier beans of the registry to the context
        registry.bind("redeliveryCounter", new org.apache.camel.support.EventNotifierSupport() {
            @Override
            public void notify(org.apache.camel.spi.CamelEvent event) {
                if (event instanceof org.apache.camel.spi.CamelEvent.ExchangeRedeliveryEvent) {
                    redeliveries.incrementAndGet();
                }
            }
        });
        return registry;
    }

    @AfterEach
    void noMessageWasDeletedBeforeItWasDurable() {
        assertEquals(List.of(), audit.violations(), "archive-before-delete violations");
    }

    protected void startConsumer() throws Exception {
        context.getRouteController().startRoute("ingest-consume");
    }

    protected String queueUrl(String name) {
        return AwsKit.queueUrl(sqs, name);
    }

    /** Sends as the reference producers do: a random MessageGroupId and MessageDeduplicationId. */
    protected String send(String body) {
        return send(body, UUID.randomUUID().toString());
    }

    protected String send(String body, String group) {
        return AwsKit.send(sqs, queueUrl(queue), body, group);
    }

    /** Visible plus in-flight messages: 0 means every message was deleted. */
    protected int messagesOnQueue(String name) {
        return AwsKit.messagesOn(sqs, queueUrl(name));
    }

    protected void awaitQueueEmpty() {
        await().atMost(Duration.ofSeconds(30)).until(() -> messagesOnQueue(queue) == 0);
    }

    protected List<String> keys(String prefix) {
        return AwsKit.keys(s3, bucket, prefix);
    }

    protected ResponseBytes<GetObjectResponse> object(String key) {
        return s3.getObjectAsBytes(b -> b.bucket(bucket).key(key));
    }

    protected String rawKeyOf(String messageId) {
        List<String> matching = keys("raw/").stream().filter(k -> k.endsWith("/" + messageId)).toList();
        assertEquals(1, matching.size(), "raw objects for " + messageId + ": " + matching);
        return matching.get(0);
    }

    protected String text(String key) {
        return object(key).asString(StandardCharsets.UTF_8);
    }

    /** Records taken per aggregation endpoint. */
    protected Map<String, Long> recordsByEndpoint() {
        return context.getRegistry().lookupByNameAndType("usageAccounting", UsageAccounting.class).recordsByEndpoint();
    }

    protected UsageStore store() {
        return context.getRegistry().lookupByNameAndType("usageStore", UsageStore.class);
    }

    /** The shutdown flush's route call: every open window, closed or not, to S3 now. */
    protected void flushAllWindows() {
        template.sendBodyAndProperty("direct:usage-flush", null, ExchangeProps.ALL_WINDOWS, true);
    }

    /** Open usage rows as "customer|meter|dimensions|windowStart" -> "sum x count". */
    protected Map<String, String> openUsage() {
        Map<String, String> usage = new java.util.TreeMap<>();
        for (UsageRow row : store().openRows()) {
            usage.put(row.customerId() + "|" + row.meterApiName() + "|" + row.dimensionsJson() + "|" + row.windowStart(),
                    row.sum().toPlainString() + " x " + row.count());
        }
        return usage;
    }

    protected List<Message> receiveAll(String name, int expected) {
        List<Message> all = new java.util.ArrayList<>();
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            all.addAll(sqs.receiveMessage(b -> b.queueUrl(queueUrl(name)).maxNumberOfMessages(10).waitTimeSeconds(1)
                    .messageAttributeNames("All").messageSystemAttributeNames(MessageSystemAttributeName.ALL)).messages());
            return all.size() >= expected;
        });
        assertTrue(all.size() == expected, "received " + all.size() + " from " + name);
        return all;
    }
}
