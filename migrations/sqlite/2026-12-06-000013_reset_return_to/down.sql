ALTER TABLE password_reset_requests DROP COLUMN return_to;
