-- API tokens (issue 6): shown once when made, kept only as a keyed hash under the
-- store's secret key (a copy of the database alone cannot test guesses), with the
-- scopes they grant; revoked, never deleted, so the audit trail keeps naming them.
CREATE TABLE api_tokens (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    scopes        TEXT NOT NULL,
    token_mac     BYTEA NOT NULL UNIQUE,
    created_at_ms BIGINT NOT NULL,
    revoked_at_ms BIGINT
);
