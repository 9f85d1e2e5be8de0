-- Self-service registration with email verification (issue 18).
-- Whether the user proved control of their address (the email_verified claim), and how the account came to be:
-- 'operator' (CLI, admin API), 'registration' (the /register page), 'invitation', 'import'. A self-registered
-- account can't sign in before it verifies its address when require_verified_email is set.
ALTER TABLE users ADD COLUMN email_verified BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users ADD COLUMN source TEXT NOT NULL DEFAULT 'operator';

-- Registrations (and requests for a new verification link) waiting to be handled off the request path, like
-- password_reset_requests: the page answers after one insert whatever the address, so neither its content nor its
-- timing tells whether the address has an account. kind: 'register' (with the new password's hash, computed on
-- the request path for every address alike) or 'resend'. return_to: the authorization request (a query string) the
-- registration started from, so the verified user ends up back in it. Rows live for seconds.
CREATE TABLE registration_requests (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    email TEXT NOT NULL,
    password_hash TEXT,
    return_to TEXT,
    created_at BIGINT NOT NULL
);

-- Email verification links: stored as SHA-256 only, single use, expiring. email: the address the link proves
-- (the user's address when it was sent; a link for an address the user no longer has verifies nothing).
CREATE TABLE email_verifications (
    token_hash BLOB PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    return_to TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX email_verifications_user ON email_verifications (user_id);
