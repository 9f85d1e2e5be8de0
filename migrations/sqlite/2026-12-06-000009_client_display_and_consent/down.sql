DROP TABLE consents;
ALTER TABLE clients DROP COLUMN first_party;
ALTER TABLE clients DROP COLUMN display;
