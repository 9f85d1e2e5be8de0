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
    RETURN 1;
END $$;
