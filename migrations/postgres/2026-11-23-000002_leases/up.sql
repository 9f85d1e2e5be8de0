-- A lease elects the one replica that performs a periodic job (e.g. key rotation) at a time.
CREATE TABLE leases (
    name TEXT PRIMARY KEY NOT NULL,
    holder TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
