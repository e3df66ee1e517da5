-- Jobs finished per day (days cut in the given time zone) in [from, to): how many, how they ended, and how long
-- they took. Pending and running jobs have no finished_at and are not counted.
--
-- Parameters:
--   :'from'  timestamptz  inclusive start of the finished_at range
--   :'to'    timestamptz  exclusive end of the finished_at range
--   :'tz'    text         time zone that cuts the days (UTC, Asia/Shanghai, ...)
--
-- Example:
--   psql "$CUTFLOW_ANALYST_URL" -v from=2026-11-01T00:00:00Z -v to=2026-12-01T00:00:00Z -v tz=UTC \
--        -f sql/queries/daily_throughput.sql
--
-- Reads every job finished in the range (a month is most of a month's rows: a sequential scan is the right plan).
SELECT (j.finished_at AT TIME ZONE :'tz')::date                                   AS day,
       count(*)                                                                   AS finished,
       count(*) FILTER (WHERE j.status = 'success')                               AS succeeded,
       count(*) FILTER (WHERE j.status = 'failed')                                AS failed,
       count(*) FILTER (WHERE j.status = 'needs_manual_review')                   AS needs_manual_review,
       round(100.0 * count(*) FILTER (WHERE j.status = 'success') / count(*), 1)  AS success_pct,
       round(avg(j.duration_ms))                                                  AS avg_duration_ms,
       max(j.duration_ms)                                                         AS max_duration_ms,
       round(avg(j.inference_ms) FILTER (WHERE j.status = 'success'))             AS avg_inference_ms
FROM processing_jobs j
WHERE j.finished_at >= :'from'::timestamptz
  AND j.finished_at < :'to'::timestamptz
GROUP BY 1
ORDER BY 1;
