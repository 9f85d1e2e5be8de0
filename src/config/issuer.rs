//! The issuer URL, the one way `iss` and the metadata URLs are written.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The issuer URL (RFC 8414 §2: http(s), no query or fragment), checked when the configuration is read and kept
/// without a trailing slash, so `iss` and the metadata URLs built from it are written one way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssuerUrl(String);

impl IssuerUrl {
    pub fn parse(text: &str) -> Result<Self, String> {
        match url::Url::parse(text) {
            Ok(url)
                if matches!(url.scheme(), "http" | "https")
                    && url.has_host()
                    && url.query().is_none()
                    && url.fragment().is_none() =>
            {
                Ok(Self(text.trim_end_matches('/').to_owned()))
            }
            _ => Err(format!(
                "issuer must be an http(s) URL without query or fragment, not {text:?}"
            )),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&str> for IssuerUrl {
    /// For tests and literals; panics on an invalid URL.
    fn from(text: &str) -> Self {
        Self::parse(text).unwrap_or_else(|e| panic!("{e}"))
    }
}

impl Serialize for IssuerUrl {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for IssuerUrl {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(text.trim()).map_err(serde::de::Error::custom)
    }
}
