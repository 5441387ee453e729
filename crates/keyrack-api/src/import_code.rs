//! Why an import line was skipped or refused: the `code` of its result, one string on the
//! wire, typed on both sides so the console words every line from the code, never from the
//! server's English.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::{ErrorCode, KeyRefusal};

/// Why a line was skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SkipReason {
    /// Nothing but whitespace.
    Blank,
    /// A `#` comment.
    Comment,
    /// Not among the lines chosen.
    NotSelected,
    /// Not chosen, and not taken by default: it has options, which Keyrack would drop.
    HasOptions,
}

impl SkipReason {
    /// In English, as `message` gives it.
    pub fn message(self) -> &'static str {
        match self {
            SkipReason::Blank => "blank line",
            SkipReason::Comment => "comment",
            SkipReason::NotSelected => "not selected",
            SkipReason::HasOptions => "not selected: it has options, which Keyrack would drop",
        }
    }
}

/// The `code` of an import line that was skipped or refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImportCode {
    /// Skipped, and why.
    Skipped(SkipReason),
    /// Not a public key Keyrack accepts (`dsa`, `malformed`, …: the reason's spelling).
    Key(KeyRefusal),
    /// A key the key policy does not allow.
    Policy,
    /// Its name is taken (`KeyPairNameDuplicate`, the API's code).
    NameDuplicate,
    /// Its name breaks a name rule (`InvalidParameter`).
    InvalidName,
    /// The key pair quota is full (`KeyPairLimitExceeded`).
    LimitExceeded,
    /// Registered meanwhile by another request (`PublicKeyDuplicate`).
    KeyDuplicate,
    /// A code this build does not know (a newer server's).
    Unknown,
}

/// Every code with a spelling of its own, and that spelling: the one table both directions
/// read, so a new code is spelled once.
const SPELLED: [(ImportCode, &str); 9] = [
    (ImportCode::Skipped(SkipReason::Blank), "blank"),
    (ImportCode::Skipped(SkipReason::Comment), "comment"),
    (ImportCode::Skipped(SkipReason::NotSelected), "not_selected"),
    (ImportCode::Skipped(SkipReason::HasOptions), "has_options"),
    (ImportCode::Policy, "policy"),
    (ImportCode::NameDuplicate, "KeyPairNameDuplicate"),
    (ImportCode::InvalidName, "InvalidParameter"),
    (ImportCode::LimitExceeded, "KeyPairLimitExceeded"),
    (ImportCode::KeyDuplicate, "PublicKeyDuplicate"),
];

impl ImportCode {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ImportCode::Key(reason) => reason.as_str(),
            code => SPELLED
                .iter()
                .find(|(spelled, _)| *spelled == code)
                .map_or("unknown", |(_, text)| text),
        }
    }

    /// The code spelled `text`; [`ImportCode::Unknown`] when none is.
    pub fn parse(text: &str) -> Self {
        SPELLED
            .iter()
            .find(|(_, spelling)| *spelling == text)
            .map(|(code, _)| *code)
            .or_else(|| {
                text.parse()
                    .ok()
                    .filter(|r| *r != KeyRefusal::Unknown)
                    .map(ImportCode::Key)
            })
            .unwrap_or(ImportCode::Unknown)
    }
}

impl From<&ErrorCode> for ImportCode {
    /// A line refused as `POST /key-pairs` would refuse it.
    fn from(code: &ErrorCode) -> Self {
        match code {
            ErrorCode::PublicKeyInvalid { reason, .. } => ImportCode::Key(*reason),
            ErrorCode::PolicyViolation { .. } => ImportCode::Policy,
            ErrorCode::KeyPairNameDuplicate { .. } => ImportCode::NameDuplicate,
            ErrorCode::InvalidParameter { .. } => ImportCode::InvalidName,
            ErrorCode::KeyPairLimitExceeded { .. } => ImportCode::LimitExceeded,
            ErrorCode::PublicKeyDuplicate { .. } => ImportCode::KeyDuplicate,
            _ => ImportCode::Unknown,
        }
    }
}

impl Serialize for ImportCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ImportCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Ok(ImportCode::parse(&text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_reads_back_as_itself_and_strangers_are_unknown() {
        let codes = [
            ImportCode::Skipped(SkipReason::Blank),
            ImportCode::Skipped(SkipReason::HasOptions),
            ImportCode::Key(KeyRefusal::Dsa),
            ImportCode::Key(KeyRefusal::RsaTooShort),
            ImportCode::Policy,
            ImportCode::NameDuplicate,
            ImportCode::InvalidName,
            ImportCode::LimitExceeded,
            ImportCode::KeyDuplicate,
        ];
        for code in codes {
            let wire = serde_json::to_string(&code).expect("serializes");
            let read: ImportCode = serde_json::from_str(&wire).expect("reads back");
            assert_eq!(read, code, "{wire}");
        }
        assert_eq!(ImportCode::Key(KeyRefusal::Dsa).as_str(), "dsa");
        assert_eq!(ImportCode::parse("SomethingNew"), ImportCode::Unknown);
    }
}
