//! The message catalogues (Project Fluent): the languages Latchkey ships, embedded in the binary, and the operator's
//! own files (`locales_dir`), which override any message or add a language. Everything is read, checked and worded
//! once at start: a syntax error, a missing message or an unknown variable stops the start with the file and line,
//! so nothing a request does can meet a broken catalogue. Every message comes out as a finished string, with the
//! values of the settings it states (`$product`, `$reset_ttl`…) filled in.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex};

use fluent_bundle::{FluentArgs, FluentBundle, FluentResource};
use fluent_syntax::ast;

use super::messages::Messages;
use crate::values::locale::Locale;

/// The languages Latchkey ships, complete (a test holds every one to English's keys).
pub const SHIPPED: &[(&str, &str)] = &[
    ("en", include_str!("../../locales/en/latchkey.ftl")),
    ("de", include_str!("../../locales/de/latchkey.ftl")),
    ("fr", include_str!("../../locales/fr/latchkey.ftl")),
    ("es", include_str!("../../locales/es/latchkey.ftl")),
];

/// The language every other one falls back to, message by message.
const FALLBACK: &str = "en";

/// Messages that are not fields of [`Messages`] but that catalogues define for the others to use.
const HELPERS: &[&str] = &["duration"];

/// What the texts state and where the operator's files are.
#[derive(Debug, Clone)]
pub struct CatalogueSettings {
    pub product_name: String,
    /// Seconds a password reset link works.
    pub reset_ttl: i64,
    /// Seconds an email confirmation link works.
    pub verification_ttl: i64,
    /// Seconds an invitation link works.
    pub invitation_ttl: i64,
    /// The language when neither the request nor the browser names one Latchkey speaks.
    pub default_locale: Locale,
    /// `<dir>/<language>/*.ftl`: overrides and added languages.
    pub locales_dir: Option<PathBuf>,
}

/// Why the catalogues can't be loaded.
#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    #[error("{file} line {line}: {message}")]
    Syntax {
        file: String,
        line: usize,
        message: String,
    },
    #[error("{file}: {message}")]
    Invalid { file: String, message: String },
    #[error("locales_dir {}: {source}", dir.display())]
    Read {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "default_locale {0}: no catalogue for this language (shipped: en, de, fr, es; or add it in locales_dir)"
    )]
    UnknownDefault(String),
}

/// One language: its tag and its worded messages.
#[derive(Debug)]
pub struct Language {
    pub locale: Locale,
    pub messages: Arc<Messages>,
}

/// Every language the service speaks, and the default.
#[derive(Debug)]
pub struct Catalogues {
    languages: Vec<Language>,
    default: usize,
}

/// A catalogue file: where it came from (for errors) and its text.
struct Source {
    name: String,
    text: String,
}

impl Catalogues {
    /// Loads the shipped catalogues and the operator's, checks them and words every message. Answers the
    /// catalogues and the warnings the start should log (messages an added language lacks, unknown keys).
    pub fn load(settings: &CatalogueSettings) -> Result<(Self, Vec<String>), CatalogueError> {
        let mut sources: BTreeMap<String, Vec<Source>> = SHIPPED
            .iter()
            .map(|(lang, text)| {
                let source = Source {
                    name: format!("locales/{lang}/latchkey.ftl (shipped)"),
                    text: (*text).to_owned(),
                };
                ((*lang).to_owned(), vec![source])
            })
            .collect();
        if let Some(dir) = &settings.locales_dir {
            for (lang, files) in read_overrides(dir)? {
                sources.entry(lang).or_default().extend(files);
            }
        }
        let mut warnings = Vec::new();
        let fallback = Bundle::build(FALLBACK, &sources[FALLBACK], &mut warnings)?;
        let mut languages = Vec::new();
        for (lang, files) in &sources {
            let bundle = Bundle::build(lang, files, &mut warnings)?;
            let messages = bundle.messages(&fallback, settings, &mut warnings)?;
            languages.push(Language {
                locale: bundle.locale.clone(),
                messages: Arc::new(messages),
            });
        }
        // English first: the order discovery lists them in.
        languages.sort_by_key(|l| (l.locale.as_str() != FALLBACK, l.locale.clone()));
        let default = languages
            .iter()
            .position(|l| l.locale == settings.default_locale)
            .or_else(|| {
                languages
                    .iter()
                    .position(|l| l.locale.as_str() == settings.default_locale.language())
            })
            .ok_or_else(|| CatalogueError::UnknownDefault(settings.default_locale.to_string()))?;
        Ok((Self { languages, default }, warnings))
    }

