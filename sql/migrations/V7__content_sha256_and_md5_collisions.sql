-- Version 7: content identity beyond MD5. MD5 collisions are cheap to craft (Wang et al. 2004; chosen-prefix
-- collisions since 2007), so a second, different image with a known image's MD5 must not get its cut-out.
--
-- The hashing pass computes SHA-256 in the same read as MD5. image_urls.sha256 is the content under each name;
-- original_images.sha256 is the content that owns the MD5: the one whose bytes the job inferred (written with the
-- job's result). A name whose SHA-256 is not its MD5 owner's is an MD5 collision (md5_collisions): it keeps its
-- image_urls row (its MD5 is true), is never inferred under that MD5, and product_assets_view does not give it the
-- owner's assets. Identity lives in the rows, so the verdict is the same whatever order names arrived in and whether
-- the job ran with its state or not. Rows written before V7 have a NULL sha256 (not known, no check): a re-listing
-- fills image_urls.sha256, a reprocess run original_images.sha256.
-- bytea (32 bytes) rather than hex text (65): image_urls is the 100M-row table.
-- The checks are NOT VALID: they hold for every row written from now on without a scan of the existing ones (all
-- NULL here).

ALTER TABLE original_images ADD COLUMN sha256 bytea;
ALTER TABLE original_images ADD CONSTRAINT original_images_sha256_check CHECK (octet_length(sha256) = 32) NOT VALID;
COMMENT ON COLUMN original_images.sha256 IS 'SHA-256 of the content whose bytes were inferred under this MD5 (the owner of its assets); NULL for contents recorded before V7 and not processed since';

COMMENT ON COLUMN original_images.source_url IS 'Smallest URL the MD5 was seen under (deterministic whatever the discovery order; with an MD5 collision it may be a colliding name, see md5_collisions); image_urls lists them all';

ALTER TABLE image_urls ADD COLUMN sha256 bytea;
ALTER TABLE image_urls ADD CONSTRAINT image_urls_sha256_check CHECK (octet_length(sha256) = 32) NOT VALID;
COMMENT ON COLUMN image_urls.sha256 IS 'SHA-256 of the content last seen under this URL; differs from original_images.sha256 of its md5 for an MD5 collision (md5_collisions); NULL for rows written before V7 and not listed since';

-- An audit view: it joins the url map with the contents (a full pass at 100M names; collisions are rare).
CREATE VIEW md5_collisions AS
SELECT u.url,
       u.md5,
       u.sha256,
       o.sha256 AS owner_sha256,
       u.discovered_at
FROM image_urls u
JOIN original_images o ON o.md5 = u.md5
WHERE u.sha256 <> o.sha256;

COMMENT ON VIEW md5_collisions IS 'Names whose content has the MD5 of another content (a different SHA-256): never inferred under that MD5, never shown the owner''s assets';
COMMENT ON COLUMN md5_collisions.url IS 'The colliding name (image_urls.url)';
COMMENT ON COLUMN md5_collisions.md5 IS 'The shared MD5; joins original_images.md5 (the owner)';
COMMENT ON COLUMN md5_collisions.sha256 IS 'SHA-256 of the colliding content';
COMMENT ON COLUMN md5_collisions.owner_sha256 IS 'SHA-256 of the content that owns the MD5 and its assets';
COMMENT ON COLUMN md5_collisions.discovered_at IS 'When Cutflow first recorded the colliding name';

GRANT SELECT ON md5_collisions TO cutflow_analyst;

-- product_assets_view (V2) as before, less the names whose content is not their MD5's owner. The names CTE stays on
-- image_urls alone (url-distributed under Citus); the owner is checked against the colocated md5 tables.
DROP MATERIALIZED VIEW product_assets_view;
CREATE MATERIALIZED VIEW product_assets_view AS
WITH names AS MATERIALIZED (
    SELECT u.url,
           u.md5,
           u.sha256,
           COALESCE(
               NULLIF(substring(u.url FROM '[?&](?:product_id|sku)=([^&#]*)'), ''),
               NULLIF(regexp_replace(regexp_replace(regexp_replace(u.url, '[?#].*$', ''), '^.*/', ''), '\.[^.]*$', ''), '')
           ) AS product_id
    FROM image_urls u
)
SELECT n.product_id       AS product_id,
       n.url              AS url,
       a.md5              AS md5,
       a.template_id      AS template_id,
       a.template_version AS template_version,
       j.status           AS status,
       a.asset_type       AS asset_type,
       a.is_primary       AS is_primary,
       a.storage_path     AS storage_path,
       a.width            AS width,
       a.height           AS height,
       a.file_size_bytes  AS file_size_bytes,
       j.finished_at      AS finished_at
FROM names n
JOIN result_assets a ON a.md5 = n.md5
JOIN processing_jobs j ON j.md5 = a.md5 AND j.template_id = a.template_id AND j.template_version = a.template_version
JOIN original_images o ON o.md5 = a.md5
WHERE n.sha256 IS NULL OR o.sha256 IS NULL OR n.sha256 = o.sha256
WITH DATA;

CREATE UNIQUE INDEX product_assets_view_key_idx
    ON product_assets_view (url, md5, template_id, template_version, asset_type);
CREATE INDEX product_assets_view_product_id_idx ON product_assets_view (product_id text_pattern_ops);

COMMENT ON MATERIALIZED VIEW product_assets_view IS
    'Result assets by product: one row per asset and per URL (image_urls) its content is known under, less names that '
    'whose content is not the MD5''s owner (md5_collisions). Refreshed by sql/queries/refresh_product_assets_view.sql '
    '(REFRESH MATERIALIZED VIEW CONCURRENTLY); as fresh as its last refresh';
COMMENT ON COLUMN product_assets_view.product_id IS
    'Product id derived from url: the product_id= or sku= query parameter when present, else the last path segment '
    'without query, fragment and extension; NULL when both are empty. Not URL-decoded';
COMMENT ON COLUMN product_assets_view.url IS 'A URL the original content is known under (image_urls.url)';
COMMENT ON COLUMN product_assets_view.md5 IS 'MD5 of the original content; joins original_images.md5';
COMMENT ON COLUMN product_assets_view.template_id IS 'Parameter template of the job that produced the asset';
COMMENT ON COLUMN product_assets_view.template_version IS 'Version of that template';
COMMENT ON COLUMN product_assets_view.status IS 'Status of the producing job (processing_jobs.status) at the last refresh';
COMMENT ON COLUMN product_assets_view.asset_type IS 'alpha_mask, transparent_png or foreground_only';
COMMENT ON COLUMN product_assets_view.is_primary IS 'The asset a front end shows for this job';
COMMENT ON COLUMN product_assets_view.storage_path IS 'Object URI of the asset in the processed bucket';
COMMENT ON COLUMN product_assets_view.width IS 'Asset width in pixels';
COMMENT ON COLUMN product_assets_view.height IS 'Asset height in pixels';
COMMENT ON COLUMN product_assets_view.file_size_bytes IS 'Asset size in bytes';
COMMENT ON COLUMN product_assets_view.finished_at IS 'When the producing job finished';

GRANT SELECT ON product_assets_view TO cutflow_analyst;
