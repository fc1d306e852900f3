package io.meteringest.testkit;

import org.apache.camel.test.junit5.TestExecutionConfiguration;

/**
 * {@link RouteTestSupport} for tests that change a route with Camel's AdviceWith before it runs
 * (to inject a failure or a slow step): the context does not start by itself, so a test advises its
 * routes first and then calls {@code context.start()}.
 */
public abstract class AdvisedRouteTestSupport extends RouteTestSupport {

    @Override
    public void configureTest(TestExecutionConfiguration testExecutionConfiguration) {
        super.configureTest(testExecutionConfiguration);
        testExecutionConfiguration.withUseAdviceWith(true);
    }
}
