-- Fulfilment evidence (issue 4): erasure receipts, tombstones, access packages and
-- their download links. Numbered 0003 because 0002 holds the job queue.

-- One receipt per request and system (R-094, 11 CCR §7022): what erasure touched,
-- where and when, with keyed hashes of the primary keys — never the erased values.
-- 'pending' is written before the company database commits and 'committed' after,
-- so a crash between the two is resolved on retry (docs/fulfilment.md).
CREATE TABLE erasure_receipts (
    request_id      TEXT NOT NULL REFERENCES requests (id),
    system_id       TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'committed')),
    receipt_json    TEXT NOT NULL,
    rows_touched    INTEGER NOT NULL,
    created_at_ms   INTEGER NOT NULL,
    committed_at_ms INTEGER,
    PRIMARY KEY (request_id, system_id)
);

-- What lets an erasure be applied again after a database is restored from a backup
-- (R-093): the identity the erasure ran on, encrypted, and the systems it covered.
-- This is the "minimal suppression record" R-094 allows.
CREATE TABLE erasure_tombstones (
    id            TEXT PRIMARY KEY,
    request_id    TEXT NOT NULL REFERENCES requests (id),
    identity_kind TEXT NOT NULL,
    identity_ct   BLOB NOT NULL,
    systems       TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    UNIQUE (request_id, identity_kind)
);

-- Access packages (R-073): the zip, encrypted; content_ct is NULL once purged.
CREATE TABLE access_packages (
    id             TEXT PRIMARY KEY,
    request_id     TEXT NOT NULL REFERENCES requests (id),
    kind           TEXT NOT NULL,
    content_ct     BLOB,
    size_bytes     INTEGER NOT NULL,
    sha256_hex     TEXT NOT NULL,
    rows_included  INTEGER NOT NULL,
    created_at_ms  INTEGER NOT NULL,
    purge_at_ms    INTEGER NOT NULL,
    purged_at_ms   INTEGER
);
CREATE INDEX access_packages_request ON access_packages (request_id);
CREATE INDEX access_packages_purge ON access_packages (purge_at_ms) WHERE content_ct IS NOT NULL;

-- Download links: the token is shown once and kept only as a keyed hash.
CREATE TABLE package_links (
    token_mac        BLOB PRIMARY KEY,
    package_id       TEXT NOT NULL REFERENCES access_packages (id),
    request_id       TEXT NOT NULL REFERENCES requests (id),
    created_at_ms    INTEGER NOT NULL,
    expires_at_ms    INTEGER NOT NULL,
    downloads        INTEGER NOT NULL DEFAULT 0,
    last_download_ms INTEGER
);
CREATE INDEX package_links_package ON package_links (package_id);
