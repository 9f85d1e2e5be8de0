DROP TABLE mail_outbox;
DROP TABLE password_reset_tokens;
