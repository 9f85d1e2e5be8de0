//! Every text the hosted pages and mails show, as the fields of [`Messages`], one instance per language, worded
//! once at start from the Fluent catalogues (`locales/<language>/latchkey.ftl`, see [`super::catalogue`]).
//! Templates read `chrome.messages.<field>` and stay compile-checked.
//!
//! A new text is one line here and one message per language: the field `some_text` is the Fluent message
//! `some-text`. A test fails when a shipped language lacks a message or has one no field uses.

/// Declares the fields of [`Messages`] and their Fluent keys (the field name with `_` written as `-`).
macro_rules! messages {
    ($( $(#[$doc:meta])* $field:ident, )*) => {
        /// The texts of the hosted pages and mails in one language.
        #[derive(Debug)]
        pub struct Messages {
            /// BCP 47 tag for `<html lang>`.
            pub lang: &'static str,
            $( $(#[$doc])* pub $field: &'static str, )*
        }

        impl Messages {
            /// The field names, in declaration order.
            const FIELDS: &[&str] = &[$( stringify!($field) ),*];

            /// Builds the texts of language `lang`, asking `text` for each Fluent key.
            pub(super) fn from_lookup(
                lang: &'static str,
                mut text: impl FnMut(&str) -> &'static str,
            ) -> Self {
                Self {
                    lang,
                    $( $field: text(&stringify!($field).replace('_', "-")), )*
                }
            }
        }
    };
}

impl Messages {
    /// The Fluent key of every field.
    pub fn keys() -> impl Iterator<Item = String> {
        Self::FIELDS.iter().map(|f| f.replace('_', "-"))
    }
}

messages! {
    sign_in_title,
    sign_in_heading,
    sign_in_to,
    username_label,
    password_label,
    sign_in_button,
    /// The one answer to every failed sign-in, whatever the cause (no account enumeration).
    bad_credentials,
    /// A correct password for an account whose address is not verified yet.
    unverified_email,
    forgot_link,
    register_link,
    resend_link,
    continue_link,
    sign_in_link,
    error_title,
    error_heading,
    error_unknown_client,
    error_bad_redirect_uri,
    error_malformed,
    error_missing_client,
    error_missing_redirect_uri,
    error_form_expired,
    error_unavailable,
    /// Brute-force defence: the same for every account, known or not.
    error_too_many_attempts,
    error_go_back,
    error_bad_id_token_hint,
    logout_title,
    logout_heading,
    logout_question,
    logout_button,
    logged_out_title,
    logged_out_heading,
    logged_out_text,
    forgot_title,
    forgot_heading,
    forgot_intro,
    email_label,
    forgot_button,
    forgot_sent_heading,
    forgot_sent_text,
    reset_title,
    reset_heading,
    new_password_label,
    new_password_hint,
    confirm_password_label,
    reset_button,
    reset_mismatch,
    reset_too_short,
    reset_too_long,
    reset_common,
    reset_invalid_link,
    reset_done_heading,
    reset_done_text,
    register_title,
    register_heading,
    register_intro,
    register_button,
    register_password_again_label,
    register_closed,
    register_domain_not_allowed,
    register_invalid_email,
    register_sent_heading,
    register_sent_text,
    have_account_link,
    verify_title,
    verify_heading,
    verify_intro,
    verify_button,
    verify_invalid_link,
    verify_done_heading,
    verify_done_text,
    resend_title,
    resend_heading,
    resend_intro,
    resend_button,
    resend_sent_text,
    invitation_title,
    invitation_heading,
    invitation_intro,
    invitation_username_label,
    invitation_username_hint,
    invitation_button,
    invitation_invalid_link,
    invitation_username_taken,
    invitation_username_invalid,
    invitation_done_heading,
    invitation_done_text,
    account_title,
    account_heading,
    account_signed_out_heading,
    account_signed_out_text,
    account_profile_heading,
    account_email_label,
    account_email_verified,
    account_email_unverified,
    account_username_label,
    account_no_username,
    account_created_label,
    account_two_step_heading,
    account_two_step_text,
    account_password_heading,
    account_current_password_label,
    account_password_button,
    account_wrong_password,
    account_password_changed,
    account_devices_heading,
    account_browser_sessions,
    account_app_sessions,
    account_this_browser,
    account_browser,
    account_created_column,
    account_last_used_column,
    account_never_used,
    account_app_column,
    account_revoke_button,
    account_revoke_label,
    account_none,
    account_revoked,
    account_unknown_session,
    account_logout_everywhere_text,
    account_logout_everywhere_button,
    account_logged_out_everywhere_heading,
    account_logged_out_everywhere_text,
    account_data_heading,
    account_data_text,
    account_data_link,
    account_delete_heading,
    account_delete_text,
    account_delete_password_label,
    account_delete_button,
    account_deletion_off,
    account_deleted_heading,
    account_deleted_text,
    mail_link_hint,
    mail_signature,
    reset_mail_subject,
    reset_mail_text,
    reset_mail_button,
    reset_mail_footer,
    password_changed_mail_subject,
    password_changed_mail_text,
    password_changed_mail_footer,
    verify_mail_subject,
    verify_mail_text,
    verify_mail_button,
    verify_mail_footer,
    exists_mail_subject,
    exists_mail_text,
    exists_mail_button,
    exists_mail_footer,
    invitation_mail_subject,
    invitation_mail_text,
    invitation_mail_button,
    invitation_mail_footer,
    account_changed_mail_subject,
    account_changed_mail_text,
    account_changed_mail_footer,
}
