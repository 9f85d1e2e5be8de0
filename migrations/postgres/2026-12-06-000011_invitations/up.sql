-- Invitations (issue 18): an operator invites an address; the link mailed there (stored as SHA-256 only, single
-- use, expiring) lets the invitee choose a password (and a username) and creates the account, its address verified
-- by the link. With registration = "invite" this is the only way in besides operators creating accounts.
-- roles: a JSON array, as users.roles.
CREATE TABLE invitations (
    id TEXT PRIMARY KEY NOT NULL,
    token_hash BYTEA NOT NULL UNIQUE,
    email TEXT NOT NULL,
    roles TEXT NOT NULL DEFAULT '[]',
    tenant TEXT,
    invited_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    accepted_at BIGINT,
    revoked_at BIGINT,
    user_id TEXT
);
CREATE INDEX invitations_email ON invitations (email);
