-- The access token an authorization code's redemption issued (its jti and exp), so that a replay of the code can
-- revoke it even when the client has no refresh token and so no family (RFC 6749 §4.1.2).
ALTER TABLE authorization_codes ADD COLUMN access_token_jti TEXT;
ALTER TABLE authorization_codes ADD COLUMN access_token_expires_at BIGINT;
