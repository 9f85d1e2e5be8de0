DROP TABLE passkey_sign_ins;
DROP TABLE webauthn_ceremonies;
DROP TABLE passkeys;
