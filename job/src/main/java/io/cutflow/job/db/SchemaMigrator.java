package io.cutflow.job.db;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;

import java.util.Map;

/** Applies the versioned migrations of sql/ (on the classpath as db/migration) with Flyway. */
public final class SchemaMigrator {

    private SchemaMigrator() {}

    public static MigrateResult migrate(DatabaseSettings db, int partitions) {
        checkPartitions(partitions);
        Flyway flyway = Flyway.configure(SchemaMigrator.class.getClassLoader())
                .dataSource(db.jdbcUrl(), db.user(), db.password())
                .locations("classpath:db/migration")
                .placeholders(Map.of("partitions", Integer.toString(partitions)))
                .load();
        return flyway.migrate();
    }

    static void checkPartitions(int partitions) {
        if (partitions < 1 || partitions > 4096) {
            throw new IllegalArgumentException("partitions must be in 1..4096: " + partitions);
        }
    }
}
