-- Client display metadata, shown on the hosted pages: a JSON object with the RFC 7591 §2 names client_name,
-- logo_uri, client_uri, policy_uri and tos_uri (each absent when not set; the pages fall back to the client id).
-- One column, like the client's other lists: the table stays within diesel's 16 columns.
ALTER TABLE clients ADD COLUMN display TEXT NOT NULL DEFAULT '{}';
-- First-party clients (the operator's own apps, the default) sign users in without asking; a third-party client
-- gets the consent page, and never the password grant.
ALTER TABLE clients ADD COLUMN first_party BOOLEAN NOT NULL DEFAULT TRUE;

-- What a user allowed a third-party client: the scopes granted so far (space-separated, the union of every
-- consent). Withdrawn on the account page, which also ends the client's refresh-token families for the user.
CREATE TABLE consents (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    scope TEXT NOT NULL,
    granted_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, client_id)
);
CREATE INDEX consents_client ON consents(client_id);
