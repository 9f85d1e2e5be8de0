ALTER TABLE refresh_token_families DROP COLUMN last_used_at;
ALTER TABLE clients DROP COLUMN require_pkce;
ALTER TABLE clients DROP COLUMN token_endpoint_auth_method;
ALTER TABLE clients DROP COLUMN post_logout_redirect_uris;
ALTER TABLE clients DROP COLUMN redirect_uris;
