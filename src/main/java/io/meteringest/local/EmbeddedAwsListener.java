package io.meteringest.local;

import io.meteringest.ErrorText;
import io.meteringest.SettingsCheck;
import io.meteringest.StartupException;
import java.nio.file.Path;
import java.util.Properties;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.MainListenerSupport;
import org.apache.camel.spi.PropertiesComponent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * With {@code ingest.embedded=true} (the default), starts {@link EmbeddedAws} before Camel configures
 * its AWS components, creates the queue, its dead-letter queue and the bucket, and points the
 * aws2-sqs / aws2-s3 components at them (after {@link SettingsCheck}, so never on a bad setting). Stops the
 * servers after Camel has stopped.
 */
public final class EmbeddedAwsListener extends MainListenerSupport {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedAwsListener.class);

    private EmbeddedAws aws;

    @Override
    public void beforeConfigure(BaseMainSupport main) {
        PropertiesComponent pc = main.getCamelContext().getPropertiesComponent();
        if (!SettingsCheck.flag(pc, "ingest.embedded")) {
            return;
        }
        int sqsPort = SettingsCheck.wholeNumber(pc, "ingest.local.sqs-port", 9324);
        int s3Port = SettingsCheck.wholeNumber(pc, "ingest.local.s3-port", 9000);
        Path dataDir = Path.of(pc.resolveProperty("ingest.local.data-dir").orElse("data")).toAbsolutePath();
        String queue = SettingsCheck.required(pc, "ingest.queue");
        String deadLetterQueue = SettingsCheck.required(pc, "ingest.dead-letter-queue");
        String bucket = SettingsCheck.required(pc, "ingest.bucket");
        int maxReceiveCount = SettingsCheck.wholeNumber(pc, "ingest.local.max-receive-count", 5);
        try {
            aws = EmbeddedAws.start(sqsPort, s3Port, dataDir.resolve("s3"));
        } catch (Exception e) {
            throw new StartupException("embedded SQS/S3 could not start on ports " + sqsPort + "/" + s3Port
                    + " (" + ErrorText.firstLine(e) + "); free them or set ingest.local.sqs-port / ingest.local.s3-port");
        }
        aws.createQueues(queue, deadLetterQueue, maxReceiveCount);
        aws.createBucket(bucket);

        // override properties: the embedded endpoints win over any aws2 endpoint keys in the file
        var component = (org.apache.camel.component.properties.PropertiesComponent) pc;
        Properties overrides = new Properties();
        if (component.getOverrideProperties() != null) {
            overrides.putAll(component.getOverrideProperties());
        }
        overrides.putAll(aws.camelProperties());
        // local profile: an edited route file is reloaded at once, no restart
        overrides.put("camel.main.routes-reload-enabled", "true");
        overrides.put("camel.main.routes-reload-directory", "routes");
        overrides.put("camel.main.routes-reload-pattern", "*.camel.yaml");
        component.setOverrideProperties(overrides);

        LOG.info("Embedded SQS (ElasticMQ) at {}: send records to FIFO queue '{}' (dead letters: '{}', after {} receives)",
                aws.sqsEndpoint(), queue, deadLetterQueue, maxReceiveCount);
        LOG.info("Embedded S3 (S3Proxy) at {}: bucket '{}' is the folder {}",
                aws.s3Endpoint(), bucket, aws.s3Dir().resolve(bucket));
        LOG.info("Try it: java -jar target/meter-ingest.jar send samples/compute-hours-array.json samples/compute-hours.ndjson");
    }

    @Override
    public void afterStop(BaseMainSupport main) {
        if (aws != null) {
            try {
                aws.close();
            } catch (Exception e) {
                LOG.warn("embedded SQS/S3 did not stop cleanly: {}", e.getMessage());
            }
            aws = null;
        }
    }
}
