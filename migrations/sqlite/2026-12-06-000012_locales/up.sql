-- Languages (issue 19): the language of the page that asked for a mail, so that the mail a background task writes
-- later (a reset link, a verification link) speaks it too. NULL: the configured default_locale.
ALTER TABLE password_reset_requests ADD COLUMN locale TEXT;
ALTER TABLE registration_requests ADD COLUMN locale TEXT;
