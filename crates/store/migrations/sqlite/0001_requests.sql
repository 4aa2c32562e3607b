-- ombud's store, version 1 (SQLite). Times are Unix milliseconds (INTEGER), dates are
-- ISO 8601 text (they sort), booleans are 0/1, ciphertexts are BLOBs in the envelope
-- format of crates/store/src/crypto.rs. Personal data lives only in *_ct columns and,
-- as keyed hashes, in *_bidx columns.

-- Data keys, wrapped by the master key (which never enters the database).
CREATE TABLE data_keys (
    id            INTEGER PRIMARY KEY,
    purpose       TEXT NOT NULL CHECK (purpose IN ('data', 'blind_index', 'audit_chain')),
    wrapped       BLOB NOT NULL,
    created_at_ms INTEGER NOT NULL,
    retired_at_ms INTEGER
);

-- One row: a value encrypted under the master key, so a wrong key is reported as such.
CREATE TABLE keyring (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    master_check BLOB NOT NULL
);

CREATE TABLE requests (
    id                    TEXT PRIMARY KEY,
    request_type          TEXT NOT NULL,
    effective_type        TEXT NOT NULL,
    law                   TEXT NOT NULL,
    channel               TEXT NOT NULL,
    designated_channel    INTEGER NOT NULL,
    high_risk             INTEGER NOT NULL,
    received_at_ms        INTEGER NOT NULL,
    received_on           TEXT NOT NULL,
    status                TEXT NOT NULL,
    acknowledge_by        TEXT,
    respond_by            TEXT NOT NULL,
    extension_notice_by   TEXT,
    extended_respond_by   TEXT,
    next_due_on           TEXT NOT NULL,
    extended              INTEGER NOT NULL,
    extension_reason_ct   BLOB,
    extended_at_ms        INTEGER,
    acknowledged_at_ms    INTEGER,
    verification_required TEXT NOT NULL,
    verification_achieved TEXT,
    verification_method   TEXT,
    identity_doubts       INTEGER NOT NULL,
    evidence_email        INTEGER NOT NULL DEFAULT 0,
    evidence_points       INTEGER NOT NULL DEFAULT 0,
    evidence_declaration  INTEGER NOT NULL DEFAULT 0,
    evidence_account      INTEGER NOT NULL DEFAULT 0,
    code_sends            INTEGER NOT NULL DEFAULT 0,
    point_attempts        INTEGER NOT NULL DEFAULT 0,
    agent_proof           TEXT,
    agent_confirmed       INTEGER NOT NULL,
    appeal_of             TEXT REFERENCES requests (id),
    closed_at_ms          INTEGER,
    reason_codes          TEXT,
    reasons_ct            BLOB,
    subject_ct            BLOB NOT NULL,
    email_bidx            BLOB,
    phone_bidx            BLOB,
    created_at_ms         INTEGER NOT NULL,
    updated_at_ms         INTEGER NOT NULL,
    version               INTEGER NOT NULL
);
CREATE INDEX requests_next_due ON requests (next_due_on) WHERE closed_at_ms IS NULL;
CREATE INDEX requests_received ON requests (received_at_ms);
CREATE INDEX requests_email ON requests (email_bidx);
CREATE INDEX requests_phone ON requests (phone_bidx);

CREATE TABLE documents (
    id            TEXT PRIMARY KEY,
    request_id    TEXT NOT NULL REFERENCES requests (id),
    kind          TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size_bytes    INTEGER NOT NULL,
    content_ct    BLOB NOT NULL,
    created_at_ms INTEGER NOT NULL
);
CREATE INDEX documents_request ON documents (request_id);

-- The one live code of a request: its keyed hash, never the code.
CREATE TABLE verification_codes (
    request_id     TEXT PRIMARY KEY REFERENCES requests (id),
    code_mac       BLOB NOT NULL,
    created_at_ms  INTEGER NOT NULL,
    expires_at_ms  INTEGER NOT NULL,
    attempts       INTEGER NOT NULL,
    consumed_at_ms INTEGER
);

-- Codes sent and wrong codes entered, by the blind index of the address, across all
-- requests: one person's mailbox cannot be flooded, nor their codes guessed, by
-- opening request after request (R-045).
CREATE TABLE verification_activity (
    email_bidx BLOB NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('sent', 'failed')),
    at_ms      INTEGER NOT NULL
);
CREATE INDEX verification_activity_email ON verification_activity (email_bidx, at_ms);

-- Account assertions already used, so one cannot be replayed.
CREATE TABLE used_assertions (
    assertion_id TEXT PRIMARY KEY,
    request_id   TEXT NOT NULL REFERENCES requests (id),
    used_at_ms   INTEGER NOT NULL
);

-- Messages waiting to be delivered, written in the transaction of the change that
-- caused them (a transactional outbox), so none is lost and none is sent for a change
-- that did not commit.
CREATE TABLE emails (
    id            TEXT PRIMARY KEY,
    request_id    TEXT REFERENCES requests (id),
    kind          TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    attempts      INTEGER NOT NULL,
    last_error    TEXT,
    message_ct    BLOB NOT NULL,
    created_at_ms INTEGER NOT NULL,
    claimed_at_ms INTEGER,
    sent_at_ms    INTEGER
);
CREATE INDEX emails_pending ON emails (created_at_ms) WHERE status IN ('pending', 'sending');
CREATE INDEX emails_request ON emails (request_id);

CREATE TABLE audit_events (
    seq        INTEGER PRIMARY KEY,
    at_ms      INTEGER NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    request_id TEXT NOT NULL,
    payload    TEXT NOT NULL,
    prev_hash  BLOB NOT NULL,
    hash       BLOB NOT NULL
);
CREATE INDEX audit_events_request ON audit_events (request_id) WHERE request_id <> '';

CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash BLOB NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, zeroblob(32));

-- The log is append-only: the database refuses edits and deletions made through SQL.
-- (Someone with the file can still change it; `ombud audit verify` detects that.)
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
