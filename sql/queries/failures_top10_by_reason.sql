-- The ten most frequent failure reasons (processing_jobs.error_class) among jobs that finished in [from, to) as
-- failed or needs_manual_review, with their share of all such failures and an example message.
-- A job without a class counts as 'unclassified'.
--
-- Parameters:
--   :'from'  timestamptz  inclusive start of the finished_at range (-infinity for all time)
--   :'to'    timestamptz  exclusive end of the finished_at range (infinity for all time)
--
-- Example (last 7 days):
--   psql "$CUTFLOW_ANALYST_URL" -v from="$(date -u -d '7 days ago' +%FT%TZ)" -v to=infinity \
--        -f sql/queries/failures_top10_by_reason.sql
--
-- Index: processing_jobs_open_or_failed_idx (partial: only non-success rows).
-- The grouping runs in a MATERIALIZED CTE so that Citus pushes it to the workers and computes the shares (a window
-- over the grouped rows) on the coordinator.
WITH by_reason AS MATERIALIZED (
    SELECT COALESCE(j.error_class, 'unclassified')                    AS reason,
           count(*)                                                   AS failures,
           count(*) FILTER (WHERE j.status = 'failed')                AS failed,
           count(*) FILTER (WHERE j.status = 'needs_manual_review')   AS needs_manual_review,
           min(j.finished_at)                                         AS first_seen,
           max(j.finished_at)                                         AS last_seen,
           min(j.error_message)                                       AS example_message
    FROM processing_jobs j
    WHERE j.status IN ('failed', 'needs_manual_review')
      AND j.finished_at >= :'from'::timestamptz
      AND j.finished_at < :'to'::timestamptz
    GROUP BY COALESCE(j.error_class, 'unclassified')
)
SELECT reason,
       failures,
       failed,
       needs_manual_review,
       round(100.0 * failures / sum(failures) OVER (), 1) AS pct_of_failures,
       first_seen,
       last_seen,
       example_message
FROM by_reason
ORDER BY failures DESC, reason
LIMIT 10;
