//! Table definitions shared by both backends (see `migrations/`).

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        username -> Nullable<Text>,
        password_hash -> Text,
        roles -> Text,
        tenant -> Nullable<Text>,
        disabled -> Bool,
        created_at -> BigInt,
        updated_at -> BigInt,
        version -> BigInt,
        password_changed_at -> BigInt,
        email_verified -> Bool,
        source -> Text,
        display_name -> Nullable<Text>,
    }
}

diesel::table! {
    registration_requests (id) {
        id -> Text,
        kind -> Text,
        email -> Text,
        password_hash -> Nullable<Text>,
        return_to -> Nullable<Text>,
        created_at -> BigInt,
        locale -> Nullable<Text>,
    }
}

diesel::table! {
    invitations (id) {
        id -> Text,
        token_hash -> Binary,
        email -> Text,
        roles -> Text,
        tenant -> Nullable<Text>,
        invited_by -> Text,
        created_at -> BigInt,
        expires_at -> BigInt,
        accepted_at -> Nullable<BigInt>,
        revoked_at -> Nullable<BigInt>,
        user_id -> Nullable<Text>,
    }
}

diesel::table! {
    email_verifications (token_hash) {
        token_hash -> Binary,
        user_id -> Text,
        email -> Text,
        return_to -> Nullable<Text>,
        created_at -> BigInt,
        expires_at -> BigInt,
        used_at -> Nullable<BigInt>,
        previous_email -> Nullable<Text>,
    }
}

diesel::table! {
    clients (id) {
        id -> Text,
        secret_hash -> Nullable<Binary>,
        grant_types -> Text,
        scopes -> Text,
        audiences -> Text,
        created_at -> BigInt,
        redirect_uris -> Text,
        post_logout_redirect_uris -> Text,
        token_endpoint_auth_method -> Text,
        require_pkce -> Bool,
        can_introspect -> Bool,
        version -> BigInt,
        web_origins -> Text,
        display -> Text,
        first_party -> Bool,
        mfa_policy -> Text,
    }
}

