-- Password reset (issue 8) and the durable mail outbox (DESIGN.md §17).

-- A reset link's token: 256-bit, stored only as its SHA-256, single-use, expiring. A newer request or a password
-- change marks the older ones used.
CREATE TABLE password_reset_tokens (
    token_hash BYTEA PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX password_reset_tokens_user ON password_reset_tokens(user_id);

-- Mail written in the same transaction as the event that causes it and delivered by a background sender with
-- retries. The message is sealed with the master key (it may hold a reset link) and erased once sent. A sender
-- leases a message (locked_until) before sending it, so that of several replicas one sends it.
CREATE TABLE mail_outbox (
    id TEXT PRIMARY KEY NOT NULL,
    recipient TEXT NOT NULL,
    sealed_message BYTEA NOT NULL,
    master_key_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    locked_until BIGINT NOT NULL DEFAULT 0,
    sent_at BIGINT,
    last_error TEXT
);
CREATE INDEX mail_outbox_due ON mail_outbox(sent_at, next_attempt_at);
