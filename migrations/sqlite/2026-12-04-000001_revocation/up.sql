-- Revocation and introspection (issue 9).

-- A client allowed to call POST /introspect (RFC 7662 §2.1); it needs no grant of its own.
ALTER TABLE clients ADD COLUMN can_introspect BOOLEAN NOT NULL DEFAULT FALSE;

-- The revocation log: what access tokens must be refused before their `exp`. One row per revoked access token
-- (kind 'jti'), refresh-token family (kind 'sid': the access tokens issued in that family carry it) or user (kind
-- 'sub': the user's tokens issued at or before revoked_at). It is the denylist itself without Redis, the source
-- Redis is filled and refilled from with it, and the revocation feed (GET /revocations?after=seq). A row is kept
-- until every token it covers has expired (expires_at), then pruned.
CREATE TABLE revocations (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    revoked_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    UNIQUE (kind, value)
);
CREATE INDEX revocations_expires_at ON revocations(expires_at);

-- Every way a family ends (revocation through POST /revoke, reuse, logout, a disabled user, a revoked key) puts
-- its id on the denylist in the same transaction, so the access tokens issued in it (they carry it as `sid`) are
-- refused too. They live at most 24 h (access_token_ttl's upper bound), so the entry does.
CREATE TRIGGER refresh_token_families_denylist AFTER UPDATE OF revoked_at ON refresh_token_families
FOR EACH ROW WHEN OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL
BEGIN
    INSERT INTO revocations (kind, value, revoked_at, expires_at)
    VALUES ('sid', NEW.id, NEW.revoked_at, NEW.revoked_at + 86400)
    ON CONFLICT DO NOTHING;
END;
