-- The client model for the flows that come next (authorization code + PKCE, RP-initiated logout), added now so
-- that they need no breaking migration. URIs are JSON arrays, compared as exact strings (RFC 9700 §2.1).
ALTER TABLE clients ADD COLUMN redirect_uris TEXT NOT NULL DEFAULT '[]';
ALTER TABLE clients ADD COLUMN post_logout_redirect_uris TEXT NOT NULL DEFAULT '[]';
-- RFC 7591 §2: client_secret_basic, client_secret_post or none (public clients).
ALTER TABLE clients ADD COLUMN token_endpoint_auth_method TEXT NOT NULL DEFAULT 'client_secret_basic'
    CHECK (token_endpoint_auth_method IN ('client_secret_basic', 'client_secret_post', 'none'));
-- PKCE (RFC 7636) for authorization codes; on by default for every client (RFC 9700 §2.1.1).
ALTER TABLE clients ADD COLUMN require_pkce BOOLEAN NOT NULL DEFAULT TRUE;
UPDATE clients SET token_endpoint_auth_method = 'none' WHERE secret_hash IS NULL;

-- When a family last rotated: the refresh grant's claim updates (and so locks) the family row first, which
-- serialises it with every revocation of that family (DESIGN.md §18).
ALTER TABLE refresh_token_families ADD COLUMN last_used_at BIGINT;
