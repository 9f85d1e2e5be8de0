DROP TRIGGER refresh_token_families_denylist;
DROP TABLE revocations;
ALTER TABLE clients DROP COLUMN can_introspect;
