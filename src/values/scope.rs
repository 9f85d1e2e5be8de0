//! OAuth scopes (RFC 6749 §3.3): space-delimited, case-sensitive tokens of `%x21 / %x23-5B / %x5D-7E`.

use std::collections::BTreeSet;
use std::fmt;

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("scope tokens are printable ASCII without spaces, quotes or backslashes")]
pub struct InvalidScope;

/// A set of scope tokens, kept sorted so the same set always prints the same way. Stored as its text in `TEXT`
/// columns and parsed once when a row is read: domain code never re-parses a stored scope.
#[derive(Clone, Debug, Default, PartialEq, Eq, AsExpression, FromSqlRow)]
#[diesel(sql_type = Text)]
pub struct Scope(BTreeSet<String>);

impl<DB: Backend> FromSql<Text, DB> for Scope
where
    String: FromSql<Text, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        let text = String::from_sql(bytes)?;
        Self::parse(&text).map_err(|_| format!("stored scope {text:?} is malformed").into())
    }
}

impl ToSql<Text, diesel::sqlite::Sqlite> for Scope {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, diesel::sqlite::Sqlite>) -> serialize::Result {
        out.set_value(self.to_string());
        Ok(serialize::IsNull::No)
    }
}

impl ToSql<Text, diesel::pg::Pg> for Scope {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, diesel::pg::Pg>) -> serialize::Result {
        std::io::Write::write_all(out, self.to_string().as_bytes())?;
        Ok(serialize::IsNull::No)
    }
}

impl Scope {
    /// Parses a `scope` parameter or a stored scope string. Runs of spaces are tolerated; an empty string is the
    /// empty set.
    pub fn parse(text: &str) -> Result<Self, InvalidScope> {
        text.split(' ')
            .filter(|t| !t.is_empty())
            .map(|t| {
                if is_scope_token(t) {
                    Ok(t.to_owned())
                } else {
                    Err(InvalidScope)
                }
            })
            .collect::<Result<BTreeSet<_>, _>>()
            .map(Self)
    }

    pub fn from_tokens<I: IntoIterator<Item = S>, S: AsRef<str>>(
        tokens: I,
    ) -> Result<Self, InvalidScope> {
        tokens
            .into_iter()
            .map(|t| {
                if is_scope_token(t.as_ref()) {
                    Ok(t.as_ref().to_owned())
                } else {
                    Err(InvalidScope)
                }
            })
            .collect::<Result<BTreeSet<_>, _>>()
            .map(Self)
    }

    pub fn is_subset_of(&self, other: &Scope) -> bool {
        self.0.is_subset(&other.0)
    }

    pub fn contains(&self, token: &str) -> bool {
        self.0.contains(token)
    }

    /// The tokens in both sets.
    #[must_use]
    pub fn intersection(&self, other: &Scope) -> Scope {
        Self(self.0.intersection(&other.0).cloned().collect())
    }

    /// The union of two sets.
    #[must_use]
    pub fn union(&self, other: &Scope) -> Scope {
        Self(self.0.union(&other.0).cloned().collect())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for token in &self.0 {
            if !first {
                f.write_str(" ")?;
            }
            f.write_str(token)?;
            first = false;
        }
        Ok(())
    }
}

fn is_scope_token(token: &str) -> bool {
    !token.is_empty()
        && token
            .bytes()
            .all(|b| b == 0x21 || (0x23..=0x5B).contains(&b) || (0x5D..=0x7E).contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6749_3_3_scope_tokens_are_space_delimited_and_printable() {
        let s = Scope::parse("write  read").unwrap();
        assert_eq!(s.to_string(), "read write");
        assert_eq!(Scope::parse("read\"x"), Err(InvalidScope));
        assert_eq!(Scope::parse("caf\u{e9}"), Err(InvalidScope));
        assert_eq!(Scope::parse("a\\b"), Err(InvalidScope));
        assert!(Scope::parse("").unwrap().is_empty());
    }

    #[test]
    fn subsets_are_by_token() {
        let all = Scope::parse("read write").unwrap();
        assert!(Scope::parse("read").unwrap().is_subset_of(&all));
        assert!(!Scope::parse("read admin").unwrap().is_subset_of(&all));
    }
}
