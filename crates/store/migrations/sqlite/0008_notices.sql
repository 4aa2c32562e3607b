-- The notices people were shown (issue 6; R-251: proof of consent names the text and
-- version shown). Each law's notice is kept as rendered the first time that text was
-- served, append-only. A version whose text changed without a new version number (a
-- manifest edit, or a newer ombud rendering it) gets a second row: with the time each
-- text was first served, a consent record's version and time lead back to the words
-- the person read.
CREATE TABLE notices (
    law                 TEXT NOT NULL,
    version             TEXT NOT NULL,
    effective           TEXT NOT NULL,
    sha256_hex          TEXT NOT NULL,
    html                TEXT NOT NULL,
    first_served_at_ms  INTEGER NOT NULL,
    PRIMARY KEY (law, sha256_hex)
);
CREATE TRIGGER notices_append_only_update BEFORE UPDATE ON notices BEGIN SELECT RAISE(ABORT, 'notices is append-only'); END;
CREATE TRIGGER notices_append_only_delete BEFORE DELETE ON notices BEGIN SELECT RAISE(ABORT, 'notices is append-only'); END;
