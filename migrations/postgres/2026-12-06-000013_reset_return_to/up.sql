-- Issue 19 (pages never dead-end, DESIGN.md §23): a forgot-password request started from a sign-in page carries
-- that authorization request (a query string, checked again wherever it is used), so that the mailed link, the
-- reset and the sign-in after it lead back into the application.
ALTER TABLE password_reset_requests ADD COLUMN return_to TEXT;
