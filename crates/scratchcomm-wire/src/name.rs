use crate::WireError;
use std::fmt;

/// The cloud symbol and space every cloud variable name starts with on the wire.
pub const CLOUD_PREFIX: &str = "☁ ";

/// Longest variable name accepted (characters, prefix included).
const MAX_NAME_CHARS: usize = 1024;

/// A validated cloud variable name, stored as the full wire name (`☁ score`).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VarName(String);

impl VarName {
    /// The reference rule (§1.4): drop one existing `☁ ` prefix, then add it,
    /// so `score` and `☁ score` both address `☁ score`.
    ///
    /// # Errors
    /// A [`WireError`] of kind [`WireErrorKind::InvalidName`](crate::WireErrorKind::InvalidName) for an empty name (also `☁ ` alone), one longer than 1024
    /// characters, or one with a control character.
    pub fn new(name: &str) -> Result<Self, WireError> {
        let short = name.strip_prefix(CLOUD_PREFIX).unwrap_or(name);
        if short.is_empty() {
            return Err(invalid(name, "the name is empty"));
        }
        Self::literal(&format!("{CLOUD_PREFIX}{short}"))
    }

    /// The name exactly as given, without adding the prefix ("literal name" option).
    ///
    /// # Errors
    /// A [`WireError`] of kind [`WireErrorKind::InvalidName`](crate::WireErrorKind::InvalidName) for an empty name, one longer than 1024 characters, or one
    /// with a control character.
    pub fn literal(full: &str) -> Result<Self, WireError> {
        if full.is_empty() {
            return Err(invalid(full, "the name is empty"));
        }
        if full.chars().count() > MAX_NAME_CHARS {
            return Err(invalid(full, "the name is longer than 1024 characters"));
        }
        if full.chars().any(|c| c.is_control()) {
            return Err(invalid(full, "the name contains a control character"));
        }
        Ok(VarName(full.to_owned()))
    }

    /// The full wire name, prefix included.
    pub fn full(&self) -> &str {
        &self.0
    }

    /// The name with one leading `☁ ` removed (what events report as `name`).
    pub fn short(&self) -> &str {
        strip_prefix(&self.0)
    }
}

/// The name with one leading `☁ ` removed, for names that were never validated.
pub fn strip_prefix(full: &str) -> &str {
    full.strip_prefix(CLOUD_PREFIX).unwrap_or(full)
}

fn invalid(name: &str, reason: &'static str) -> WireError {
    WireError::name(name, reason)
}

impl fmt::Debug for VarName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VarName({:?})", self.0)
    }
}

impl fmt::Display for VarName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_added_once() {
        assert_eq!(VarName::new("score").unwrap().full(), "☁ score");
        assert_eq!(VarName::new("☁ score").unwrap().full(), "☁ score");
        assert_eq!(VarName::new("☁ ☁ x").unwrap().full(), "☁ ☁ x");
        assert_eq!(VarName::new("score").unwrap().short(), "score");
    }

    #[test]
    fn literal_keeps_name() {
        assert_eq!(VarName::literal("odd name").unwrap().full(), "odd name");
    }

    #[test]
    fn rejects_bad_names() {
        assert!(VarName::new("").is_err());
        assert!(VarName::new("☁ ").is_err());
        assert!(VarName::new("a\nb").is_err());
        assert!(VarName::new(&"x".repeat(2000)).is_err());
    }
}
