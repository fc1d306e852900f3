package io.meteringest.ingest;

import io.meteringest.record.RecordOutcome;
import java.util.ArrayList;
import java.util.List;

/**
 * What validation made of one SQS message: how many records were accepted and the rejected ones.
 * Built by {@link MessageOutcomeStrategy} as the split's result; a failure report is written when
 * {@link #getRejected()} is above zero.
 */
public final class MessageOutcome {

    private int accepted;
    private final List<RecordOutcome> rejections = new ArrayList<>();

    void add(RecordOutcome outcome) {
        if (outcome.isAccepted()) {
            accepted++;
        } else {
            rejections.add(outcome);
        }
    }

    public int getAccepted() {
        return accepted;
    }

    public int getRejected() {
        return rejections.size();
    }

    public List<RecordOutcome> getRejections() {
        return rejections;
    }
}