    /// The languages, English first.
    pub fn languages(&self) -> &[Language] {
        &self.languages
    }

    /// The index of the configured default language.
    pub fn default_index(&self) -> usize {
        self.default
    }

    /// The index of the language that answers `locale`: the same tag, else its language (`de` for `de-AT`).
    pub fn find(&self, locale: &Locale) -> Option<usize> {
        self.languages
            .iter()
            .position(|l| &l.locale == locale)
            .or_else(|| {
                self.languages
                    .iter()
                    .position(|l| l.locale.as_str() == locale.language())
            })
    }

    /// The language for a stored or requested `locale`, else the default.
    pub fn language(&self, locale: Option<&Locale>) -> &Language {
        let index = locale.and_then(|l| self.find(l)).unwrap_or(self.default);
        &self.languages[index]
    }
}

/// `<dir>/<language>/*.ftl`, each language's files in name order. Other entries are ignored.
fn read_overrides(dir: &Path) -> Result<BTreeMap<String, Vec<Source>>, CatalogueError> {
    let read = |e| CatalogueError::Read {
        dir: dir.to_owned(),
        source: e,
    };
    let mut found: BTreeMap<String, Vec<Source>> = BTreeMap::new();
    for entry in std::fs::read_dir(dir).map_err(read)? {
        let path = entry.map_err(read)?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if !path.is_dir() {
            continue;
        }
        let locale = Locale::parse(name).ok_or_else(|| CatalogueError::Invalid {
            file: path.display().to_string(),
            message: "a folder of locales_dir must be named by a language tag (de, pt-BR)"
                .to_owned(),
        })?;
        let mut files: Vec<PathBuf> = std::fs::read_dir(&path)
            .map_err(read)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "ftl"))
            .collect();
        files.sort();
        for file in files {
            let text = std::fs::read_to_string(&file).map_err(|e| CatalogueError::Invalid {
                file: file.display().to_string(),
                message: e.to_string(),
            })?;
            found.entry(locale.to_string()).or_default().push(Source {
                name: file.display().to_string(),
                text,
            });
        }
    }
    Ok(found)
}

/// One language's Fluent bundle, and which messages each file defined.
struct Bundle {
    locale: Locale,
    bundle: FluentBundle<FluentResource>,
    defined: BTreeSet<String>,
}

impl Bundle {
    /// Parses `files` in order, a later file overriding an earlier one's messages.
    fn build(
        lang: &str,
        files: &[Source],
        warnings: &mut Vec<String>,
    ) -> Result<Self, CatalogueError> {
        let locale = Locale::parse(lang).ok_or_else(|| CatalogueError::Invalid {
            file: lang.to_owned(),
            message: "not a language tag".to_owned(),
        })?;
        let id: unic_langid::LanguageIdentifier =
            locale
                .as_str()
                .parse()
                .map_err(|_| CatalogueError::Invalid {
                    file: lang.to_owned(),
                    message: "not a language tag".to_owned(),
                })?;
        let mut bundle = FluentBundle::new(vec![id]);
        // No Unicode isolation marks around the values put in: they would end up in mail text and page titles.
        bundle.set_use_isolating(false);
        let known: HashSet<String> = Messages::keys()
            .chain(HELPERS.iter().map(|k| (*k).to_owned()))
            .collect();
        let mut defined = BTreeSet::new();
        for file in files {
            let resource = FluentResource::try_new(file.text.clone()).map_err(|(_, errors)| {
                let first = &errors[0];
                CatalogueError::Syntax {
                    file: file.name.clone(),
                    line: line_of(&file.text, first.pos.start),
                    message: first.kind.to_string(),
                }
            })?;
            for entry in resource.entries() {
                if let ast::Entry::Message(message) = entry {
                    let key = message.id.name;
                    if !known.contains(key) {
                        warnings.push(format!(
                            "{}: `{key}` is not a message Latchkey shows (ignored)",
                            file.name
                        ));
                    }
                    defined.insert(key.to_owned());
                }
            }
            bundle.add_resource_overriding(resource);
        }
        Ok(Self {
            locale,
            bundle,
            defined,
        })
    }

