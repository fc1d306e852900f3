package io.meteringest.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** docker/iam-policy.json and the IAM action each recorded AWS API operation needs. */
final class IamPolicy {

    /** Operations whose IAM action is not simply "service:Operation". */
    private static final Map<String, String> ACTION = Map.of(
            "Sqs:ChangeMessageVisibilityBatch", "sqs:ChangeMessageVisibility",
            "Sqs:DeleteMessageBatch", "sqs:DeleteMessage",
            "Sqs:SendMessageBatch", "sqs:SendMessage",
            "S3:HeadBucket", "s3:ListBucket",
            "S3:ListObjectsV2", "s3:ListBucket",
            "S3:HeadObject", "s3:GetObject");

    private IamPolicy() {
    }

    static Set<String> allowedActions() throws IOException {
        JsonNode policy = new ObjectMapper().readTree(Files.readString(Path.of("docker", "iam-policy.json")));
        Set<String> actions = new HashSet<>();
        for (JsonNode statement : policy.get("Statement")) {
            statement.get("Action").forEach(action -> actions.add(action.asText()));
        }
        return actions;
    }

    static String actionOf(String recordedCall) {
        String mapped = ACTION.get(recordedCall);
        if (mapped != null) {
            return mapped;
        }
        String[] parts = recordedCall.split(":", 2);
        return parts[0].toLowerCase() + ":" + parts[1];
    }

    /** The recorded calls whose action the policy does not allow, sorted; empty when all are covered. */
    static Set<String> missing(List<String> recordedCalls) throws IOException {
        Set<String> allowed = allowedActions();
        Set<String> missing = new TreeSet<>();
        for (String call : recordedCalls) {
            if (!call.isBlank() && !allowed.contains(actionOf(call.trim()))) {
                missing.add(call.trim() + " needs " + actionOf(call.trim()));
            }
        }
        return missing;
    }
}
