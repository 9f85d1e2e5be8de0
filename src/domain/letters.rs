//! The mails the domain sends, named by what they say rather than by their words: the domain decides that a mail
//! goes and to whom, the pages' catalogues word it in the reader's language and render it (text and HTML). So the
//! domain holds no prose, and a mail written later by a background task still speaks the language of the page that
//! asked for it.

use crate::infra::mail::Mail;
use crate::values::locale::Locale;

/// A mail and what its words need.
#[derive(Debug, Clone, Copy)]
pub enum Letter<'a> {
    /// A password reset link (lives `password_reset_ttl`).
    PasswordReset { link: &'a str },
    /// The password was reset through a mailed link.
    PasswordChanged,
    /// A password change on the account page.
    AccountPasswordChanged,
    /// An email verification link after registration or a resend (lives `email_verification_ttl`).
    VerifyEmail { link: &'a str },
    /// Someone registered with an address that has an account; `link` is the forgot-password page.
    AddressTaken { link: &'a str },
    /// A link that moves an account to a new address, mailed to that address (lives `email_verification_ttl`).
    ChangeEmail { link: &'a str },
    /// The account moved to `new_email`: the notice to the old address.
    AddressChanged { new_email: &'a str },
    /// An invitation link (lives `invitation_ttl`).
    Invitation { link: &'a str },
    /// A recovery code was used to sign in (issue 20).
    RecoveryCodeUsed,
    /// A second factor was added: an authenticator app (`passkey` `None`) or the passkey named `passkey`.
    FactorAdded { passkey: Option<&'a str> },
    /// The user turned two-step verification off on the account page.
    SecondFactorsRemoved,
    /// An operator removed the user's second factors.
    SecondFactorsReset,
}

/// A worded letter: the subject, the plain-text body and the HTML body (`None` only if it could not be rendered:
/// the mail then goes as plain text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
}

impl Written {
    /// The mail to `to`.
    pub fn to(self, to: &str) -> Mail {
        Mail {
            to: to.to_owned(),
            subject: self.subject,
            text: self.text,
            html: self.html,
        }
    }
}

/// Words and renders letters; `locale` `None` (or one the server doesn't speak) is the configured default.
pub trait LetterWriter: Send + Sync {
    fn write(&self, locale: Option<&Locale>, letter: Letter<'_>) -> Written;

    /// The languages it writes (and the pages speak), the default first.
    fn locales(&self) -> Vec<Locale>;
}

/// A writer and the reader's language: what a domain function that mails needs from the surface that called it.
#[derive(Clone, Copy)]
pub struct Wording<'a> {
    pub writer: &'a dyn LetterWriter,
    pub locale: Option<&'a Locale>,
}

impl Wording<'_> {
    /// `letter` in the reader's language.
    pub fn write(&self, letter: Letter<'_>) -> Written {
        self.writer.write(self.locale, letter)
    }
}

impl std::fmt::Debug for Wording<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Wording")
            .field("locale", &self.locale)
            .finish_non_exhaustive()
    }
}
