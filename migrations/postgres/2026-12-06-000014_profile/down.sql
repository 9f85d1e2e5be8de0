ALTER TABLE email_verifications DROP COLUMN previous_email;
ALTER TABLE users DROP COLUMN display_name;
