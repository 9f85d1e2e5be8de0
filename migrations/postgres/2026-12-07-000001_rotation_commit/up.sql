-- A rotation's commit no longer waits for its WAL flush (`synchronous_commit = off` for that transaction only):
-- waiting for it cost ~10% of the refresh throughput on PostgreSQL (bench/run.sh, pg-refresh-32). What it risks:
-- a PostgreSQL crash (not a Latchkey one) within ~3 × wal_writer_delay of a rotation forgets it. The client then
-- holds a successor the database never saw and its user signs in again; the presented token is back to unused, as
-- if the refresh never happened. Nothing a revocation wrote can be lost this way: every revocation, like every other
-- write, commits synchronously, and a synchronous commit flushes all the WAL before it, asynchronous rotations
-- included.
-- An operator who wants every rotation durable (a synchronous standby that must hold it, say) sets
-- `ALTER DATABASE <db> SET latchkey.durable_rotations = on` (new connections pick it up).
CREATE OR REPLACE FUNCTION latchkey_rotate_refresh_token(
    p_old BYTEA, p_family TEXT, p_now BIGINT, p_client TEXT, p_kid TEXT, p_new BYTEA, p_idle_expires BIGINT
) RETURNS INTEGER LANGUAGE plpgsql AS $$
DECLARE
    changed INTEGER;
BEGIN
    UPDATE refresh_token_families f SET last_used_at = p_now
    WHERE f.id = p_family AND f.client_id = p_client AND f.revoked_at IS NULL AND f.expires_at > p_now
      AND EXISTS (SELECT 1 FROM users u WHERE u.id = f.user_id AND NOT u.disabled)
      AND NOT EXISTS (SELECT 1 FROM signing_keys k WHERE k.kid = p_kid AND k.state = 'revoked');
    GET DIAGNOSTICS changed = ROW_COUNT;
    IF changed = 0 THEN
        RETURN 0;
    END IF;
    UPDATE refresh_tokens SET used_at = p_now
    WHERE token_hash = p_old AND family_id = p_family AND used_at IS NULL AND idle_expires_at > p_now;
    GET DIAGNOSTICS changed = ROW_COUNT;
    IF changed = 0 THEN
        RETURN 0;
    END IF;
    INSERT INTO refresh_tokens (token_hash, family_id, issued_at, idle_expires_at, access_token_kid)
    VALUES (p_new, p_family, p_now, p_idle_expires, p_kid);
    -- This transaction's commit doesn't wait for its WAL flush (SET LOCAL: this transaction only), unless the
    -- operator asked for durable rotations (`ALTER DATABASE … SET latchkey.durable_rotations = on`).
    IF current_setting('latchkey.durable_rotations', true) IS DISTINCT FROM 'on' THEN
        PERFORM set_config('synchronous_commit', 'off', true);
    END IF;
    RETURN 1;
END $$;
