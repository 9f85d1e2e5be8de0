-- When the user's password was last set by a reset (UNIX seconds; 0: never). Device cookies name it, so a device
-- cookie issued before a password reset stops counting as a known device (a stolen one dies with the reset).
ALTER TABLE users ADD COLUMN password_changed_at BIGINT NOT NULL DEFAULT 0;