diesel::table! {
    consents (user_id, client_id) {
        user_id -> Text,
        client_id -> Text,
        scope -> Text,
        granted_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    refresh_token_families (id) {
        id -> Text,
        client_id -> Text,
        user_id -> Text,
        scope -> Text,
        created_at -> BigInt,
        expires_at -> BigInt,
        revoked_at -> Nullable<BigInt>,
        revoked_reason -> Nullable<Text>,
        last_used_at -> Nullable<BigInt>,
        session_id -> Nullable<Text>,
        amr -> Text,
    }
}

diesel::table! {
    refresh_tokens (token_hash) {
        token_hash -> Binary,
        family_id -> Text,
        issued_at -> BigInt,
        idle_expires_at -> BigInt,
        used_at -> Nullable<BigInt>,
        access_token_kid -> Text,
    }
}

diesel::table! {
    signing_keys (kid) {
        kid -> Text,
        algorithm -> Text,
        state -> Text,
        public_n -> Text,
        public_e -> Text,
        private_key_ciphertext -> Binary,
        master_key_id -> Text,
        created_at -> BigInt,
        activate_after -> Nullable<BigInt>,
        activated_at -> Nullable<BigInt>,
        retired_at -> Nullable<BigInt>,
        remove_after -> Nullable<BigInt>,
        revoked_at -> Nullable<BigInt>,
        revoked_reason -> Nullable<Text>,
        last_signed_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Text,
        at -> BigInt,
        action -> Text,
        subject -> Text,
        detail -> Text,
        actor -> Text,
        source -> Nullable<Text>,
    }
}

diesel::table! {
    leases (name) {
        name -> Text,
        holder -> Text,
        expires_at -> BigInt,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        token_hash -> Binary,
        user_id -> Text,
        auth_time -> BigInt,
        created_at -> BigInt,
        last_seen_at -> BigInt,
        idle_expires_at -> BigInt,
        expires_at -> BigInt,
        revoked_at -> Nullable<BigInt>,
        revoked_reason -> Nullable<Text>,
        amr -> Text,
        source -> Nullable<Text>,
    }
}

diesel::table! {
    authorization_codes (code_hash) {
        code_hash -> Binary,
        client_id -> Text,
        user_id -> Text,
        session_id -> Nullable<Text>,
        redirect_uri -> Text,
        scope -> Text,
        nonce -> Nullable<Text>,
        code_challenge -> Nullable<Text>,
        auth_time -> BigInt,
        created_at -> BigInt,
        expires_at -> BigInt,
        used_at -> Nullable<BigInt>,
        family_id -> Nullable<Text>,
        access_token_jti -> Nullable<Text>,
        access_token_expires_at -> Nullable<BigInt>,
        amr -> Text,
    }
}

diesel::table! {
    totp_factors (user_id) {
        user_id -> Text,
        secret_sealed -> Binary,
        sealed_by -> Text,
        created_at -> BigInt,
        confirmed_at -> Nullable<BigInt>,
        last_used_step -> BigInt,
    }
}

diesel::table! {
    recovery_codes (code_hash) {
        code_hash -> Binary,
        user_id -> Text,
        created_at -> BigInt,
        used_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    pending_sign_ins (cookie_hash) {
        cookie_hash -> Binary,
        user_id -> Text,
        session_id -> Nullable<Text>,
        auth_time -> BigInt,
        failed_attempts -> Integer,
        created_at -> BigInt,
        expires_at -> BigInt,
    }
}

diesel::table! {
    password_reset_tokens (token_hash) {
        token_hash -> Binary,
        user_id -> Text,
        created_at -> BigInt,
        expires_at -> BigInt,
        used_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    password_reset_requests (id) {
        id -> Text,
        email -> Text,
        created_at -> BigInt,
        return_to -> Nullable<Text>,
        locale -> Nullable<Text>,
    }
}

diesel::table! {
    mail_outbox (id) {
        id -> Text,
        recipient -> Text,
        sealed_message -> Binary,
        master_key_id -> Text,
        created_at -> BigInt,
        next_attempt_at -> BigInt,
        attempts -> Integer,
        locked_until -> BigInt,
        sent_at -> Nullable<BigInt>,
        last_error -> Nullable<Text>,
    }
}

diesel::table! {
    revocations (seq) {
        seq -> BigInt,
        kind -> Text,
        value -> Text,
        revoked_at -> BigInt,
        expires_at -> BigInt,
        revoked_at_ms -> Nullable<BigInt>,
    }
}
diesel::table! {
    passkeys (id) {
        id -> Text,
        user_id -> Text,
        credential_id -> Binary,
        user_handle -> Binary,
        passkey -> Text,
        sign_count -> BigInt,
        backup_eligible -> Bool,
        backed_up -> Bool,
        name -> Text,
        created_at -> BigInt,
        last_used_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    webauthn_ceremonies (id) {
        id -> Text,
        browser_hash -> Binary,
        kind -> Text,
        user_id -> Nullable<Text>,
        state -> Text,
        created_at -> BigInt,
        expires_at -> BigInt,
    }
}

diesel::joinable!(refresh_tokens -> refresh_token_families (family_id));
diesel::joinable!(password_reset_tokens -> users (user_id));
diesel::joinable!(email_verifications -> users (user_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(authorization_codes -> users (user_id));
diesel::joinable!(refresh_token_families -> users (user_id));
diesel::joinable!(refresh_token_families -> clients (client_id));
diesel::joinable!(consents -> clients (client_id));
diesel::joinable!(consents -> users (user_id));
diesel::joinable!(passkeys -> users (user_id));
diesel::allow_tables_to_appear_in_same_query!(
    users,
    clients,
    refresh_token_families,
    refresh_tokens,
    signing_keys,
    audit_log,
    leases,
    sessions,
    authorization_codes,
    password_reset_tokens,
    password_reset_requests,
    mail_outbox,
    revocations,
    registration_requests,
    email_verifications,
    invitations,
    consents,
    passkeys,
    webauthn_ceremonies,
    totp_factors,
    recovery_codes,
    pending_sign_ins
);
