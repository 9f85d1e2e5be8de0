-- The two claims of the refresh-token lifecycle as PL/pgSQL functions: one round trip each, and the statement plans
-- are prepared once per connection and reused (a data-modifying CTE sent as text was parsed and planned on every
-- call, which cost more database CPU than the round trips it saved). See src/store/refresh_tokens.rs.

-- Starts a family with its first token unless the user is disabled or the signing key revoked. Returns 1 or 0.
CREATE FUNCTION latchkey_create_family(
    p_family TEXT, p_client TEXT, p_user TEXT, p_scope TEXT, p_now BIGINT, p_expires BIGINT,
    p_hash BYTEA, p_idle_expires BIGINT, p_kid TEXT
) RETURNS INTEGER LANGUAGE plpgsql AS $$
DECLARE
    inserted INTEGER;
BEGIN
    INSERT INTO refresh_token_families (id, client_id, user_id, scope, created_at, expires_at)
    SELECT p_family, p_client, p_user, p_scope, p_now, p_expires
    WHERE EXISTS (SELECT 1 FROM users WHERE id = p_user AND NOT disabled)
      AND NOT EXISTS (SELECT 1 FROM signing_keys WHERE kid = p_kid AND state = 'revoked');
    GET DIAGNOSTICS inserted = ROW_COUNT;
    IF inserted = 0 THEN
        RETURN 0;
    END IF;
    INSERT INTO refresh_tokens (token_hash, family_id, issued_at, idle_expires_at, access_token_kid)
    VALUES (p_hash, p_family, p_now, p_idle_expires, p_kid);
    RETURN 1;
END $$;

-- Rotates p_old into p_new within family p_family, exactly once, and only while the family is live for p_client,
-- its user enabled and the new token's signing key not revoked. The family row is updated (so locked) first, which
-- serialises the claim with every revocation of that family. Returns 1 when rotated, 0 otherwise.
CREATE FUNCTION latchkey_rotate_refresh_token(
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
