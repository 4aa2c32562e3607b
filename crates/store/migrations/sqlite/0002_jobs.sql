-- Durable jobs: work that must survive a crash (fulfilment steps of approved
-- requests). Claimed with a lease, retried with backoff, reclaimed when a worker's
-- lease runs out. See docs/jobs.md.
--
-- The payload holds ids only, never personal data (the store caps its size); the
-- error column holds a short code.
CREATE TABLE jobs (
    id             TEXT PRIMARY KEY,
    kind           TEXT NOT NULL,
    -- Enqueueing a second job with the same key does nothing: one job per side effect.
    dedupe_key     TEXT NOT NULL UNIQUE,
    request_id     TEXT REFERENCES requests (id),
    payload        TEXT NOT NULL,
    state          TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled')),
    attempts       INTEGER NOT NULL CHECK (attempts >= 0),
    run_after_ms   INTEGER NOT NULL,
    lease_owner    TEXT,
    lease_token    TEXT,
    lease_until_ms INTEGER,
    last_error     TEXT,
    created_at_ms  INTEGER NOT NULL,
    updated_at_ms  INTEGER NOT NULL,
    finished_at_ms INTEGER,
    -- A running job always has a lease; a job in any other state never does.
    CHECK ((state = 'running') = (lease_token IS NOT NULL AND lease_until_ms IS NOT NULL))
);
-- Claiming: queued jobs that are due, and running jobs whose lease ran out.
CREATE INDEX jobs_claim ON jobs (state, run_after_ms);
CREATE INDEX jobs_lease ON jobs (lease_until_ms) WHERE state = 'running';
CREATE INDEX jobs_request ON jobs (request_id);
