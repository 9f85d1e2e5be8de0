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
    pub register_link: &'static str,
    pub register_title: &'static str,
    pub register_heading: &'static str,
    pub register_intro: &'static str,
    pub register_button: &'static str,
    pub register_closed: &'static str,
    pub register_domain_not_allowed: &'static str,
    pub register_invalid_email: &'static str,
    pub register_sent_heading: &'static str,
    pub register_sent_text: &'static str,
    pub have_account_link: &'static str,
    pub verify_title: &'static str,
    pub verify_heading: &'static str,
    pub verify_intro: &'static str,
    pub verify_button: &'static str,
    pub verify_invalid_link: &'static str,
    pub verify_done_heading: &'static str,
    pub verify_done_text: &'static str,
    pub continue_link: &'static str,
    pub sign_in_link: &'static str,
    /// A correct password for an account whose address is not verified yet.
    pub unverified_email: &'static str,
    pub resend_link: &'static str,
    pub resend_title: &'static str,
    pub resend_heading: &'static str,
    pub resend_intro: &'static str,
    pub resend_button: &'static str,
    pub resend_sent_text: &'static str,
    pub verify_mail_subject: &'static str,
    /// `{link}` and `{hours}` are replaced.
    pub verify_mail_text: &'static str,
    pub exists_mail_subject: &'static str,
    /// `{link}` (the forgot-password page) is replaced.
    pub exists_mail_text: &'static str,
    pub invitation_title: &'static str,
    pub invitation_heading: &'static str,
    pub invitation_intro: &'static str,
    pub invitation_username_label: &'static str,
    pub invitation_username_hint: &'static str,
    pub invitation_button: &'static str,
    pub invitation_invalid_link: &'static str,
    pub invitation_username_taken: &'static str,
    pub invitation_username_invalid: &'static str,
    pub invitation_done_heading: &'static str,
    pub invitation_done_text: &'static str,
    pub invitation_mail_subject: &'static str,
    /// `{link}` and `{days}` are replaced.
    pub invitation_mail_text: &'static str,
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
    register_link: "Create an account",
    register_title: "Create an account",
    register_heading: "Create an account",
    register_intro: "We will send a link to your email address to confirm that it is yours.",
    register_button: "Create the account",
    register_closed: "You can't create an account here. Ask your administrator for an invitation.",
    register_domain_not_allowed: "Accounts can't be created with addresses of this domain. Use your work address.",
    register_invalid_email: "Enter an email address, such as name@example.org.",
    register_sent_heading: "Check your email",
    register_sent_text: "We sent a message to the address you entered. Open the link in it to confirm your address \
        and finish creating your account.",
    have_account_link: "Already have an account? Sign in",
    verify_title: "Confirm your email address",
    verify_heading: "Confirm your email address",
    verify_intro: "Confirm that this address is yours to finish setting up your account.",
    verify_button: "Confirm my address",
    verify_invalid_link: "This link has expired or was already used. Ask for a new one.",
    verify_done_heading: "Your address is confirmed",
    verify_done_text: "Your account is ready. Sign in to continue.",
    continue_link: "Continue",
    sign_in_link: "Sign in",
    unverified_email: "Confirm your email address first: open the link we sent you. No message? Ask for a new link.",
    resend_link: "Send a new confirmation link",
    resend_title: "Confirm your email address",
    resend_heading: "Get a new confirmation link",
    resend_intro: "Enter the email address of your account. If it still needs confirming, we will send a new link.",
    resend_button: "Send the link",
    resend_sent_text: "If this address has an account that still needs confirming, a new link is on its way.",
    verify_mail_subject: "Confirm your email address",
    verify_mail_text: "Welcome! To confirm that this address is yours and finish creating your account, open \
        this link within {hours} hours:\n\n{link}\n\nIf you did not create an account, ignore this message.\n",
    exists_mail_subject: "Someone tried to create an account with your address",
    exists_mail_text: "Someone (maybe you) tried to create a new account with this email address, which already \
        has one. No new account was created.\n\nIf it was you and you forgot your password, reset it here:\n\n\
        {link}\n\nIf it was not you, you can ignore this message.\n",
    invitation_title: "Accept your invitation",
    invitation_heading: "Accept your invitation",
    invitation_intro: "Choose a password to create your account for",
    invitation_username_label: "Username (optional)",
    invitation_username_hint: "Up to 64 letters, digits and . _ - ~. You can also sign in with your email address.",
    invitation_button: "Create my account",
    invitation_invalid_link: "This invitation has expired, was already used or was withdrawn. Ask the person who \
        invited you for a new one.",
    invitation_username_taken: "This username is taken. Choose another, or leave it empty.",
    invitation_username_invalid: "A username is up to 64 letters, digits and . _ - ~.",
    invitation_done_heading: "Your account is ready",
    invitation_done_text: "Your address is confirmed and your account is ready. Go to your application and sign \
        in.",
    invitation_mail_subject: "You are invited",
    invitation_mail_text: "You are invited to create an account. To choose your password, open this link within \
        {days} days:\n\n{link}\n\nIf you did not expect this invitation, ignore this message.\n",
};

impl Messages {
    /// The invitation mail in this catalogue's language.
    pub fn invitation_mail_texts(&self) -> crate::domain::invitations::InvitationMailTexts {
        crate::domain::invitations::InvitationMailTexts {
            subject: self.invitation_mail_subject,
            text: self.invitation_mail_text,
        }
    }

    /// The registration mails in this catalogue's language.
    pub fn registration_mail_texts(&self) -> crate::domain::registration::RegistrationMailTexts {
        crate::domain::registration::RegistrationMailTexts {
            verify_subject: self.verify_mail_subject,
            verify_text: self.verify_mail_text,
            exists_subject: self.exists_mail_subject,
            exists_text: self.exists_mail_text,
        }
    }

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
