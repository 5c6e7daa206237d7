package dev.tollgate.testkit;

/**
 * The opt-in switch for running the test servers in containers ({@code -Dtollgate.containers=true}),
 * which this build does not support.
 *
 * <p>Thread-safe: stateless.
 */
final class Containers {

    static final String PROPERTY = "tollgate.containers";

    private Containers() {
    }

    static void rejectIfRequested() {
        if (Boolean.parseBoolean(System.getProperty(PROPERTY))) {
            throw new IllegalStateException("-D" + PROPERTY + "=true: Testcontainers is not supported in this"
                    + " build; the test kit runs real local servers (drop the property)");
        }
    }
}
