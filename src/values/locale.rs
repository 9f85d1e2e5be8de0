//! A language the pages and mails speak, as a BCP 47 tag (`en`, `de`, `pt-BR`).

use std::fmt;

/// A well-formed language tag in canonical case. Whether the server has texts for it is the catalogues' business:
/// a stored tag whose language an operator later removed falls back to the default.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Locale(String);

impl Locale {
    /// Parses and canonicalises `tag` (`DE-at` → `de-AT`); `None` for anything that is not a language tag.
    pub fn parse(tag: &str) -> Option<Self> {
        // Longer than any tag a browser or client sends: refuse before parsing.
        if tag.is_empty() || tag.len() > 35 {
            return None;
        }
        let id: unic_langid::LanguageIdentifier = tag.parse().ok()?;
        if id.language.is_empty() {
            return None;
        }
        Some(Self(id.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The language alone (`de` of `de-AT`), which answers for its regions.
    pub fn language(&self) -> &str {
        self.0.split('-').next().unwrap_or(&self.0)
    }
}

impl fmt::Display for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_canonicalised_and_junk_refused() {
        assert_eq!(Locale::parse("DE-at").unwrap().as_str(), "de-AT");
        assert_eq!(Locale::parse("fr").unwrap().language(), "fr");
        assert!(Locale::parse("").is_none());
        assert!(Locale::parse("*").is_none());
        assert!(Locale::parse("not a tag").is_none());
        assert!(Locale::parse(&"a".repeat(40)).is_none());
    }
}
