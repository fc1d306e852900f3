package io.meteringest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** README's "Changing routes" worked example, applied to a routes folder by the tests that prove it. */
public final class WorkedExample {

    public static final String ROUTE_FILE = "usage-aggregate-compute-hours.camel.yaml";

    private WorkedExample() {
    }

    /** Adds the ComputeHours endpoint's route file. */
    public static void addEndpoint(Path routes) throws IOException {
        Files.writeString(routes.resolve(ROUTE_FILE), """
                - route:
                    id: usage-aggregate-compute-hours
                    description: "Aggregation endpoint for ComputeHours records"
                    from:
                      uri: direct:usage-aggregate-compute-hours
                      steps:
                        - log: "compute-hours endpoint took ${body.size} record(s) of message ${header.CamelAwsSqsMessageId}"
                        - bean:
                            ref: usageAccounting
                            method: "add(${exchangeProperty.usageBatch}, ${body}, 'usage-aggregate-compute-hours')"
                """);
    }

    /** Adds the "when" for ComputeHours above "otherwise" in usage-route.camel.yaml. */
    public static void routeComputeHours(Path routes) throws IOException {
        Path router = routes.resolve("usage-route.camel.yaml");
        String original = Files.readString(router);
        String edited = original.replace(
                "        - choice:\n            otherwise:\n",
                "        - choice:\n"
                        + "            when:\n"
                        + "              - simple: \"${body.meterApiName} == 'ComputeHours'\"\n"
                        + "                steps:\n"
                        + "                  - to: direct:usage-aggregate-compute-hours\n"
                        + "            otherwise:\n");
        if (edited.equals(original)) {
            throw new IllegalStateException("usage-route.camel.yaml no longer has the shape README's example edits");
        }
        Files.writeString(router, edited);
    }
}
