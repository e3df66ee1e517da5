package io.cutflow.job.sink;

import io.cutflow.inference.AssetRecord;
import io.cutflow.inference.InferenceResult;
import io.cutflow.inference.assets.AssetKeys;
import io.cutflow.inference.assets.ObjectStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The row switch of a rewritten asset set (issue 23). In the batch's transaction, before a round's assets are
 * upserted, it reads the rows they replace and deletes the rows of asset types the new set lacks (a cut-out of a now
 * empty foreground), so a content/template version's rows always name one set. After the commit it deletes the
 * superseded objects, then sweeps the folder of each rewritten set (one that replaced rows or took generation keys):
 * objects no committed row of the batch names and older than the grace (so a concurrent writer's set, not yet
 * recorded, is spared) are the orphans of a kill (a set written but never recorded, or superseded objects not deleted
 * yet) and go. A kill before the deletes leaves orphans only, which the next rewrite of that content sweeps. Failed
 * results carry no assets: their jobs' rows stay as they are.
 */
final class AssetSwitch {

    private static final Logger LOG = LoggerFactory.getLogger(AssetSwitch.class);

    /** Every asset row of some contents; the round's jobs are picked here (the md5 = ANY form Citus routes per shard). */
    private static final String ROWS = """
            SELECT md5, template_id, template_version, asset_type, storage_path, pending_delete FROM result_assets
            WHERE md5 = ANY (CAST(? AS bpchar[]))""";

    private static final String DROP = "DELETE FROM result_assets WHERE md5 = CAST(? AS bpchar) AND template_id = ?"
            + " AND template_version = ? AND asset_type = ?";

    private final Duration orphanGrace;
    /** Objects the batch's rows named before it: deleted after the commit unless a row of the batch names them. */
    private final Set<String> superseded = new LinkedHashSet<>();
    /** Per job, the object uris its last set in the batch names. */
    private final Map<String, Set<String>> named = new HashMap<>();
    /** Per job whose set replaced rows or took generation keys (a rewrite), its folder. */
    private final Map<String, String> rewrittenFolders = new LinkedHashMap<>();

    AssetSwitch(Duration orphanGrace) {
        this.orphanGrace = orphanGrace;
    }

    /** A batch starts (again, after a rolled-back try): nothing collected. */
    void reset() {
        superseded.clear();
        named.clear();
        rewrittenFolders.clear();
    }

    /** Before the round's assets are upserted, in the batch's transaction. */
    void beforeUpsert(Connection c, List<InferenceResult> round) throws SQLException {
        Map<String, Set<String>> newTypes = new HashMap<>();
        Map<String, String> folders = new HashMap<>();
        for (InferenceResult r : round) {
            if (r.assets().length == 0) {
                continue;
            }
            String job = ResultBatchWriter.jobKey(r.md5(), r.job().templateId(), r.job().templateVersion());
            Set<String> types = new HashSet<>();
            Set<String> uris = new HashSet<>();
            for (AssetRecord a : r.assets()) {
                types.add(a.assetType());
                uris.add(a.storagePath());
            }
            newTypes.put(job, types);
            named.put(job, uris);
            String primary = r.assets()[0].storagePath();
            folders.put(job, AssetKeys.folderOf(primary));
            if (AssetKeys.isGenerationKey(primary)) {
                rewrittenFolders.put(job, folders.get(job));
            }
        }
        if (newTypes.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement(ROWS); PreparedStatement drop = c.prepareStatement(DROP)) {
            ps.setArray(1, c.createArrayOf("bpchar", round.stream().filter(r -> r.assets().length > 0)
                    .map(InferenceResult::md5).distinct().toArray()));
            int dropped = 0;
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String job = ResultBatchWriter.jobKey(rs.getString(1), rs.getString(2), rs.getInt(3));
                    Set<String> types = newTypes.get(job);
                    if (types == null) {
                        continue; // another template version of the content
                    }
                    rewrittenFolders.put(job, folders.get(job));
                    superseded.add(rs.getString(5));
                    if (rs.getString(6) != null) {
                        superseded.add(rs.getString(6)); // an archive move's old copy, no longer its to delete
                    }
                    if (!types.contains(rs.getString(4))) {
                        drop.setString(1, rs.getString(1));
                        drop.setString(2, rs.getString(2));
                        drop.setInt(3, rs.getInt(3));
                        drop.setString(4, rs.getString(4));
                        drop.addBatch();
                        dropped++;
                    }
                }
            }
            if (dropped > 0) {
                drop.executeBatch();
            }
        }
    }

    /**
     * After the commit: the superseded objects go, then the orphans of the folders a rewrite recorded a set in (a
     * first write, the common case, lists nothing). Never fails the batch.
     */
    void afterCommit() {
        Set<String> stillNamed = new HashSet<>();
        named.values().forEach(stillNamed::addAll);
        for (String uri : superseded) {
            if (!stillNamed.contains(uri)) {
                delete(uri, "superseded");
            }
        }
        long cutoff = System.currentTimeMillis() - orphanGrace.toMillis();
        for (Map.Entry<String, String> folder : rewrittenFolders.entrySet()) {
            sweep(folder.getValue(), named.get(folder.getKey()), cutoff);
        }
        reset();
    }

    private static void sweep(String folder, Set<String> namedUris, long cutoff) {
        Set<String> names = new HashSet<>();
        namedUris.forEach(uri -> names.add(AssetKeys.fileName(uri)));
        try {
            for (ObjectStore.Listed object : ObjectStore.list(folder)) {
                if (!names.contains(object.name()) && object.modifiedMs() < cutoff) {
                    delete(folder + "/" + object.name(), "orphan");
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("cannot list {} to remove the orphans of earlier asset sets: {}", folder, e.toString());
        }
    }

    private static void delete(String uri, String what) {
        try {
            if (!ObjectStore.delete(uri)) {
                LOG.warn("cannot delete the {} asset {}: it stays, named by no row", what, uri);
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("cannot delete the {} asset {}: it stays, named by no row: {}", what, uri, e.toString());
        }
    }
}
