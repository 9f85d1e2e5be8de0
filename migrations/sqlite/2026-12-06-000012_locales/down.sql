ALTER TABLE registration_requests DROP COLUMN locale;
ALTER TABLE password_reset_requests DROP COLUMN locale;
