-- Version 9: md5_collisions (V7) without a join Citus would have to repartition.
--
-- V7's view joins image_urls (distributed by url under Citus) with original_images (by md5) directly, which Citus
-- refuses without citus.enable_repartition_joins. The names that carry a SHA-256 are now read first (a MATERIALIZED
-- CTE: Citus runs it on its own and ships the result to the md5 shards), the pattern of product_assets_view and
-- url_history.sql. Same rows and columns on plain PostgreSQL.

CREATE OR REPLACE VIEW md5_collisions AS
WITH names AS MATERIALIZED (
    SELECT u.url, u.md5, u.sha256, u.discovered_at
    FROM image_urls u
    WHERE u.sha256 IS NOT NULL
)
SELECT n.url,
       n.md5,
       n.sha256,
       o.sha256 AS owner_sha256,
       n.discovered_at
FROM names n
JOIN original_images o ON o.md5 = n.md5
WHERE n.sha256 <> o.sha256;
