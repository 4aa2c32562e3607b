-- The notices people were shown (issue 6; R-251: proof of consent names the text and
-- version shown). Each law's notice is kept as rendered the first time a version was
-- served, append-only: a version is never rewritten, so a consent record's
-- notice_version always leads back to the words the person read.
CREATE TABLE notices (
    law                 TEXT NOT NULL,
    version             TEXT NOT NULL,
    effective           TEXT NOT NULL,
    sha256_hex          TEXT NOT NULL,
    html                TEXT NOT NULL,
    first_served_at_ms  INTEGER NOT NULL,
    PRIMARY KEY (law, version)
);
CREATE TRIGGER notices_append_only_update BEFORE UPDATE ON notices BEGIN SELECT RAISE(ABORT, 'notices is append-only'); END;
CREATE TRIGGER notices_append_only_delete BEFORE DELETE ON notices BEGIN SELECT RAISE(ABORT, 'notices is append-only'); END;
