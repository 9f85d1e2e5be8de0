-- When each key last signed a token, written by the signing replica at most once a minute per key (so `latchkey
-- keys list` can tell when a retired key stopped being used, across restarts and replicas).
ALTER TABLE signing_keys ADD COLUMN last_signed_at BIGINT;
