package io.cutflow.job.archive;

import io.cutflow.job.CutflowOptions;
import io.cutflow.job.db.DatabaseSettings;
import io.cutflow.job.db.SchemaMigrator;
import io.cutflow.job.launcher.FlinkFileSystems;
import io.cutflow.job.support.ObjectListing;
import io.cutflow.job.support.PostgresServer;
import io.cutflow.job.support.RestartableS3Proxy;
import io.cutflow.job.support.TableSnapshot;
import io.cutflow.inference.assets.ObjectStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * bin/cutflow archive and restore on real parts: an s3proxy that checks signatures, a local folder, a real
 * PostgreSQL migrated to V13. Crashes are played by stopping a move between two of its steps (as a kill would) and
 * rerunning; a reprocess by rewriting an asset's object (and row) while the move is under way.
 */
class ArchiveCommandTest {

    private static final RestartableS3Proxy S3 = RestartableS3Proxy.start();
    private static final AtomicInteger BUCKETS = new AtomicInteger();

    @TempDir
    Path dir;

    @BeforeAll
    static void fileSystems() {
        FlinkFileSystems.initialize(RestartableS3Proxy.clientConfig(S3.endpoint(), RestartableS3Proxy.ACCESS_KEY,
                RestartableS3Proxy.SECRET_KEY), Path.of(System.getProperty("cutflow.plugins.dir")));
    }

    @AfterAll
    static void stopS3() {
        S3.close();
    }

    /** A database with assets at {@code processed}: 4 cold (created 200 days ago, never served), 1 served today, 1 new. */
    private record Fixture(DatabaseSettings db, String processed, Map<String, byte[]> cold, Map<String, byte[]> warm) {

        static Fixture create(String name, String processed) throws Exception {
            String url = PostgresServer.newDatabase(name);
            DatabaseSettings db = new DatabaseSettings(url, "postgres", "");
            SchemaMigrator.migrate(db, 4);
            Map<String, byte[]> cold = new LinkedHashMap<>();
            Map<String, byte[]> warm = new LinkedHashMap<>();
            Random random = new Random(name.hashCode());
            Instant now = Instant.now();
            try (Connection c = db.connect()) {
                for (int i = 0; i < 6; i++) {
                    String md5 = String.format("%032x", 0xa000 + i);
                    String type = i % 2 == 0 ? "alpha_mask" : "transparent_png";
                    String path = processed + "/" + md5.substring(0, 2) + "/" + md5 + "/default-v1/" + type + ".png";
                    byte[] bytes = new byte[1024 + random.nextInt(3072)];
                    random.nextBytes(bytes);
                    ObjectStore.write(path, bytes);
                    Instant created = i == 5 ? now.minus(Duration.ofDays(1)) : now.minus(Duration.ofDays(200));
                    Instant accessed = i == 4 ? now.minus(Duration.ofHours(1)) : null;
                    try (PreparedStatement ps = c.prepareStatement("INSERT INTO result_assets (md5, template_id,"
                            + " template_version, asset_type, storage_path, width, height, file_size_bytes, created_at,"
                            + " last_accessed_at) VALUES (?, 'default', 1, ?, ?, 8, 8, ?, ?, ?)")) {
                        ps.setString(1, md5);
                        ps.setString(2, type);
                        ps.setString(3, path);
                        ps.setLong(4, bytes.length);
                        ps.setTimestamp(5, Timestamp.from(created));
                        ps.setTimestamp(6, accessed == null ? null : Timestamp.from(accessed));
                        ps.executeUpdate();
                    }
                    (i < 4 ? cold : warm).put(path, bytes);
                }
            }
            return new Fixture(db, processed, cold, warm);
        }

        String archive() {
            return processed + "-archive";
        }

