DROP TABLE audit_log;
DROP TABLE signing_keys;
DROP TABLE refresh_tokens;
DROP TABLE refresh_token_families;
DROP TABLE clients;
DROP TABLE users;
