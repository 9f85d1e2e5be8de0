ALTER TABLE signing_keys DROP COLUMN last_signed_at;
