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
    first_served_at_ms  BIGINT NOT NULL,
    PRIMARY KEY (law, sha256_hex)
);
CREATE FUNCTION notices_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'notices is append-only'; END; $$;
CREATE TRIGGER notices_append_only BEFORE UPDATE OR DELETE ON notices FOR EACH ROW EXECUTE FUNCTION notices_append_only();
