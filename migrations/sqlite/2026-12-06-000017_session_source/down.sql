ALTER TABLE sessions DROP COLUMN source;
