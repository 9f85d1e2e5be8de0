//! The feed's wire format: `GET {feed}?after=CURSOR` answers `{"cursor": i64, "more": bool, "sub_key": base64url,
//! "revocations": [{"seq", "kind", "value", "revoked_at_ms", "expires_at"}]}`; `kind` is `jti`, `sid` or
//! `sub_hmac` (`value` = base64url `HMAC-SHA256(sub_key, sub)`). An issuer from before that format sends `sub`
//! entries (the raw `sub`) and `revoked_at` in whole seconds, read as the last millisecond of that second.

use reqwest::Url;
use serde::Deserialize;

use super::revoked::{Entry, Kind, SubKey};

/// One page, checked.
#[derive(Debug)]
pub(crate) struct Page {
    /// Where the next request starts.
    pub(crate) cursor: i64,
    /// More entries wait after `cursor`: ask again at once.
    pub(crate) more: bool,
    pub(crate) entries: Vec<Entry>,
    /// Entries of a kind this version does not know, skipped.
    pub(crate) unknown: usize,
}

#[derive(Deserialize)]
struct WirePage {
    cursor: i64,
    more: bool,
    /// Required as soon as the page lists a `sub_hmac` entry.
    sub_key: Option<String>,
    revocations: Vec<WireEntry>,
}

#[derive(Deserialize)]
struct WireEntry {
    kind: String,
    value: String,
    /// One of the two is required.
    revoked_at_ms: Option<i64>,
    revoked_at: Option<i64>,
    expires_at: i64,
}

/// The feed of `issuer`: `{issuer}/revocations` (Latchkey's discovery does not list it).
pub(crate) fn default_url(issuer: &str) -> Option<Url> {
    let url = Url::parse(&format!("{}/revocations", issuer.trim_end_matches('/'))).ok()?;
    let usable = matches!(url.scheme(), "https" | "http")
        && url.query().is_none()
        && url.fragment().is_none();
    usable.then_some(url)
}

/// The request for the page after `cursor`.
pub(crate) fn url(feed: &Url, cursor: i64) -> Url {
    let mut url = feed.clone();
    url.query_pairs_mut()
        .append_pair("after", &cursor.to_string());
    url
}

