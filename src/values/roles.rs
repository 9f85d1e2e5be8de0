//! A user's roles (the `roles` claim of their access tokens): stored as a JSON array in a `TEXT` column and parsed
//! once when a row is read, so no caller handles the JSON.

use std::fmt;

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;

#[derive(Clone, Debug, Default, PartialEq, Eq, AsExpression, FromSqlRow)]
#[diesel(sql_type = Text)]
pub struct Roles(Vec<String>);

impl Roles {
    pub fn new(roles: Vec<String>) -> Self {
        Self(roles)
    }

    pub fn as_slice(&self) -> &[String] {
        &self.0
    }

    pub fn into_vec(self) -> Vec<String> {
        self.0
    }

    /// The column's text: a JSON array of strings.
    fn to_json(&self) -> String {
        serde_json::Value::from(self.0.clone()).to_string()
    }
}

impl fmt::Display for Roles {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_json())
    }
}

impl<DB: Backend> FromSql<Text, DB> for Roles
where
    String: FromSql<Text, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        let text = String::from_sql(bytes)?;
        serde_json::from_str(&text)
            .map(Self)
            .map_err(|_| format!("stored roles {text:?} are not a JSON array of strings").into())
    }
}

impl ToSql<Text, diesel::sqlite::Sqlite> for Roles {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, diesel::sqlite::Sqlite>) -> serialize::Result {
        out.set_value(self.to_json());
        Ok(serialize::IsNull::No)
    }
}

impl ToSql<Text, diesel::pg::Pg> for Roles {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, diesel::pg::Pg>) -> serialize::Result {
        std::io::Write::write_all(out, self.to_json().as_bytes())?;
        Ok(serialize::IsNull::No)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_stored_as_a_json_array() {
        let roles = Roles::new(vec!["reader".into(), "billing:admin".into()]);
        assert_eq!(roles.to_string(), r#"["reader","billing:admin"]"#);
        assert_eq!(Roles::default().to_string(), "[]");
    }
}
