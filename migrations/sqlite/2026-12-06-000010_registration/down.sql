DROP TABLE email_verifications;
DROP TABLE registration_requests;
ALTER TABLE users DROP COLUMN source;
ALTER TABLE users DROP COLUMN email_verified;
