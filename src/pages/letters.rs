//! The mails, worded from the catalogues in the reader's language and rendered twice from `templates/mail/`: plain
//! text and HTML (inline styles only, no remote images: mail clients strip `<style>` and block remote content),
//! branded with `product_name`.

use std::borrow::Cow;
use std::sync::Arc;

use askama::Template;

use super::catalogue::Catalogues;
use super::messages::Messages;
use crate::domain::letters::{Letter, LetterWriter, Written};
use crate::values::locale::Locale;

/// What a letter says, in the order it is laid out.
struct Parts<'a> {
    subject: &'static str,
    /// Owned when a runtime value is put in (`{email}`).
    text: Cow<'static, str>,
    /// The link and its button's label.
    action: Option<(&'a str, &'static str)>,
    footer: &'static str,
}

#[derive(Template)]
#[template(path = "mail/letter.txt")]
struct TextLetter<'a> {
    text: &'a str,
    link: Option<&'a str>,
    footer: &'a str,
    signature: &'a str,
}

#[derive(Template)]
#[template(path = "mail/letter.html")]
struct HtmlLetter<'a> {
    lang: &'a str,
    product_name: &'a str,
    subject: &'a str,
    text: &'a str,
    action: Option<(&'a str, &'a str)>,
    link_hint: &'a str,
    footer: &'a str,
    signature: &'a str,
}

/// Writes every letter from the catalogues.
#[derive(Debug, Clone)]
pub struct Letters {
    catalogues: Arc<Catalogues>,
    product_name: String,
}

impl Letters {
    pub fn new(catalogues: Arc<Catalogues>, product_name: &str) -> Self {
        Self {
            catalogues,
            product_name: product_name.to_owned(),
        }
    }
}

fn parts<'a>(m: &Messages, letter: Letter<'a>) -> Parts<'a> {
    match letter {
        Letter::PasswordReset { link } => Parts {
            subject: m.reset_mail_subject,
            text: Cow::Borrowed(m.reset_mail_text),
            action: Some((link, m.reset_mail_button)),
            footer: m.reset_mail_footer,
        },
        Letter::PasswordChanged => Parts {
            subject: m.password_changed_mail_subject,
            text: Cow::Borrowed(m.password_changed_mail_text),
            action: None,
            footer: m.password_changed_mail_footer,
        },
        Letter::AccountPasswordChanged => Parts {
            subject: m.account_changed_mail_subject,
            text: Cow::Borrowed(m.account_changed_mail_text),
            action: None,
            footer: m.account_changed_mail_footer,
        },
        Letter::VerifyEmail { link } => Parts {
            subject: m.verify_mail_subject,
            text: Cow::Borrowed(m.verify_mail_text),
            action: Some((link, m.verify_mail_button)),
            footer: m.verify_mail_footer,
        },
        Letter::AddressTaken { link } => Parts {
            subject: m.exists_mail_subject,
            text: Cow::Borrowed(m.exists_mail_text),
            action: Some((link, m.exists_mail_button)),
            footer: m.exists_mail_footer,
        },
        Letter::ChangeEmail { link } => Parts {
            subject: m.change_mail_subject,
            text: Cow::Borrowed(m.change_mail_text),
            action: Some((link, m.change_mail_button)),
            footer: m.change_mail_footer,
        },
        Letter::AddressChanged { new_email } => Parts {
            subject: m.address_changed_mail_subject,
            text: Cow::Owned(m.address_changed_mail_text.replace("{email}", new_email)),
            action: None,
            footer: m.address_changed_mail_footer,
        },
        Letter::Invitation { link } => Parts {
            subject: m.invitation_mail_subject,
            text: Cow::Borrowed(m.invitation_mail_text),
            action: Some((link, m.invitation_mail_button)),
            footer: m.invitation_mail_footer,
        },
        Letter::RecoveryCodeUsed => Parts {
            subject: m.recovery_used_mail_subject,
            text: Cow::Borrowed(m.recovery_used_mail_text),
            action: None,
            footer: m.recovery_used_mail_footer,
        },
        Letter::FactorAdded { passkey } => Parts {
            subject: m.factor_added_mail_subject,
            text: match passkey {
                None => Cow::Borrowed(m.factor_added_app_mail_text),
                Some(name) => Cow::Owned(m.factor_added_passkey_mail_text.replace("{name}", name)),
            },
            action: None,
            footer: m.factor_added_mail_footer,
        },
        Letter::SecondFactorsRemoved => Parts {
            subject: m.two_step_removed_mail_subject,
            text: Cow::Borrowed(m.two_step_removed_mail_text),
            action: None,
            footer: m.two_step_removed_mail_footer,
        },
        Letter::SecondFactorsReset => Parts {
            subject: m.two_step_reset_mail_subject,
            text: Cow::Borrowed(m.two_step_reset_mail_text),
            action: None,
            footer: m.two_step_reset_mail_footer,
        },
    }
}

impl LetterWriter for Letters {
    fn write(&self, locale: Option<&Locale>, letter: Letter<'_>) -> Written {
        let messages = &self.catalogues.language(locale).messages;
        let parts = parts(messages, letter);
        let text = TextLetter {
            text: &parts.text,
            link: parts.action.map(|(link, _)| link),
            footer: parts.footer,
            signature: messages.mail_signature,
        };
        let html = HtmlLetter {
            lang: messages.lang,
            product_name: &self.product_name,
            subject: parts.subject,
            text: &parts.text,
            action: parts.action,
            link_hint: messages.mail_link_hint,
            footer: parts.footer,
            signature: messages.mail_signature,
        };
        // Both templates only print strings: rendering can't fail short of running out of memory. Should it
        // anyway, the plain text still says everything.
        let text = text.render().unwrap_or_else(|e| {
            tracing::error!(error = %e, "the plain-text mail template failed to render");
            format!(
                "{}\n\n{}\n",
                parts.text,
                parts.action.map_or("", |(link, _)| link)
            )
        });
        let html = html.render().unwrap_or_else(|e| {
            tracing::error!(error = %e, "the HTML mail template failed to render");
            String::new()
        });
        Written {
            subject: parts.subject.to_owned(),
            text,
            html: (!html.is_empty()).then_some(html),
        }
    }

    fn locales(&self) -> Vec<Locale> {
        let languages = self.catalogues.languages();
        let default = &languages[self.catalogues.default_index()];
        std::iter::once(default)
            .chain(languages.iter().filter(|l| l.locale != default.locale))
            .map(|l| l.locale.clone())
            .collect()
    }
}
