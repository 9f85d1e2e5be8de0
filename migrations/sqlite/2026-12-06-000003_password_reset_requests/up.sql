-- Forgot-password requests waiting to be handled off the request path (issue 16): a request is answered after
-- this one insert whatever the address, so its timing can't tell whether an account exists; a background task
-- looks the account up, applies the per-account mail limit, and stores a link and its mail (or nothing),
-- deleting the request in the same transaction. Rows live for seconds.
CREATE TABLE password_reset_requests (
    id TEXT PRIMARY KEY NOT NULL,
    email TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
