-- Second factors, MFA policies and the authentication methods of a sign-in (issue 20).

-- A user's TOTP authenticator (RFC 6238). The secret is sealed under the master key (AES-256-GCM, its context the
-- user id, so a ciphertext can't be moved to another user), like signing keys. confirmed_at NULL: enrolment started
-- but not yet confirmed by a first code, so it is not a factor yet. last_used_step: the highest time step a code was
-- accepted for; a code is accepted only for a later step, so each code works once (RFC 6238 §5.2).
CREATE TABLE totp_factors (
    user_id TEXT PRIMARY KEY NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    secret_sealed BLOB NOT NULL,
    sealed_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    confirmed_at BIGINT,
    last_used_step BIGINT NOT NULL DEFAULT 0
);

-- Recovery codes: single use, stored as SHA-256 (they carry 60 random bits from a server generator, so a slow KDF
-- would buy nothing, DESIGN.md §5). used_at set once.
CREATE TABLE recovery_codes (
    code_hash BLOB PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX recovery_codes_user ON recovery_codes(user_id);

-- A sign-in between its password and its second factor (or forced enrolment), bound to the browser cookie (its
-- SHA-256): short-lived, with a count of wrong codes. session_id: a step-up of that existing session (acr_values)
-- rather than a new sign-in. One per browser: a new password entry replaces it.
CREATE TABLE pending_sign_ins (
    cookie_hash BLOB PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    session_id TEXT REFERENCES sessions(id) ON DELETE CASCADE,
    auth_time BIGINT NOT NULL,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

-- The authentication methods (RFC 8176 amr values, space-separated) of the sign-in behind a session, a code and a
-- refresh-token family, so that ID and access tokens carry amr and acr. Existing rows were password sign-ins.
ALTER TABLE sessions ADD COLUMN amr TEXT NOT NULL DEFAULT 'pwd';
ALTER TABLE authorization_codes ADD COLUMN amr TEXT NOT NULL DEFAULT 'pwd';
ALTER TABLE refresh_token_families ADD COLUMN amr TEXT NOT NULL DEFAULT 'pwd';

-- Per-client MFA policy, a JSON object (one column, like display): require_mfa (sign-ins to this client need a
-- second factor) and allow_password_grant_without_mfa (the explicit allowance for the password grant, which can't
-- ask for a second factor, RFC 9700 §2.4, to sign in users who have one). {}: neither.
ALTER TABLE clients ADD COLUMN mfa_policy TEXT NOT NULL DEFAULT '{}';
