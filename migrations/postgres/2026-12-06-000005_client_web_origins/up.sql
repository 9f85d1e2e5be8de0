-- Browser origins whose single-page apps may call /token, /revoke and /userinfo across origins (CORS, RFC 9700
-- §2.6): a JSON array of normalized origins (https://host[:port]). Empty: the origins of the client's https (or
-- loopback http) redirect URIs.
ALTER TABLE clients ADD COLUMN web_origins TEXT NOT NULL DEFAULT '[]';
