ALTER TABLE clients DROP COLUMN version;
ALTER TABLE users DROP COLUMN version;
ALTER TABLE audit_log DROP COLUMN source;
ALTER TABLE audit_log DROP COLUMN actor;
