-- Passkeys (issue 20, WebAuthn Level 2 via webauthn-rs). A credential is a public key: nothing here is secret, so
-- it is stored as webauthn-rs serializes it (passkey: its JSON, with the COSE public key, the signature counter and
-- the backup flags), with copies of what the account page shows and what a sign-in looks up.
-- credential_id: the raw credential id (unique across all users: WebAuthn §7.1 step 26 refuses a registration
-- of an id that is already registered). user_handle: the random 16-byte WebAuthn user.id (not the user's id: it
-- is stored on authenticators and sent by them), the same for all of a user's passkeys.
CREATE TABLE passkeys (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    credential_id BYTEA NOT NULL UNIQUE,
    user_handle BYTEA NOT NULL,
    passkey TEXT NOT NULL,
    sign_count BIGINT NOT NULL,
    backup_eligible BOOLEAN NOT NULL,
    backed_up BOOLEAN NOT NULL,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT
);
CREATE INDEX passkeys_user ON passkeys (user_id);

-- A WebAuthn ceremony in progress (registration or sign-in): the challenge and what webauthn-rs needs to check
-- the answer, kept server-side (never in the browser), bound to the browser cookie it was started for (its
-- SHA-256), short-lived and claimed once (deleted by the claim). user_id: whose passkey a registration adds.
CREATE TABLE webauthn_ceremonies (
    id TEXT PRIMARY KEY NOT NULL,
    browser_hash BYTEA NOT NULL,
    kind TEXT NOT NULL,
    user_id TEXT REFERENCES users(id) ON DELETE CASCADE,
    state TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX webauthn_ceremonies_expires ON webauthn_ceremonies (expires_at);
