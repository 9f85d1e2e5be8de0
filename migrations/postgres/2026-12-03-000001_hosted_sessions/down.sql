ALTER TABLE refresh_token_families DROP COLUMN session_id;
DROP TABLE authorization_codes;
DROP TABLE sessions;
