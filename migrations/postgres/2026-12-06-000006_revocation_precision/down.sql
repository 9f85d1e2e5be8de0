ALTER TABLE revocations DROP COLUMN revoked_at_ms;
