-- Hosted sign-in (DESIGN.md §15) and the authorization code flow (RFC 6749 §4.1, RFC 7636).

-- A signed-in browser. The cookie carries a 256-bit secret; only its SHA-256 is stored, so a copy of the database
-- cannot be replayed as a cookie. Idle and absolute lifetimes both apply.
CREATE TABLE sessions (
    id TEXT PRIMARY KEY NOT NULL,
    token_hash BLOB NOT NULL UNIQUE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    auth_time BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    idle_expires_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT,
    revoked_reason TEXT
);
CREATE INDEX sessions_user ON sessions(user_id);

-- Authorization codes: 256-bit, stored hashed, single-use, short-lived, bound to the client, the redirect URI and
-- the PKCE challenge. family_id names what the redemption issued, so that a second redemption revokes it (§4.1.2).
CREATE TABLE authorization_codes (
    code_hash BLOB PRIMARY KEY NOT NULL,
    client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    session_id TEXT REFERENCES sessions(id) ON DELETE SET NULL,
    redirect_uri TEXT NOT NULL,
    scope TEXT NOT NULL,
    nonce TEXT,
    code_challenge TEXT,
    auth_time BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    family_id TEXT REFERENCES refresh_token_families(id) ON DELETE SET NULL
);
CREATE INDEX authorization_codes_expires ON authorization_codes(expires_at);

-- The session a refresh-token family came from (sessions.id), so that logging out of the session ends it too. No
-- foreign key: SQLite can drop only a column without one, and a dangling id is harmless.
ALTER TABLE refresh_token_families ADD COLUMN session_id TEXT;
