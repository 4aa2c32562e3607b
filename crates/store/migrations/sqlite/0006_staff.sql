-- Staff accounts and their sessions (issue 6): the people who work the request queue.
-- Passwords are kept only as Argon2id PHC strings; a session only as the keyed hash of
-- its token under the store's secret key (a copy of the database alone cannot be used
-- to log in). Users are disabled, never deleted, so the audit chain keeps naming them.
CREATE TABLE staff_users (
    id                     TEXT PRIMARY KEY,
    username               TEXT NOT NULL UNIQUE,
    password_hash          TEXT NOT NULL,
    role                   TEXT NOT NULL CHECK (role IN ('admin', 'agent', 'auditor')),
    disabled_at_ms         INTEGER,
    created_at_ms          INTEGER NOT NULL,
    password_changed_at_ms INTEGER NOT NULL
);

-- A session ends at the first of its idle expiry (moved forward as it is used) and its
-- absolute expiry (fixed at login).
CREATE TABLE staff_sessions (
    token_mac          BLOB PRIMARY KEY,
    user_id            TEXT NOT NULL REFERENCES staff_users (id),
    created_at_ms      INTEGER NOT NULL,
    last_seen_at_ms    INTEGER NOT NULL,
    idle_expires_at_ms INTEGER NOT NULL,
    expires_at_ms      INTEGER NOT NULL
);
CREATE INDEX staff_sessions_user ON staff_sessions (user_id);

-- Failed logins, for throttling per username and per client address. The key is a
-- keyed hash (`user` or `address` and the value), never the value; rows older than the
-- throttling window are deleted as new ones arrive.
CREATE TABLE staff_login_failures (
    key_mac BLOB NOT NULL,
    at_ms   INTEGER NOT NULL
);
CREATE INDEX staff_login_failures_key ON staff_login_failures (key_mac, at_ms);
