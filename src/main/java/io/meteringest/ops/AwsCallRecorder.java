package io.meteringest.ops;

import io.meteringest.ErrorText;
import io.meteringest.StartupException;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

/**
 * Diagnostic setting {@code ingest.diagnostics.aws-calls-file}: records every AWS API call attempt
 * the process makes ("Sqs:ReceiveMessage" per line) to that file; does nothing while it is empty (the
 * default). An SDK global interceptor (registered in META-INF), so it sees the calls of every client,
 * Camel's too: the way to check the shipped IAM policy (docker/iam-policy.json) lists all the app
 * needs, as the packaged-jar tests do. IngestConfiguration turns it on before any client is built.
 */
public final class AwsCallRecorder implements ExecutionInterceptor {

    public static final String SETTING = "ingest.diagnostics.aws-calls-file";

    // static: the SDK makes an instance per client from the classpath list, the file is the process's.
    // Opened once: an open, append and close per call cost the benchmark 0.5 s of lock waits on A.
    // A stream, not a FileChannel: an interrupted caller (the SDK's attempt timeout) would close a channel for every thread
    private static volatile FileOutputStream out;

    /** Appends every later AWS call to {@code file}; a blank value leaves recording off. */
    public static synchronized void recordTo(String file) {
        if (file == null || file.isBlank() || out != null) {
            return;
        }
        try {
            out = new FileOutputStream(file.trim(), true);
        } catch (IOException e) {
            throw new StartupException(SETTING + ": cannot write '" + file.trim() + "' (" + ErrorText.firstLine(e)
                    + "); point it at a writable file or leave it empty");
        }
    }

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        FileOutputStream stream = out;
        if (stream == null) {
            return;
        }
        String call = attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME) + ":"
                + attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME) + "\n";
        try {
            // one write per line in append mode: lines of concurrent calls do not interleave
            stream.write(call.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
