ALTER TABLE clients DROP COLUMN mfa_policy;
ALTER TABLE refresh_token_families DROP COLUMN amr;
ALTER TABLE authorization_codes DROP COLUMN amr;
ALTER TABLE sessions DROP COLUMN amr;
DROP TABLE pending_sign_ins;
DROP TABLE recovery_codes;
DROP TABLE totp_factors;
