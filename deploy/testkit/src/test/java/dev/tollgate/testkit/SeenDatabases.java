package dev.tollgate.testkit;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Databases and server URLs handed to the ClickHouse test classes of this JVM, by class name. */
final class SeenDatabases {

    static final Map<String, String> DATABASES = new ConcurrentHashMap<>();
    static final Map<String, String> SERVERS = new ConcurrentHashMap<>();

    private SeenDatabases() {
    }

    static void record(Class<?> testClass, ClickHouseExtension clickhouse) {
        DATABASES.put(testClass.getName(), clickhouse.database());
        SERVERS.put(testClass.getName(), clickhouse.httpUrl());
    }
}