        ArchiveCommand.Moved run(String verb, TierMover.Fault fault, String... args) throws Exception {
            List<String> all = new ArrayList<>(List.of("--jdbc-url", db.jdbcUrl()));
            all.addAll(List.of(args));
            return ArchiveCommand.execute(ArchiveCommand.parse(verb, all.toArray(String[]::new)), db, fault,
                    new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        }

        /** path -> tier | pending_delete | hot_storage_path, every row. */
        Map<String, String> rows() throws Exception {
            Map<String, String> rows = new LinkedHashMap<>();
            try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement("SELECT storage_path,"
                    + " storage_tier, pending_delete, hot_storage_path FROM result_assets ORDER BY md5");
                    ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.put(rs.getString(1), rs.getString(2) + " | " + rs.getString(3) + " | " + rs.getString(4));
                }
            }
            return rows;
        }

        /** Everything is where a completed archive of the cold assets puts it, each object once. */
        void assertColdArchivedOnce() throws Exception {
            Map<String, String> expected = new LinkedHashMap<>();
            for (String hot : cold.keySet()) {
                String archived = hot.replace(processed + "/", archive() + "/");
                expected.put(archived, "archive | null | " + hot);
                assertThat(ObjectListing.read(archived)).as(archived).isEqualTo(cold.get(hot));
                assertThat(ObjectStore.exists(hot)).as("hot copy deleted: " + hot).isFalse();
            }
            for (Map.Entry<String, byte[]> w : warm.entrySet()) {
                expected.put(w.getKey(), "hot | null | null");
                assertThat(ObjectListing.read(w.getKey())).isEqualTo(w.getValue());
            }
            assertThat(rows()).containsExactlyInAnyOrderEntriesOf(expected);
            assertThat(ObjectListing.keys(archive())).as("one archive object per archived asset").hasSize(cold.size());
            assertThat(ObjectListing.keys(processed)).as("only the warm assets stay hot").hasSize(warm.size());
        }
    }

    private static String bucket() {
        return S3.createBucket("archive-test-" + BUCKETS.incrementAndGet()) + "/assets";
    }

    @Test
    void archivesAndRestoresOnS3WithAuthentication() throws Exception {
        Fixture f = Fixture.create("archive_s3", bucket());
        long coldBytes = f.cold().values().stream().mapToLong(b -> b.length).sum();

        ArchiveCommand.Moved moved = f.run("archive", TierMover.Fault.NONE);
        assertThat(moved).isEqualTo(new ArchiveCommand.Moved(4, coldBytes));
        f.assertColdArchivedOnce();
        assertThat(TableSnapshot.count(f.db().jdbcUrl(), "SELECT coalesce(sum(bytes), 0) FROM storage_by_tier"
                + " WHERE storage_tier = 'archive' AND day = (now() AT TIME ZONE 'UTC')::date"))
                .as("the board's storage per tier sees the move at once").isEqualTo(coldBytes);
        assertThat(f.run("archive", TierMover.Fault.NONE)).as("a second pass finds nothing").isEqualTo(
                new ArchiveCommand.Moved(0, 0));

        String hot = f.cold().keySet().iterator().next();
        String md5 = hot.split("/")[hot.split("/").length - 3];
        ArchiveCommand.Moved restored = f.run("restore", TierMover.Fault.NONE, "--md5", md5, "--template", "default@1");
        assertThat(restored.objects()).isEqualTo(1);
        assertThat(ObjectListing.read(hot)).isEqualTo(f.cold().get(hot));
        assertThat(ObjectStore.exists(hot.replace(f.processed() + "/", f.archive() + "/"))).isFalse();
        assertThat(f.rows()).containsEntry(hot, "hot | null | null");
        assertThat(f.run("archive", TierMover.Fault.NONE)).as("a restored asset counts as accessed now")
                .isEqualTo(new ArchiveCommand.Moved(0, 0));
    }

    @Test
    void archivesToAGivenFolderAndSelectsByTypeAndAge() throws Exception {
        Fixture f = Fixture.create("archive_local", dir.resolve("processed").toString());
        String to = dir.resolve("cold").toUri().toString();

        assertThat(f.run("archive", TierMover.Fault.NONE, "--asset-type", "alpha_mask", "--to", to).objects())
                .as("cold alpha masks: assets 0 and 2").isEqualTo(2);
        assertThat(ObjectListing.keys(to)).hasSize(2).allMatch(k -> k.endsWith("/default-v1/alpha_mask.png"));
        assertThat(f.run("archive", TierMover.Fault.NONE, "--not-accessed-for", "300d").objects()).isZero();
        assertThat(f.run("archive", TierMover.Fault.NONE, "--not-accessed-for", "0d", "--to", to).objects())
                .as("everything else, the one served an hour ago and the new one included").isEqualTo(4);
        assertThat(ObjectListing.keys(to)).hasSize(6);
        assertThat(ObjectListing.keys(f.processed())).isEmpty();

        for (String hot : f.cold().keySet()) {
            String md5 = hot.split("/")[hot.split("/").length - 3];
            f.run("restore", TierMover.Fault.NONE, "--md5", md5);
            assertThat(ObjectListing.read(hot)).isEqualTo(f.cold().get(hot));
        }
        assertThat(ObjectListing.keys(to)).hasSize(2);
    }

    @Test
    void aDryRunChangesNothing() throws Exception {
        Fixture f = Fixture.create("archive_dry", bucket());
        Map<String, List<String>> before = TableSnapshot.everyTable(f.db().jdbcUrl());
        List<String> objects = ObjectListing.keys(f.processed());
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        ArchiveCommand.Moved would = ArchiveCommand.execute(ArchiveCommand.parse("archive", new String[] {"--jdbc-url",
                f.db().jdbcUrl(), "--dry-run"}), f.db(), new PrintStream(printed, true, StandardCharsets.UTF_8));
        assertThat(would.objects()).isEqualTo(4);
        assertThat(printed.toString(StandardCharsets.UTF_8)).startsWith("dry run: would archive 4 objects, "
                + f.cold().values().stream().mapToLong(b -> b.length).sum() + " bytes");
        assertThat(TableSnapshot.everyTable(f.db().jdbcUrl())).isEqualTo(before);
        assertThat(ObjectListing.keys(f.processed())).isEqualTo(objects);
        assertThat(ObjectListing.keys(f.archive())).isEmpty();
    }

    /**
     * restore --all: every archived asset back through the same pages and moves as the archive (here a type first,
     * then the rest), a dry run first that changes nothing; each object back once at its hot path, bytes intact.
     */
    @Test
    void restoresEveryArchivedAssetOfASelection() throws Exception {
        Fixture f = Fixture.create("restore_all", bucket());
        f.run("archive", TierMover.Fault.NONE);
        f.assertColdArchivedOnce();
        long coldBytes = f.cold().values().stream().mapToLong(b -> b.length).sum();

        Map<String, List<String>> before = TableSnapshot.everyTable(f.db().jdbcUrl());
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        ArchiveCommand.Moved would = ArchiveCommand.execute(ArchiveCommand.parse("restore", new String[] {"--jdbc-url",
                f.db().jdbcUrl(), "--all", "--dry-run"}), f.db(), new PrintStream(printed, true, StandardCharsets.UTF_8));
        assertThat(would).isEqualTo(new ArchiveCommand.Moved(4, coldBytes));
        assertThat(printed.toString(StandardCharsets.UTF_8)).startsWith("dry run: would restore 4 objects, "
                + coldBytes + " bytes");
        assertThat(TableSnapshot.everyTable(f.db().jdbcUrl())).isEqualTo(before);
        assertThat(ObjectListing.keys(f.archive())).hasSize(4);

        assertThat(f.run("restore", TierMover.Fault.NONE, "--all", "--asset-type", "alpha_mask").objects())
                .as("the cold alpha masks: assets 0 and 2").isEqualTo(2);
        assertThat(ObjectListing.keys(f.archive())).hasSize(2).allMatch(k -> k.endsWith("/transparent_png.png"));
        ArchiveCommand.Moved rest = f.run("restore", TierMover.Fault.NONE, "--all", "--template", "default@1");
        assertThat(rest.objects()).isEqualTo(2);
        assertThat(ObjectListing.keys(f.archive())).isEmpty();
        for (Map.Entry<String, byte[]> hot : f.cold().entrySet()) {
            assertThat(ObjectListing.read(hot.getKey())).as(hot.getKey()).isEqualTo(hot.getValue());
            assertThat(f.rows()).containsEntry(hot.getKey(), "hot | null | null");
        }
        assertThat(ObjectListing.keys(f.processed())).hasSize(6);
        assertThat(f.run("restore", TierMover.Fault.NONE, "--all")).isEqualTo(new ArchiveCommand.Moved(0, 0));
        assertThat(f.run("archive", TierMover.Fault.NONE)).as("restored assets count as accessed now")
                .isEqualTo(new ArchiveCommand.Moved(0, 0));
    }

    /** restore --all killed after the third asset's row commit: the rerun finishes it, each asset back once. */
    @Test
    void aRestoreOfAllKilledHalfWayIsFinishedByItsRerun() throws Exception {
        Fixture f = Fixture.create("restore_all_kill", bucket());
        f.run("archive", TierMover.Fault.NONE);
        AtomicInteger seen = new AtomicInteger();
        assertThatThrownBy(() -> f.run("restore", (step, asset) -> {
            if (step == TierMover.Step.ROW_MOVED && seen.incrementAndGet() == 3) {
                throw new Killed();
            }
        }, "--all")).isInstanceOf(Killed.class);
        ArchiveCommand.Moved rerun = f.run("restore", TierMover.Fault.NONE, "--all");
        assertThat(rerun.objects()).as("the page's rows were committed: the rerun only finishes their deletes")
                .isZero();
        for (Map.Entry<String, byte[]> hot : f.cold().entrySet()) {
            assertThat(ObjectListing.read(hot.getKey())).as(hot.getKey()).isEqualTo(hot.getValue());
            assertThat(f.rows()).containsEntry(hot.getKey(), "hot | null | null");
        }
        assertThat(ObjectListing.keys(f.archive())).isEmpty();
    }

    /** A kill after any step of the third asset: the rerun completes its page, each asset archived once. */
    @ParameterizedTest
    @EnumSource(TierMover.Step.class)
    void aRerunAfterAKillArchivesEachAssetExactlyOnce(TierMover.Step killedAfter) throws Exception {
        Fixture f = Fixture.create("archive_kill_" + killedAfter.name(), bucket());
        AtomicInteger seen = new AtomicInteger();
        TierMover.Fault kill = (step, asset) -> {
            if (step == killedAfter && seen.incrementAndGet() == 3) {
                throw new Killed();
            }
        };
        assertThatThrownBy(() -> f.run("archive", kill)).isInstanceOf(Killed.class);
        ArchiveCommand.Moved rerun = f.run("archive", TierMover.Fault.NONE);
        // the four share a page, whose rows commit together: killed before that commit, the rerun moves all four;
        // after it, the rerun only finishes the deletes the kill left pending
        boolean committed = killedAfter == TierMover.Step.ROW_MOVED || killedAfter == TierMover.Step.OLD_DELETED;
        assertThat(rerun.objects()).as("the rerun moves what the killed run had not committed")
                .isEqualTo(committed ? 0 : 4);
        f.assertColdArchivedOnce();
    }

    /** The same for restore: killed with its row committed and the archive copy not yet deleted. */
    @Test
    void aRestoreKilledHalfWayIsFinishedByTheNextCommand() throws Exception {
        Fixture f = Fixture.create("restore_kill", bucket());
        f.run("archive", TierMover.Fault.NONE);
        String hot = f.cold().keySet().iterator().next();
        String md5 = hot.split("/")[hot.split("/").length - 3];
        assertThatThrownBy(() -> f.run("restore", (step, asset) -> {
            if (step == TierMover.Step.ROW_MOVED) {
                throw new Killed();
            }
        }, "--md5", md5)).isInstanceOf(Killed.class);
        assertThat(f.rows().get(hot)).startsWith("hot | " + hot.replace(f.processed() + "/", f.archive() + "/"));
        f.run("archive", TierMover.Fault.NONE, "--not-accessed-for", "3650d"); // selects nothing, finishes the restore
        assertThat(f.rows()).containsEntry(hot, "hot | null | null");
        assertThat(ObjectListing.read(hot)).isEqualTo(f.cold().get(hot));
        assertThat(ObjectListing.keys(f.archive())).hasSize(3);
    }

    /**
     * A reprocess rewrites an asset while it is being archived: before the copy (file and row, a new size), after
     * the copy or after the row update (the file only, same size, its row still to come). Each time the newer asset
     * stays hot and is not archived; the other cold assets are.
     */
    @ParameterizedTest
    @EnumSource(value = TierMover.Step.class, names = {"SELECTED", "COPIED", "ROW_MOVED"})
    void anAssetRewrittenDuringTheMoveIsLeftAlone(TierMover.Step rewrittenAfter) throws Exception {
        Fixture f = Fixture.create("archive_rewrite_" + rewrittenAfter.name(), bucket());
        String target = new ArrayList<>(f.cold().keySet()).get(1);
        byte[] newer = new byte[rewrittenAfter == TierMover.Step.SELECTED ? 5000 : f.cold().get(target).length];
        new Random(7).nextBytes(newer);
        TierMover.Fault reprocess = (step, asset) -> {
            if (step == rewrittenAfter && asset.path().equals(target)) {
                ObjectStore.write(target, newer);
                if (step == TierMover.Step.SELECTED) {
                    try (Connection c = f.db().connect(); PreparedStatement ps = c.prepareStatement(
                            "UPDATE result_assets SET file_size_bytes = ? WHERE storage_path = ?")) {
                        ps.setLong(1, newer.length);
                        ps.setString(2, target);
                        ps.executeUpdate();
                    } catch (java.sql.SQLException e) {
                        throw new IOException(e);
                    }
                }
            }
        };
        ArchiveCommand.Moved moved = f.run("archive", reprocess);
        assertThat(moved.objects()).isEqualTo(3);
        assertThat(f.rows()).containsEntry(target, "hot | null | null");
        assertThat(ObjectListing.read(target)).as("the rewritten asset is intact where its row says").isEqualTo(newer);
    }

    @Test
    void wrongArgumentsExitWithTwo() {
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        assertThat(ArchiveCommand.run("archive", new String[] {"--dry-run"}, quiet, quiet)).isEqualTo(2);
        assertThat(ArchiveCommand.run("restore", new String[] {"--jdbc-url", "jdbc:postgresql://db/x"}, quiet, quiet))
                .isEqualTo(2);
        assertThat(ArchiveCommand.run("restore", new String[] {"--jdbc-url", "jdbc:postgresql://db/x", "--all",
                "--md5", "0123456789abcdef0123456789abcdef"}, quiet, quiet)).as("one image or all, not both").isEqualTo(2);
        assertThat(ArchiveCommand.run("archive", new String[] {"--jdbc-url", "jdbc:postgresql://db/x", "--all"}, quiet,
                quiet)).isEqualTo(2);
        assertThat(ArchivePaths.archiveOf("s3://b/assets/ab/ab12/default-v1/alpha_mask.png", null))
                .isEqualTo("s3://b/assets-archive/ab/ab12/default-v1/alpha_mask.png");
        assertThat(ArchivePaths.archiveOf("/data/out/ab/ab12/default-v1/alpha_mask.png", "s3://cold/x/"))
                .isEqualTo("s3://cold/x/ab/ab12/default-v1/alpha_mask.png");
        assertThat(CutflowOptions.JDBC_URL).isNotNull();
    }

    /** What a kill does to the command: it stops there. */
    private static final class Killed extends IOException {
        Killed() {
            super("killed");
        }
    }
}
