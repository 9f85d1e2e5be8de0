//! Entity tags and `If-Match` (RFC 9110 §8.8.3, §13.1.1) for the resources operators update: users and clients.
//!
//! A tag is derived from the row's identity and its `version`, which every change to what the admin API shows of
//! the row bumps; a conditional update compares the version in the `UPDATE` itself, so of two updates sent with
//! the same tag exactly one succeeds.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::digest::{SHA256, digest};

/// The strong entity tag (quoted) of version `version` of the resource `kind`/`id` created at `created_at`. The
/// creation time is in it so that a client deleted and created again never matches a tag of the old one.
pub fn entity_tag(kind: &str, id: &str, created_at: i64, version: i64) -> String {
    let hash = digest(
        &SHA256,
        format!("{kind}\0{id}\0{created_at}\0{version}").as_bytes(),
    );
    format!("\"{}\"", URL_SAFE_NO_PAD.encode(&hash.as_ref()[..12]))
}

/// A parsed `If-Match` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IfMatch {
    /// `*`: the resource must exist.
    Any,
    /// The tags as sent, quotes included; weak ones (`W/"…"`) are kept but never match (strong comparison).
    Tags(Vec<String>),
}

impl IfMatch {
    /// Parses `*` or a comma-separated list of entity tags; `None` when malformed.
    pub fn parse(value: &str) -> Option<Self> {
        let value = value.trim();
        if value == "*" {
            return Some(Self::Any);
        }
        let tags: Vec<String> = value
            .split(',')
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
            .collect();
        let well_formed = |t: &String| {
            let opaque = t.strip_prefix("W/").unwrap_or(t);
            opaque.len() >= 2
                && opaque.starts_with('"')
                && opaque.ends_with('"')
                && !opaque[1..opaque.len() - 1].contains('"')
        };
        (!tags.is_empty() && tags.iter().all(well_formed)).then_some(Self::Tags(tags))
    }

    /// Whether the current tag satisfies the condition (strong comparison, RFC 9110 §8.8.3.2).
    pub fn matches(&self, current: &str) -> bool {
        match self {
            Self::Any => true,
            Self::Tags(tags) => tags.iter().any(|t| t == current),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_change_with_the_version_and_the_incarnation() {
        let tag = entity_tag("client", "web", 100, 3);
        assert!(tag.starts_with('"') && tag.ends_with('"'));
        assert_ne!(tag, entity_tag("client", "web", 100, 4));
        assert_ne!(tag, entity_tag("client", "web", 101, 3));
        assert_ne!(tag, entity_tag("user", "web", 100, 3));
    }

    #[test]
    fn if_match_uses_strong_comparison_rfc_9110_13_1_1() {
        let tag = entity_tag("user", "u1", 1, 0);
        assert!(IfMatch::parse(&tag).unwrap().matches(&tag));
        assert!(IfMatch::parse("*").unwrap().matches(&tag));
        assert!(
            IfMatch::parse(&format!("\"x\", {tag}"))
                .unwrap()
                .matches(&tag)
        );
        assert!(!IfMatch::parse(&format!("W/{tag}")).unwrap().matches(&tag));
        for bad in ["", "abc", "\"a", "\"a\"b\"", ","] {
            assert_eq!(IfMatch::parse(bad), None, "{bad:?}");
        }
    }
}
