-- Admin API (issue 10).

-- Who made a change and from where: a client of the admin API (`client:<id>`) or an operator at the CLI
-- (`cli:<os user>`); the source is the caller's address or the CLI's host. Rows written before this migration were
-- all key revocations from the CLI.
ALTER TABLE audit_log ADD COLUMN actor TEXT NOT NULL DEFAULT 'cli';
ALTER TABLE audit_log ADD COLUMN source TEXT;

-- Bumped by every change to what the admin API shows of a user or client: the API's ETags are built from it, and
-- its conditional updates (If-Match, RFC 9110 §13.1.1) compare it in the UPDATE itself, so two concurrent updates
-- can never both succeed against the same version.
ALTER TABLE users ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE clients ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
