//! Identifiers as types: a user id can't be passed where a client id or a key id is expected. Each is stored as
//! `TEXT` and is whatever text the column holds (ids are validated where they are made: UUIDv7 for users, a plain
//! identifier for clients, a generated name for keys), so reading one never fails.

use std::fmt;

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Clone,
            Debug,
            PartialEq,
            Eq,
            Hash,
            PartialOrd,
            Ord,
            AsExpression,
            FromSqlRow,
            serde::Serialize,
            serde::Deserialize,
        )]
        #[diesel(sql_type = Text)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                Self(id.to_owned())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                &self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl<DB: Backend> FromSql<Text, DB> for $name
        where
            String: FromSql<Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                String::from_sql(bytes).map(Self)
            }
        }

        impl<DB: Backend> ToSql<Text, DB> for $name
        where
            str: ToSql<Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                self.0.as_str().to_sql(out)
            }
        }
    };
}

id_type!(
    /// A user's id (UUIDv7, assigned by Latchkey): `sub` of their tokens.
    UserId
);

id_type!(
    /// A client's `client_id` (RFC 6749 §2.2), chosen by the operator.
    ClientId
);

id_type!(
    /// A signing key's `kid` (RFC 7517 §4.5).
    Kid
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_prints_and_serialises_as_its_text() {
        let id = UserId::new("0193-abc");
        assert_eq!(id.to_string(), "0193-abc");
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"0193-abc\"");
        assert_eq!(id, "0193-abc");
        let back: ClientId = serde_json::from_str("\"web\"").unwrap();
        assert_eq!(back.as_str(), "web");
    }
}
