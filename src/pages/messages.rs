//! Every text the hosted pages show, in one catalogue per language, so that a translation is one new constant
//! and templates hold no prose. English ships.

/// The texts of the hosted pages.
#[derive(Debug)]
pub struct Messages {
    /// BCP 47 tag for `<html lang>`.
    pub lang: &'static str,
    pub sign_in_title: &'static str,
    pub sign_in_heading: &'static str,
    pub sign_in_to: &'static str,
    pub username_label: &'static str,
    pub password_label: &'static str,
    pub sign_in_button: &'static str,
    /// The one answer to every failed sign-in, whatever the cause (no account enumeration).
    pub bad_credentials: &'static str,
    pub error_title: &'static str,
    pub error_heading: &'static str,
    pub error_unknown_client: &'static str,
    pub error_bad_redirect_uri: &'static str,
    pub error_malformed: &'static str,
    pub error_missing_client: &'static str,
    pub error_missing_redirect_uri: &'static str,
    pub error_form_expired: &'static str,
    pub error_unavailable: &'static str,
    /// Brute-force defence: the same for every account, known or not.
    pub error_too_many_attempts: &'static str,
    pub error_go_back: &'static str,
    pub error_bad_id_token_hint: &'static str,
    pub logout_title: &'static str,
    pub logout_heading: &'static str,
    pub logout_question: &'static str,
    pub logout_button: &'static str,
    pub logged_out_title: &'static str,
    pub logged_out_heading: &'static str,
    pub logged_out_text: &'static str,
    pub forgot_link: &'static str,
    pub forgot_title: &'static str,
    pub forgot_heading: &'static str,
    pub forgot_intro: &'static str,
    pub email_label: &'static str,
    pub forgot_button: &'static str,
    pub forgot_sent_heading: &'static str,
    pub forgot_sent_text: &'static str,
    pub reset_title: &'static str,
    pub reset_heading: &'static str,
    pub new_password_label: &'static str,
    pub new_password_hint: &'static str,
    pub confirm_password_label: &'static str,
    pub reset_button: &'static str,
    pub reset_mismatch: &'static str,
    pub reset_too_short: &'static str,
    pub reset_too_long: &'static str,
    pub reset_common: &'static str,
    pub reset_invalid_link: &'static str,
    pub reset_done_heading: &'static str,
    pub reset_done_text: &'static str,
    pub reset_mail_subject: &'static str,
    /// `{link}` and `{minutes}` are replaced.
    pub reset_mail_text: &'static str,
    pub password_changed_mail_subject: &'static str,
    pub password_changed_mail_text: &'static str,
}

pub static ENGLISH: Messages = Messages {
    lang: "en",
    sign_in_title: "Sign in",
    sign_in_heading: "Sign in",
    sign_in_to: "to continue to",
    username_label: "Email or username",
    password_label: "Password",
    sign_in_button: "Sign in",
    bad_credentials: "The email, username or password is not right. Check them and try again.",
    error_title: "Something went wrong",
    error_heading: "This sign-in link can't be used",
    error_unknown_client: "The application that sent you here is not registered with this sign-in service.",
    error_bad_redirect_uri: "The application that sent you here asked to return to an address it has not \
        registered, so you were not sent anywhere.",
    error_malformed: "The sign-in request is malformed.",
    error_missing_client: "The sign-in request does not say which application it comes from.",
    error_missing_redirect_uri: "The sign-in request does not say where to return to.",
    error_form_expired: "The form expired or was sent from another site. Go back to the application and start \
        again.",
    error_unavailable: "The sign-in service is temporarily unavailable. Try again in a few seconds.",
    error_too_many_attempts: "Too many attempts. Wait a few minutes before you try again, or reset your password.",
    error_go_back: "Go back to the application you came from and try again, or contact its support.",
    error_bad_id_token_hint: "The sign-out request names a sign-in this service did not issue.",
    logout_title: "Sign out",
    logout_heading: "Sign out?",
    logout_question: "You will be signed out of this sign-in service and of the applications that use it on this \
        device.",
    logout_button: "Sign out",
    logged_out_title: "Signed out",
    logged_out_heading: "You are signed out",
    logged_out_text: "You can close this window.",
    forgot_link: "Forgot your password?",
    forgot_title: "Reset your password",
    forgot_heading: "Reset your password",
    forgot_intro: "Enter the email address of your account. We will send you a link to choose a new password.",
    email_label: "Email address",
    forgot_button: "Send the link",
    forgot_sent_heading: "Check your email",
    forgot_sent_text: "If an account uses this address, a link to reset its password is on its way. The link \
        works once, for one hour.",
    reset_title: "Choose a new password",
    reset_heading: "Choose a new password",
    new_password_label: "New password",
    new_password_hint: "At least 8 characters. A long phrase is easier to remember and harder to guess.",
    confirm_password_label: "New password again",
    reset_button: "Set the new password",
    reset_mismatch: "The two passwords are not the same.",
    reset_too_short: "The password must be at least 8 characters long.",
    reset_too_long: "The password must be at most 1024 bytes long.",
    reset_common: "This password is one of the most commonly used ones. Choose another.",
    reset_invalid_link: "This link has expired or was already used. Ask for a new one.",
    reset_done_heading: "Your password is changed",
    reset_done_text: "You were signed out everywhere. Go back to your application and sign in with the new \
        password.",
    reset_mail_subject: "Reset your password",
    reset_mail_text: "Someone (we hope you) asked to reset the password of your account.\n\nTo choose a new \
        password, open this link within {minutes} minutes:\n\n{link}\n\nIf you did not ask for this, ignore this \
        message: your password stays as it is.\n",
    password_changed_mail_subject: "Your password was changed",
    password_changed_mail_text: "The password of your account was just changed, and every session was signed \
        out.\n\nIf you did not do this, reset your password at once and contact your administrator.\n",
};

impl Messages {
    /// The password-reset mails in this catalogue's language.
    pub fn reset_mail_texts(&self) -> crate::domain::password_reset::ResetMailTexts {
        crate::domain::password_reset::ResetMailTexts {
            reset_subject: self.reset_mail_subject,
            reset_text: self.reset_mail_text,
            changed_subject: self.password_changed_mail_subject,
            changed_text: self.password_changed_mail_text,
        }
    }
}
