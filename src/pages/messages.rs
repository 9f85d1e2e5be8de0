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
    pub error_go_back: &'static str,
    pub error_bad_id_token_hint: &'static str,
    pub logout_title: &'static str,
    pub logout_heading: &'static str,
    pub logout_question: &'static str,
    pub logout_button: &'static str,
    pub logged_out_title: &'static str,
    pub logged_out_heading: &'static str,
    pub logged_out_text: &'static str,
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
};
