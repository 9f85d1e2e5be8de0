//! Why a configuration can't be loaded.

/// A configuration that can't be used: a value or file at fault, named in the message (never a secret's value).
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration: {0}")]
    Invalid(String),
    #[error("configuration file {path}: {source}")]
    File {
        path: String,
        #[source]
        source: std::io::Error,
    },
}
