-- How much duplication the raw bucket holds: object names per distinct content, for every name or those under a
-- prefix. Every duplicate name is an inference Cutflow did not run (one job per content and template).
--
-- Parameters:
--   :'url_prefix'  text  count only names starting with this (taken literally); '' for the whole bucket
--
-- Example:
--   psql "$CUTFLOW_ANALYST_URL" -v url_prefix= -f sql/queries/duplicate_ratio.sql
--
-- Index: image_urls_pkey (url is COLLATE "C") when the prefix is selective; a full scan of image_urls otherwise.
WITH per_content AS MATERIALIZED (
    SELECT u.md5, count(*) AS names
    FROM image_urls u
    WHERE u.url LIKE replace(replace(replace(:'url_prefix', '\', '\\'), '%', '\%'), '_', '\_') || '%'
    GROUP BY u.md5
)
SELECT COALESCE(sum(names), 0)                                                  AS urls,
       count(*)                                                                 AS distinct_contents,
       COALESCE(sum(names), 0) - count(*)                                       AS duplicate_urls,
       round(sum(names)::numeric / NULLIF(count(*), 0), 4)                      AS names_per_content,
       count(*) FILTER (WHERE names > 1)                                        AS contents_with_duplicates,
       round(100.0 * count(*) FILTER (WHERE names > 1) / NULLIF(count(*), 0), 2) AS pct_contents_duplicated,
       max(names)                                                               AS max_names_per_content
FROM per_content;
