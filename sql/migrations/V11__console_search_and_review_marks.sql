-- Version 11: what the operators' console needs from the schema.
--
-- 1. Search. A product id is the url's file name up to its first dot (without query and fragment), lowercased: a
--    btree on that expression finds a product id or its prefix with one index probe per partition. String functions,
--    not product_assets_view's regular expressions: 1.2 us per url instead of 5.8 us, paid by every url the sink
--    writes (docs/benchmarks.md, "The console at scale"). Every name of a content (its page, search by MD5,
--    retry's choice of a readable name) is an index probe on image_urls_md5_idx instead of a scan of all urls. (A url prefix already has the primary key: urls are in byte order, so LIKE 'p%'
--    uses it.) No trigram index for arbitrary substrings: on 60-byte urls a GIN trigram index costs the url-map
--    sink more than the console gains (every name inserts ~60 posting entries); a substring search is a bounded
--    scan. Under Citus the index is propagated to every shard of image_urls (the expression is inline: no function
--    to distribute).
--    The board's storage per asset type and day reads result_assets by created_at: a btree index keeps that a range
--    scan of the last days instead of a scan of every asset. The failures page reads the newest failed (or in
--    review) rows: a partial index on (status, finished_at) of those rows only, which the sink's successes never touch.
-- 2. The manual-review queue's marks: an operator looked at a needs_manual_review (or failed) row and either accepts
--    it as it is ('reviewed') or decides nobody will retry it ('given_up'). A mark names the job row's outcome it was
--    made for (finished_at), so a later outcome of the same content and template version is back in the queue.
--    Insert-only history, like processing_attempts; under Citus distributed by md5 with the other md5 tables.
-- 3. Thumbnails as assets: the asset-type checks also allow 'thumbnail' (the cut-out, small) and
--    'original_thumbnail' (the original, small), so pages of 100 rows load small files.

CREATE INDEX image_urls_product_id_idx ON image_urls
    (lower(split_part(reverse(split_part(reverse(split_part(split_part(url, '#', 1), '?', 1)), '/', 1)), '.', 1))
     text_pattern_ops);
CREATE INDEX image_urls_md5_idx ON image_urls (md5);
CREATE INDEX result_assets_created_at_idx ON result_assets (created_at);
CREATE INDEX processing_jobs_failed_finished_idx ON processing_jobs (status, finished_at DESC NULLS LAST)
    WHERE status IN ('failed', 'needs_manual_review');

CREATE TABLE review_marks (
    md5              char(32)    NOT NULL CHECK (length(md5) = 32 AND encode(decode(md5, 'hex'), 'hex') = md5::text),
    template_id      text        NOT NULL,
    template_version integer     NOT NULL,
    outcome_at       timestamptz NOT NULL,
    mark             text        NOT NULL CHECK (mark IN ('reviewed', 'given_up')),
    marked_by        text        NOT NULL,
    marked_at        timestamptz NOT NULL DEFAULT now(),
    note             text,
    PRIMARY KEY (md5, template_id, template_version, outcome_at, mark)
);

COMMENT ON TABLE review_marks IS 'Operators'' marks on failed and needs_manual_review job rows (insert-only): reviewed (the result stands as it is) or given_up (nobody will retry it); a row leaves the review queue while a mark exists for its current outcome';
COMMENT ON COLUMN review_marks.md5 IS 'The content; joins processing_jobs.md5';
COMMENT ON COLUMN review_marks.template_id IS 'Template of the job row marked';
COMMENT ON COLUMN review_marks.template_version IS 'Template version of the job row marked';
COMMENT ON COLUMN review_marks.outcome_at IS 'processing_jobs.finished_at of the outcome that was marked: a later outcome is not covered';
COMMENT ON COLUMN review_marks.mark IS 'reviewed or given_up';
COMMENT ON COLUMN review_marks.marked_by IS 'Who marked it: the console key''s label (never the key itself)';
COMMENT ON COLUMN review_marks.marked_at IS 'When it was marked';
COMMENT ON COLUMN review_marks.note IS 'Optional words from the operator';

GRANT SELECT ON review_marks TO cutflow_analyst;

ALTER TABLE param_templates DROP CONSTRAINT IF EXISTS param_templates_assets_check;
ALTER TABLE param_templates ADD CONSTRAINT param_templates_assets_check CHECK (cardinality(assets) > 0
    AND assets <@ ARRAY['alpha_mask', 'transparent_png', 'foreground_only', 'thumbnail', 'original_thumbnail']);

ALTER TABLE result_assets DROP CONSTRAINT IF EXISTS result_assets_asset_type_check;
ALTER TABLE result_assets ADD CONSTRAINT result_assets_asset_type_check
    CHECK (asset_type IN ('alpha_mask', 'transparent_png', 'foreground_only', 'thumbnail', 'original_thumbnail'));