    /// Every field worded in this language; a message this language lacks comes from `fallback` (English), with
    /// a warning.
    fn messages(
        &self,
        fallback: &Bundle,
        settings: &CatalogueSettings,
        warnings: &mut Vec<String>,
    ) -> Result<Messages, CatalogueError> {
        let missing: Vec<String> = Messages::keys()
            .filter(|key| !self.defined.contains(key))
            .collect();
        if !missing.is_empty() {
            warnings.push(format!(
                "language {}: {} message(s) missing, shown in English: {}",
                self.locale,
                missing.len(),
                missing.join(", ")
            ));
        }
        let args = self.context(settings, fallback)?;
        let mut failure = None;
        let messages = Messages::from_lookup(intern(self.locale.to_string()), |key| {
            let from = if self.defined.contains(key) {
                self
            } else {
                fallback
            };
            match from.format(key, Some(&args)) {
                Ok(text) => intern(text),
                Err(e) => {
                    failure.get_or_insert(e);
                    ""
                }
            }
        });
        match failure {
            Some(e) => Err(e),
            None => Ok(messages),
        }
    }

    /// The variables every message may use: the product name, the links' lifetimes (worded by `duration`), and the
    /// [`RUNTIME_VARIABLES`].
    fn context(
        &self,
        settings: &CatalogueSettings,
        fallback: &Bundle,
    ) -> Result<FluentArgs<'static>, CatalogueError> {
        let duration = |secs: i64| {
            let from = if self.defined.contains("duration") {
                self
            } else {
                fallback
            };
            let (count, unit) = Lifetime::of(secs).parts();
            let mut args = FluentArgs::new();
            args.set("count", count);
            args.set("unit", unit);
            from.format("duration", Some(&args))
        };
        let mut args = FluentArgs::new();
        args.set("product", settings.product_name.clone());
        args.set("reset_ttl", duration(settings.reset_ttl)?);
        args.set("verification_ttl", duration(settings.verification_ttl)?);
        args.set("invitation_ttl", duration(settings.invitation_ttl)?);
        // Values only a request knows stay placeholders the page or letter fills in (`{app}` → the application's
        // name): translators write them as Fluent variables, `{ $app }`, in whatever order their language needs.
        for runtime in RUNTIME_VARIABLES {
            args.set(*runtime, format!("{{{runtime}}}"));
        }
        Ok(args)
    }

    /// The message `key` worded with `args`; an error names the key and what is wrong (a missing message, an
    /// unknown variable or message reference).
    fn format(&self, key: &str, args: Option<&FluentArgs<'_>>) -> Result<String, CatalogueError> {
        let invalid = |message: String| CatalogueError::Invalid {
            file: format!("language {}", self.locale),
            message,
        };
        let message = self
            .bundle
            .get_message(key)
            .ok_or_else(|| invalid(format!("no message `{key}`")))?;
        let pattern = message
            .value()
            .ok_or_else(|| invalid(format!("message `{key}` has no value")))?;
        let mut errors = Vec::new();
        let text = self.bundle.format_pattern(pattern, args, &mut errors);
        if let Some(error) = errors.first() {
            return Err(invalid(format!("message `{key}`: {error}")));
        }
        Ok(text.into_owned())
    }
}

