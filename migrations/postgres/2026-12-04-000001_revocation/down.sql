DROP TRIGGER refresh_token_families_denylist ON refresh_token_families;
DROP FUNCTION latchkey_family_denylist();
DROP FUNCTION latchkey_revocations_lock();
DROP TABLE revocations;
ALTER TABLE clients DROP COLUMN can_introspect;
