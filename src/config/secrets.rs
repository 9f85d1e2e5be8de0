//! Secrets read from files: `LATCHKEY_<NAME>_FILE` names a file whose content is the value of `<name>`, so that
//! secrets mounted as files (Docker and Kubernetes secrets) never pass through the environment, where `ps e` and
//! crash reports show them. Surrounding whitespace is trimmed: the newline an editor or `echo` leaves is not part of
//! the secret.
//!
//! A secret read from a file wins over `LATCHKEY_<NAME>`, and both over the TOML file.

use std::ffi::OsString;
use std::path::PathBuf;

use figment::value::{Dict, Map};
use figment::{Metadata, Profile, Provider};

use super::error::ConfigError;
use crate::values::secret::SecretString;

/// Settings that hold secrets and may be read from a file named by `LATCHKEY_<NAME>_FILE`. (`master_key_file` is a
/// setting of its own: the file is created on first start of an embedded database.)
pub(super) const FILE_SECRETS: &[&str] = &[
    "database_url",
    "redis_url",
    "master_key_previous",
    "smtp_url",
];

/// Whether `key` (a variable's name without the prefix, any case) names the file of a secret rather than a setting.
pub(super) fn is_file_variable(key: &str) -> bool {
    key.to_ascii_lowercase()
        .strip_suffix("_file")
        .is_some_and(|name| FILE_SECRETS.contains(&name))
}

/// Reads the secret of every `<prefix><NAME>_FILE` variable that is set; `var` looks a variable up (the process
/// environment, or a test's). An unreadable file is an error naming the variable and the path, never the content.
pub(super) fn from_files(
    prefix: &str,
    var: impl Fn(&str) -> Option<OsString>,
) -> Result<Vec<FileSecret>, ConfigError> {
    let mut secrets = Vec::new();
    for name in FILE_SECRETS {
        let variable = format!("{prefix}{}_FILE", name.to_ascii_uppercase());
        let Some(path) = var(&variable).map(PathBuf::from) else {
            continue;
        };
        let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::File {
            path: format!("{} (from {variable})", path.display()),
            source,
        })?;
        secrets.push(FileSecret {
            variable,
            name,
            value: SecretString::from(text.trim()),
        });
    }
    Ok(secrets)
}

/// One setting read from the file a `LATCHKEY_<NAME>_FILE` variable names: a figment provider whose errors name
/// the variable.
pub(super) struct FileSecret {
    variable: String,
    name: &'static str,
    value: SecretString,
}

impl Provider for FileSecret {
    fn metadata(&self) -> Metadata {
        Metadata::named(format!("the file named by {}", self.variable))
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        (self.name, self.value.expose()).data()
    }
}

#[cfg(test)]
mod tests {
    #![expect(
        clippy::result_large_err,
        reason = "figment's Jail runs closures that return its large figment::Error"
    )]

    use std::collections::HashMap;

    use figment::Jail;

    use super::*;

    /// [`from_files`] with `variables` as the whole environment.
    fn read(variables: &[(&str, &str)]) -> Result<Vec<FileSecret>, ConfigError> {
        let variables: HashMap<_, _> = variables.iter().copied().collect();
        from_files("LATCHKEY_", |name| variables.get(name).map(OsString::from))
    }

    #[test]
    fn only_secrets_are_read_from_files() {
        assert!(is_file_variable("DATABASE_URL_FILE"));
        assert!(is_file_variable("smtp_url_file"));
        // `LATCHKEY_MASTER_KEY_FILE` is the `master_key_file` setting: the path of a key file made on first start.
        assert!(!is_file_variable("MASTER_KEY_FILE"));
        assert!(!is_file_variable("BIND_FILE"));
        assert!(!is_file_variable("DATABASE_URL"));
        assert!(read(&[("LATCHKEY_BIND_FILE", "bind")]).unwrap().is_empty());
    }

    #[test]
    fn a_secret_is_the_file_content_without_surrounding_whitespace() {
        Jail::expect_with(|jail| {
            jail.create_file("redis", "redis://:hunter2@cache:6379\n")?;
            let secrets = read(&[("LATCHKEY_REDIS_URL_FILE", "redis")]).unwrap();
            let [secret] = &secrets[..] else {
                panic!("one secret, not {}", secrets.len())
            };
            assert_eq!(secret.name, "redis_url");
            assert_eq!(secret.variable, "LATCHKEY_REDIS_URL_FILE");
            assert_eq!(secret.value.expose(), "redis://:hunter2@cache:6379");
            Ok(())
        });
    }

    #[test]
    fn an_unreadable_secret_file_is_an_error_naming_the_variable_and_the_path_never_the_content() {
        Jail::expect_with(|jail| {
            jail.create_binary("not-text", b"postgres://u:hunter2@db/x\xff\n")?;
            jail.create_dir("a-folder")?;
            for path in ["missing", "not-text", "a-folder"] {
                let error = read(&[("LATCHKEY_DATABASE_URL_FILE", path)])
                    .err()
                    .unwrap_or_else(|| panic!("{path} can't be read"))
                    .to_string();
                assert!(
                    error.contains("LATCHKEY_DATABASE_URL_FILE") && error.contains(path),
                    "{error}"
                );
                assert!(!error.contains("hunter2"), "{error}");
            }
            Ok(())
        });
    }
}
