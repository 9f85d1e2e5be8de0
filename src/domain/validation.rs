//! Shapes of identifiers operators choose, checked at the edge of the domain.

/// Identifiers operators choose (client ids, usernames): short, URL- and header-safe, unambiguous in logs.
pub fn is_plain_identifier(text: &str, max: usize) -> bool {
    !text.is_empty()
        && text.len() <= max
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'~'))
}