/// Parses the page answered to `after`. A cursor that moves back, or that stands still while saying `more`, is a
/// broken response: following it would lose entries or loop.
pub(crate) fn parse(body: &[u8], after: i64) -> Result<Page, String> {
    let page: WirePage = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    if page.cursor < after {
        return Err(format!(
            "the cursor went back from {after} to {}",
            page.cursor
        ));
    }
    if page.more && page.cursor == after {
        return Err("more entries announced but the cursor did not move".to_owned());
    }
    let sub_key = page.sub_key.as_deref().map(SubKey::parse);
    let mut unknown = 0;
    let mut entries = Vec::with_capacity(page.revocations.len());
    for entry in page.revocations {
        let kind = match entry.kind.as_str() {
            "jti" => Kind::Jti,
            "sid" => Kind::Sid,
            "sub" => Kind::Sub,
            // A user entry that can't be matched must not be skipped: the page is refused (fail closed).
            "sub_hmac" => match &sub_key {
                Some(Some(key)) => Kind::SubHmac(key.clone()),
                Some(None) => {
                    return Err("the sub_key is not a base64url key of 16 bytes or more".to_owned());
                }
                None => return Err("sub_hmac entries without a sub_key".to_owned()),
            },
            _ => {
                unknown += 1;
                continue;
            }
        };
        let revoked_at_ms = match (entry.revoked_at_ms, entry.revoked_at) {
            (Some(ms), _) => ms,
            (None, Some(seconds)) => seconds.saturating_mul(1000).saturating_add(999),
            (None, None) => return Err("an entry without revoked_at_ms".to_owned()),
        };
        entries.push(Entry {
            kind,
            value: entry.value,
            revoked_at_ms,
            expires_at: entry.expires_at,
        });
    }
    Ok(Page {
        cursor: page.cursor,
        more: page.more,
        entries,
        unknown,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_feed_is_under_the_issuer() {
        let url = |issuer| default_url(issuer).map(String::from);
        assert_eq!(
            url("https://idp.example").as_deref(),
            Some("https://idp.example/revocations")
        );
        assert_eq!(
            url("https://idp.example/tenant/").as_deref(),
            Some("https://idp.example/tenant/revocations")
        );
        assert_eq!(url("ftp://idp.example"), None);
        assert_eq!(url("idp"), None);
    }

    #[test]
    fn each_request_names_its_cursor() {
        let feed = default_url("http://127.0.0.1:8080").unwrap();
        assert_eq!(
            url(&feed, 42).as_str(),
            "http://127.0.0.1:8080/revocations?after=42"
        );
    }

    const KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";

    #[test]
    fn a_page_is_read_and_unknown_kinds_are_skipped() {
        let body = format!(
            r#"{{"cursor": 7, "more": true, "sub_key": "{KEY}", "revocations": [
            {{"seq": 5, "kind": "jti", "value": "j1", "revoked_at_ms": 100250, "expires_at": 200}},
            {{"seq": 6, "kind": "device", "value": "d1", "revoked_at_ms": 100000, "expires_at": 200}},
            {{"seq": 7, "kind": "sub_hmac", "value": "h1", "revoked_at_ms": 150001, "expires_at": 250}}
        ]}}"#
        );
        let page = parse(body.as_bytes(), 4).unwrap();
        assert_eq!((page.cursor, page.more, page.unknown), (7, true, 1));
        assert_eq!(
            page.entries,
            [
                Entry {
                    kind: Kind::Jti,
                    value: "j1".into(),
                    revoked_at_ms: 100_250,
                    expires_at: 200
                },
                Entry {
                    kind: Kind::SubHmac(SubKey::parse(KEY).unwrap()),
                    value: "h1".into(),
                    revoked_at_ms: 150_001,
                    expires_at: 250
                },
            ]
        );
    }

    #[test]
    fn a_page_of_an_older_issuer_is_read_with_whole_second_times_covering_their_second() {
        let body = br#"{"cursor": 7, "more": false, "revocations": [
            {"seq": 7, "kind": "sub", "value": "u1", "revoked_at": 150, "expires_at": 250}
        ]}"#;
        let page = parse(body, 4).unwrap();
        assert_eq!(
            page.entries,
            [Entry {
                kind: Kind::Sub,
                value: "u1".into(),
                revoked_at_ms: 150_999,
                expires_at: 250
            }]
        );
    }

    #[test]
    fn a_user_entry_that_cannot_be_matched_makes_the_page_unreadable() {
        let page = |sub_key: &str| {
            format!(
                r#"{{"cursor": 7, "more": false, {sub_key} "revocations": [
                {{"seq": 7, "kind": "sub_hmac", "value": "h1", "revoked_at_ms": 150001, "expires_at": 250}}
            ]}}"#
            )
        };
        assert!(parse(page(&format!(r#""sub_key": "{KEY}","#)).as_bytes(), 4).is_ok());
        assert!(parse(page("").as_bytes(), 4).is_err(), "no key");
        assert!(
            parse(page(r#""sub_key": "c2hvcnQ","#).as_bytes(), 4).is_err(),
            "short key"
        );
        assert!(parse(page(r#""sub_key": "not base64!","#).as_bytes(), 4).is_err());
        let no_time = br#"{"cursor": 7, "more": false, "revocations": [
            {"seq": 7, "kind": "jti", "value": "j1", "expires_at": 250}]}"#;
        assert!(parse(no_time, 4).is_err(), "no revocation time");
    }

    #[test]
    fn a_cursor_that_goes_back_or_stalls_with_more_is_refused() {
        let empty = |cursor: i64, more: bool| {
            format!(r#"{{"cursor": {cursor}, "more": {more}, "revocations": []}}"#)
        };
        assert!(parse(empty(3, false).as_bytes(), 4).is_err());
        assert!(parse(empty(4, true).as_bytes(), 4).is_err());
        assert!(parse(empty(4, false).as_bytes(), 4).is_ok());
        assert!(parse(b"<html>", 0).is_err());
        assert!(parse(br#"{"cursor": 1, "more": false}"#, 0).is_err());
    }
}
