-- Version 14: failure notifications sent by the console's notifier (console/.../notify), so that a digest is never
-- lost across a restart of the notifier and never built twice.
--
-- Each digest covers the failures whose finished_at falls in (from_at, to_at] of its channel; the next digest starts
-- where the newest one ended. A digest is written here (with the exact payload) before it is sent and marked sent
-- after the receiver accepted it: a notifier stopped in between sends the same digest again, under the same
-- digest_id, which receivers can use to drop the repeat. Small (one row per digest): a reference table under Citus.

CREATE TABLE notification_digests (
    digest_id  bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    channel    text        NOT NULL,
    from_at    timestamptz NOT NULL,
    to_at      timestamptz NOT NULL CHECK (to_at > from_at),
    failures   integer     NOT NULL,
    payload    text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    sent_at    timestamptz,
    attempts   integer     NOT NULL DEFAULT 0,
    last_error text,
    UNIQUE (channel, from_at)
);

COMMENT ON TABLE notification_digests IS 'Failure digests of the console''s notifier, one per period with failures: written before sending, marked sent after; the newest to_at of a channel is where its next digest starts';
COMMENT ON COLUMN notification_digests.digest_id IS 'Sent with the digest: the same id for a digest sent again after a restart';
COMMENT ON COLUMN notification_digests.channel IS 'The webhook it goes to, by name (cutflow.notify.channel)';
COMMENT ON COLUMN notification_digests.from_at IS 'Failures with finished_at after this...';
COMMENT ON COLUMN notification_digests.to_at IS '...and up to this (the notifier''s now minus its settle time)';
COMMENT ON COLUMN notification_digests.failures IS 'Failed and needs_manual_review job rows in the period';
COMMENT ON COLUMN notification_digests.payload IS 'The body sent, exactly';
COMMENT ON COLUMN notification_digests.created_at IS 'When the digest was built';
COMMENT ON COLUMN notification_digests.sent_at IS 'When the receiver accepted it (2xx); NULL while it waits';
COMMENT ON COLUMN notification_digests.attempts IS 'Sends tried';
COMMENT ON COLUMN notification_digests.last_error IS 'Why the last send failed';

GRANT SELECT ON notification_digests TO cutflow_analyst;