/// The 1-based line of byte `pos` in `text`.
/// Variables a page or letter fills in per request, with `str::replace` on the worded text: the application's
/// name, an email address, a wait, a number.
pub const RUNTIME_VARIABLES: &[&str] = &["app", "email", "wait", "n", "name"];

fn line_of(text: &str, pos: usize) -> usize {
    text.get(..pos.min(text.len()))
        .map_or(1, |before| before.matches('\n').count() + 1)
}

/// A link's lifetime in the largest unit that states it exactly (7 days, 2 hours, 90 minutes); less than a
/// minute is rounded up to one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifetime {
    Days(u64),
    Hours(u64),
    Minutes(u64),
}

impl Lifetime {
    pub fn of(secs: i64) -> Self {
        let secs = u64::try_from(secs).unwrap_or(0);
        match secs {
            s if s >= 86_400 && s % 86_400 == 0 => Self::Days(s / 86_400),
            s if s >= 3_600 && s % 3_600 == 0 => Self::Hours(s / 3_600),
            s => Self::Minutes(s.div_ceil(60).max(1)),
        }
    }

    /// The count and the unit, as the catalogues' `duration` selects on them.
    fn parts(self) -> (u64, &'static str) {
        match self {
            Self::Days(n) => (n, "day"),
            Self::Hours(n) => (n, "hour"),
            Self::Minutes(n) => (n, "minute"),
        }
    }
}

