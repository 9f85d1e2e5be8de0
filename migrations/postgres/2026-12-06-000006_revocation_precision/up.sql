-- The instant of a revocation in milliseconds (issue 17). A user entry ('sub') covers the user's access tokens
-- issued at or before it: a token's own millisecond is in its `jti` (a UUIDv7), so the tokens issued in the
-- revocation's second are ordered against it exactly, before or after, instead of all surviving it.
-- NULL for rows written before this column, or by a writer that does not know it (a replica of the previous
-- release during a rolling upgrade, the family trigger): readers take the end of `revoked_at`'s second
-- (revoked_at * 1000 + 999), which covers every token of that second, the conservative side.
ALTER TABLE revocations ADD COLUMN revoked_at_ms BIGINT;
