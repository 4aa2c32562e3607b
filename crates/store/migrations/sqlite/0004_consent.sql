-- The consent ledger (issue 5): every choice a person or a browser makes, with its
-- proof, appended and never edited; the current state is derived from it
-- (REGULATIONS.md B9, B19: consent must be demonstrable, GDPR Art 7(1)).
-- Subjects are keyed hashes under a key that never rotates (`Keyring::secret_mac`), so
-- the ledger stays joined whatever happens to the request blind index: a person by
-- their email or account, a browser or device by its pseudonymous id.
CREATE TABLE consent_records (
    id             TEXT PRIMARY KEY,
    subject_kind   TEXT NOT NULL CHECK (subject_kind IN ('person', 'device')),
    subject_mac    BLOB NOT NULL,
    -- The identifier itself, encrypted: suppression lists for recipients that need
    -- it in plain, and re-keying. The only column a key rotation may rewrite.
    subject_ct     BLOB,
    choice         TEXT NOT NULL,
    target         TEXT,
    source         TEXT NOT NULL,
    notice_version TEXT,
    at_ms          INTEGER NOT NULL
);
CREATE INDEX consent_records_subject ON consent_records (subject_mac, at_ms);
CREATE TRIGGER consent_records_append_only_update BEFORE UPDATE OF id, subject_kind, subject_mac, choice, target, source, notice_version, at_ms ON consent_records BEGIN SELECT RAISE(ABORT, 'consent_records is append-only'); END;
CREATE TRIGGER consent_records_append_only_delete BEFORE DELETE ON consent_records BEGIN SELECT RAISE(ABORT, 'consent_records is append-only'); END;

-- A device linked to a person: the device's opt-outs carry to the person (R-120).
CREATE TABLE consent_links (
    device_mac  BLOB NOT NULL,
    person_mac  BLOB NOT NULL,
    at_ms       INTEGER NOT NULL,
    PRIMARY KEY (device_mac, person_mac)
);
CREATE INDEX consent_links_person ON consent_links (person_mac);
