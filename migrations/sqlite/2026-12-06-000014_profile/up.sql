-- The account page's profile (issue 18): the name the user wants to be shown by (the OIDC `name` claim with the
-- `profile` scope), and address changes by link.
ALTER TABLE users ADD COLUMN display_name TEXT;

-- previous_email: set on a link that changes the user's address from previous_email to email (the link was mailed to
-- the new address). It changes the address only while the user still has previous_email, so a link from before
-- another change verifies nothing. NULL: a link that verifies the user's current address.
ALTER TABLE email_verifications ADD COLUMN previous_email TEXT;