/// Catalogue strings live as long as the process, so that `Messages` can hand out `&'static str` (templates and
/// page errors borrow them freely). Each distinct string is kept once: starting the service again in the same
/// process (the tests do, hundreds of times) adds nothing.
fn intern(text: String) -> &'static str {
    static STRINGS: LazyLock<Mutex<HashSet<&'static str>>> = LazyLock::new(Mutex::default);
    let mut strings = STRINGS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(known) = strings.get(text.as_str()) {
        return known;
    }
    let leaked: &'static str = Box::leak(text.into_boxed_str());
    strings.insert(leaked);
    leaked
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(locales_dir: Option<PathBuf>) -> CatalogueSettings {
        CatalogueSettings {
            product_name: "Acme".to_owned(),
            reset_ttl: 3_600,
            verification_ttl: 86_400,
            invitation_ttl: 7 * 86_400,
            default_locale: Locale::parse("en").unwrap(),
            locales_dir,
        }
    }

    /// The messages a catalogue's text defines.
    fn keys_of(text: &str) -> BTreeSet<String> {
        let resource = FluentResource::try_new(text.to_owned())
            .unwrap_or_else(|(_, errors)| panic!("syntax errors: {errors:?}"));
        resource
            .entries()
            .filter_map(|entry| match entry {
                ast::Entry::Message(m) => Some(m.id.name.to_owned()),
                _ => None,
            })
            .collect()
    }

    fn message_count(text: &str) -> usize {
        FluentResource::try_new(text.to_owned()).map_or(0, |resource| {
            resource
                .entries()
                .filter(|entry| matches!(entry, ast::Entry::Message(_)))
                .count()
        })
    }

    #[test]
    fn every_shipped_language_has_exactly_the_messages_latchkey_shows() {
        let expected: BTreeSet<String> = Messages::keys()
            .chain(HELPERS.iter().map(|h| (*h).to_owned()))
            .collect();
        for (lang, text) in SHIPPED {
            let defined = keys_of(text);
            // A message defined twice loads as its last definition (overrides are meant for operators' files):
            // the first one is dead text a translator might edit in vain.
            assert_eq!(
                message_count(text),
                defined.len(),
                "locales/{lang}: a message is defined twice"
            );
            let missing: Vec<_> = expected.difference(&defined).collect();
            let unused: Vec<_> = defined.difference(&expected).collect();
            assert!(missing.is_empty(), "locales/{lang}: missing {missing:?}");
            assert!(
                unused.is_empty(),
                "locales/{lang}: no field uses {unused:?}"
            );
        }
    }

    #[test]
    fn the_shipped_catalogues_load_without_a_warning_and_fill_in_the_settings() {
        let (catalogues, warnings) = Catalogues::load(&settings(None)).unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        let german = catalogues.language(Locale::parse("de").as_ref());
        assert_eq!(german.messages.lang, "de");
        assert!(german.messages.reset_mail_subject.starts_with("Acme"));
        assert!(german.messages.forgot_sent_text.contains("1 Stunde lang"));
        assert!(german.messages.invitation_mail_text.contains("7 Tage lang"));
        let english = catalogues.language(None);
        assert!(english.messages.verify_mail_text.contains("within 1 day:"));
        assert!(
            !english.messages.forgot_sent_text.contains('\u{2068}'),
            "no isolation marks"
        );
    }

    #[test]
    fn a_missing_message_is_a_test_failure_and_an_added_language_falls_back_with_a_warning() {
        let en = SHIPPED[0].1;
        let without = en.replace("sign-in-button = Sign in\n", "");
        let missing: Vec<_> = Messages::keys()
            .filter(|k| !keys_of(&without).contains(k))
            .collect();
        assert_eq!(
            missing,
            ["sign-in-button"],
            "the key check sees a missing message"
        );

        let dir = std::env::temp_dir().join(format!("latchkey-locales-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(dir.join("pt-BR")).unwrap();
        std::fs::write(
            dir.join("pt-BR/a.ftl"),
            "sign-in-title = Entrar\nunknown-key = x\n",
        )
        .unwrap();
        let (catalogues, warnings) = Catalogues::load(&settings(Some(dir.clone()))).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        let pt = catalogues.language(Locale::parse("pt-BR").as_ref());
        assert_eq!(pt.messages.lang, "pt-BR");
        assert_eq!(pt.messages.sign_in_title, "Entrar");
        assert_eq!(
            pt.messages.sign_in_button, "Sign in",
            "English fills the gap"
        );
        assert!(
            warnings
                .iter()
                .any(|w| w.contains("pt-BR") && w.contains("sign-in-button")),
            "{warnings:?}"
        );
        assert!(
            warnings.iter().any(|w| w.contains("unknown-key")),
            "{warnings:?}"
        );
    }

    #[test]
    fn a_lifetime_is_worded_in_the_largest_exact_unit() {
        assert_eq!(Lifetime::of(60), Lifetime::Minutes(1));
        assert_eq!(Lifetime::of(30), Lifetime::Minutes(1));
        assert_eq!(Lifetime::of(90 * 60), Lifetime::Minutes(90));
        assert_eq!(Lifetime::of(2 * 3_600), Lifetime::Hours(2));
        assert_eq!(Lifetime::of(86_400), Lifetime::Days(1));
        assert_eq!(Lifetime::of(7 * 86_400), Lifetime::Days(7));
        assert_eq!(Lifetime::of(36 * 3_600), Lifetime::Hours(36));
    }

    #[test]
    fn plurals_follow_each_language() {
        let mut config = settings(None);
        for (secs, en, fr) in [
            (60, "1 minute", "1 minute"),
            (120, "2 minutes", "2 minutes"),
            (7 * 86_400, "7 days", "7 jours"),
        ] {
            config.reset_ttl = secs;
            let (catalogues, _) = Catalogues::load(&config).unwrap();
            let english = catalogues.language(None).messages.forgot_sent_text;
            assert!(english.contains(&format!("for {en}.")), "{english}");
            let french = catalogues
                .language(Locale::parse("fr").as_ref())
                .messages
                .forgot_sent_text;
            assert!(french.contains(fr), "{french}");
        }
    }
}
