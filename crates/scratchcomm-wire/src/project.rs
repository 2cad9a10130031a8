use crate::WireError;
use std::fmt;

/// A validated project id. Scratch ids are decimal numbers; TurboWarp and other servers
/// accept any short text id.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProjectId(String);

const MAX_ID_CHARS: usize = 100;

impl ProjectId {
    /// Any non-empty id of at most 100 characters without whitespace or control characters.
    ///
    /// # Errors
    /// A [`WireError`] of kind [`WireErrorKind::InvalidProjectId`](crate::WireErrorKind::InvalidProjectId) naming what is wrong with the id.
    pub fn new(id: impl Into<String>) -> Result<Self, WireError> {
        let id = id.into();
        let reason = if id.is_empty() {
            Some("the id is empty")
        } else if id.chars().count() > MAX_ID_CHARS {
            Some("the id is longer than 100 characters")
        } else if id.chars().any(|c| c.is_whitespace() || c.is_control()) {
            Some("the id contains whitespace or a control character")
        } else {
            None
        };
        match reason {
            Some(reason) => Err(WireError::project_id(&id, reason)),
            None => Ok(ProjectId(id)),
        }
    }

    /// A Scratch project id: decimal digits only.
    ///
    /// # Errors
    /// A [`WireError`] of kind [`WireErrorKind::InvalidProjectId`](crate::WireErrorKind::InvalidProjectId) for an id that is not all decimal digits (or breaks
    /// [`Self::new`]'s rules).
    pub fn scratch(id: impl Into<String>) -> Result<Self, WireError> {
        let id = Self::new(id)?;
        if id.is_numeric() {
            Ok(id)
        } else {
            Err(WireError::project_id(
                &id.0,
                "a Scratch project id is a decimal number",
            ))
        }
    }

    /// The id's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the id is decimal digits only (a Scratch id).
    pub fn is_numeric(&self) -> bool {
        self.0.bytes().all(|b| b.is_ascii_digit())
    }

    /// The JSON form used in frames: a number when `as_number` and the id fits in a u64
    /// (what the reference sends to Scratch), else a string (TurboWarp).
    pub fn to_json(&self, as_number: bool) -> serde_json::Value {
        match self.0.parse::<u64>() {
            Ok(n) if as_number && self.is_numeric() => serde_json::Value::from(n),
            _ => serde_json::Value::from(self.0.clone()),
        }
    }
}

impl fmt::Debug for ProjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ProjectId({:?})", self.0)
    }
}

impl fmt::Display for ProjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for ProjectId {
    type Err = WireError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates() {
        assert!(ProjectId::new("123").is_ok());
        assert!(ProjectId::new("my-project").is_ok());
        assert!(ProjectId::new("").is_err());
        assert!(ProjectId::new("a b").is_err());
        assert!(ProjectId::scratch("12a").is_err());
        assert_eq!(
            ProjectId::scratch("42").unwrap().to_json(true),
            serde_json::json!(42)
        );
        assert_eq!(
            ProjectId::new("42").unwrap().to_json(false),
            serde_json::json!("42")
        );
    }
}
