package io.meteringest.usage;

import io.meteringest.record.MeterRecord;
import java.util.List;

/** The store tests' shorthand for one message's records accounted as a poll of its own. */
final class StoreCalls {

    /** No bound on a flush's rows: the tests that close windows look at every row in one flush. */
    static final int UNBOUNDED = Integer.MAX_VALUE;

    private StoreCalls() {
    }

    /** Accounts {@code records} as message {@code messageId}, alone in its poll; what the store did with that message. */
    static UsageStore.Accounting account(UsageStore store, String messageId, MeterRecord... records) {
        UsageBatch batch = new UsageBatch(messageId);
        for (MeterRecord record : records) {
            batch.add(record);
        }
        store.account(List.of(batch));
        return batch.accounting();
    }
}
