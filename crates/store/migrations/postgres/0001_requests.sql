-- ombud's store, version 1 (PostgreSQL). The same shape as the SQLite schema, so one
-- set of queries serves both: times are Unix milliseconds (BIGINT), dates ISO 8601
-- text, ciphertexts BYTEA in the envelope format of crates/store/src/crypto.rs.

CREATE TABLE data_keys (
    id            BIGINT PRIMARY KEY,
    purpose       TEXT NOT NULL CHECK (purpose IN ('data', 'blind_index', 'audit_chain')),
    wrapped       BYTEA NOT NULL,
    created_at_ms BIGINT NOT NULL,
    retired_at_ms BIGINT
);

CREATE TABLE keyring (
    id           BIGINT PRIMARY KEY CHECK (id = 1),
    master_check BYTEA NOT NULL
);

CREATE TABLE requests (
    id                    TEXT PRIMARY KEY,
    request_type          TEXT NOT NULL,
    effective_type        TEXT NOT NULL,
    law                   TEXT NOT NULL,
    channel               TEXT NOT NULL,
    designated_channel    BOOLEAN NOT NULL,
    high_risk             BOOLEAN NOT NULL,
    received_at_ms        BIGINT NOT NULL,
    received_on           TEXT NOT NULL,
    status                TEXT NOT NULL,
    acknowledge_by        TEXT,
    respond_by            TEXT NOT NULL,
    extension_notice_by   TEXT,
    extended_respond_by   TEXT,
    next_due_on           TEXT NOT NULL,
    extended              BOOLEAN NOT NULL,
    extension_reason_ct   BYTEA,
    extended_at_ms        BIGINT,
    acknowledged_at_ms    BIGINT,
    verification_required TEXT NOT NULL,
    verification_achieved TEXT,
    verification_method   TEXT,
    identity_doubts       BOOLEAN NOT NULL,
    evidence_email        BOOLEAN NOT NULL DEFAULT FALSE,
    evidence_points       BIGINT NOT NULL DEFAULT 0,
    evidence_declaration  BOOLEAN NOT NULL DEFAULT FALSE,
    evidence_account      BOOLEAN NOT NULL DEFAULT FALSE,
    code_sends            BIGINT NOT NULL DEFAULT 0,
    point_attempts        BIGINT NOT NULL DEFAULT 0,
    agent_proof           TEXT,
    agent_confirmed       BOOLEAN NOT NULL,
    appeal_of             TEXT REFERENCES requests (id),
    closed_at_ms          BIGINT,
    reason_codes          TEXT,
    reasons_ct            BYTEA,
    subject_ct            BYTEA NOT NULL,
    email_bidx            BYTEA,
    phone_bidx            BYTEA,
    created_at_ms         BIGINT NOT NULL,
    updated_at_ms         BIGINT NOT NULL,
    version               BIGINT NOT NULL
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
    size_bytes    BIGINT NOT NULL,
    content_ct    BYTEA NOT NULL,
    created_at_ms BIGINT NOT NULL
);
CREATE INDEX documents_request ON documents (request_id);

CREATE TABLE verification_codes (
    request_id     TEXT PRIMARY KEY REFERENCES requests (id),
    code_mac       BYTEA NOT NULL,
    created_at_ms  BIGINT NOT NULL,
    expires_at_ms  BIGINT NOT NULL,
    attempts       BIGINT NOT NULL,
    consumed_at_ms BIGINT
);

-- Codes sent and wrong codes entered, by the blind index of the address, across all
-- requests: one person's mailbox cannot be flooded, nor their codes guessed, by
-- opening request after request (R-045).
CREATE TABLE verification_activity (
    email_bidx BYTEA NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('sent', 'failed')),
    at_ms      BIGINT NOT NULL
);
CREATE INDEX verification_activity_email ON verification_activity (email_bidx, at_ms);

CREATE TABLE used_assertions (
    assertion_id TEXT PRIMARY KEY,
    request_id   TEXT NOT NULL REFERENCES requests (id),
    used_at_ms   BIGINT NOT NULL
);

CREATE TABLE emails (
    id            TEXT PRIMARY KEY,
    request_id    TEXT REFERENCES requests (id),
    kind          TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    attempts      BIGINT NOT NULL,
    last_error    TEXT,
    message_ct    BYTEA NOT NULL,
    created_at_ms BIGINT NOT NULL,
    claimed_at_ms BIGINT,
    sent_at_ms    BIGINT
);
CREATE INDEX emails_pending ON emails (created_at_ms) WHERE status IN ('pending', 'sending');
CREATE INDEX emails_request ON emails (request_id);

CREATE TABLE audit_events (
    seq        BIGINT PRIMARY KEY,
    at_ms      BIGINT NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    request_id TEXT NOT NULL,
    payload    TEXT NOT NULL,
    prev_hash  BYTEA NOT NULL,
    hash       BYTEA NOT NULL
);
CREATE INDEX audit_events_request ON audit_events (request_id) WHERE request_id <> '';

CREATE TABLE audit_head (
    id   BIGINT PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash BYTEA NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, decode(repeat('00', 32), 'hex'));

-- Append-only through SQL; `ombud audit verify` detects changes made around it.
CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only';
END;
$$;
CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON audit_events
FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
