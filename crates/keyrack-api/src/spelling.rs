//! One spelling per enum value: its serde name. `Display` and `FromStr` (and, with the `sqlx`
//! feature, the database encoding) are derived from serde here, so forms, URLs, the database
//! and the wire can never spell a value two ways.

use std::fmt;

mod variant_name;

use serde::de::{self, value::StrDeserializer, DeserializeOwned};
use serde::Serialize;

use variant_name::VariantName;

/// A text that is none of an enum's spellings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpellingError {
    /// The spellings it may have, when serde named them.
    expected: &'static [&'static str],
    /// Serde's own message otherwise.
    message: String,
}

impl de::Error for SpellingError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Self {
            expected: &[],
            message: msg.to_string(),
        }
    }

    // Keeps the list of spellings, which serde hands over only here.
    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Self {
        Self {
            expected,
            message: format!("unknown value {variant:?}"),
        }
    }
}

impl fmt::Display for SpellingError {
    /// `A, B or C` (what the text must be), or serde's message.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.expected {
            [] => f.write_str(&self.message),
            [only] => f.write_str(only),
            [init @ .., last] => write!(f, "{} or {last}", init.join(", ")),
        }
    }
}

impl std::error::Error for SpellingError {}

/// The serde name of a unit variant.
pub(crate) fn to_spelling<T: Serialize>(value: &T) -> &'static str {
    // Only unit variants are spelled (see `spelled!`), so this never falls back.
    value.serialize(VariantName).unwrap_or_default()
}

/// The value spelled `text`; a spelling in another case is accepted too (`running` for
/// `RUNNING`), as hand-made URLs and query strings have always been.
pub(crate) fn from_spelling<T: DeserializeOwned>(text: &str) -> Result<T, SpellingError> {
    let exact = |s: &str| T::deserialize(StrDeserializer::<SpellingError>::new(s));
    exact(text).or_else(
        |e| match e.expected.iter().find(|s| s.eq_ignore_ascii_case(text)) {
            Some(spelling) => exact(spelling),
            None => Err(e),
        },
    )
}

/// `as_str`, `Display` and `FromStr` from serde, and with the `sqlx` feature the `Any`
/// driver's `Type`/`Encode`/`Decode` as that text (sqlx's derive does not cover `Any`).
macro_rules! spelled {
    ($($ty:ty),+ $(,)?) => {$(
        impl $ty {
            /// The value's one spelling: its serde name.
            pub fn as_str(self) -> &'static str {
                to_spelling(&self)
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.pad(to_spelling(self))
            }
        }

        impl std::str::FromStr for $ty {
            type Err = SpellingError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                from_spelling(s)
            }
        }

        #[cfg(all(feature = "sqlx", not(target_arch = "wasm32")))]
        impl sqlx::Type<sqlx::Any> for $ty {
            fn type_info() -> sqlx::any::AnyTypeInfo {
                <str as sqlx::Type<sqlx::Any>>::type_info()
            }

            fn compatible(ty: &sqlx::any::AnyTypeInfo) -> bool {
                <str as sqlx::Type<sqlx::Any>>::compatible(ty)
            }
        }

        #[cfg(all(feature = "sqlx", not(target_arch = "wasm32")))]
        impl<'q> sqlx::Encode<'q, sqlx::Any> for $ty {
            fn encode_by_ref(
                &self,
                buf: &mut <sqlx::Any as sqlx::Database>::ArgumentBuffer<'q>,
            ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                <&str as sqlx::Encode<'q, sqlx::Any>>::encode(to_spelling(self), buf)
            }
        }

        #[cfg(all(feature = "sqlx", not(target_arch = "wasm32")))]
        impl<'r> sqlx::Decode<'r, sqlx::Any> for $ty {
            fn decode(value: sqlx::any::AnyValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
                Ok(from_spelling(<&str as sqlx::Decode<'r, sqlx::Any>>::decode(value)?)?)
            }
        }
    )+};
}

spelled!(
    crate::BindOutcome,
    crate::DeleteOutcome,
    crate::ImportOutcome,
    crate::InstanceState,
    crate::KeyAlgorithm,
    crate::KeyPairSort,
    crate::KeyRefusal,
    crate::KeyStatus,
    crate::KeyType,
    crate::Origin,
    crate::Os,
    crate::PolicyRule,
    crate::PrivateKeyFormat,
    crate::Rule,
    crate::TokenRole,
);

#[cfg(test)]
mod tests {
    use crate::{InstanceState, KeyPairSort, KeyType, PrivateKeyFormat, TokenRole};

    #[test]
    fn spellings_are_the_serde_names() {
        assert_eq!(InstanceState::Stopping.to_string(), "STOPPING");
        assert_eq!(KeyPairSort::NameDesc.to_string(), "-name");
        assert_eq!(KeyType::EcdsaP256.to_string(), "ecdsa_p256");
        assert_eq!(TokenRole::Agent.to_string(), "agent");
        for t in KeyType::ALL {
            assert_eq!(t.to_string().parse(), Ok(t));
        }
        for f in PrivateKeyFormat::ALL {
            assert_eq!(f.to_string().parse(), Ok(f));
        }
        for s in ["created_at", "-created_at", "name", "-name"] {
            assert_eq!(
                s.parse::<KeyPairSort>().map(|s| s.to_string()),
                Ok(s.into())
            );
        }
    }

    #[test]
    fn any_case_is_read_and_refusals_name_the_spellings() {
        assert_eq!("running".parse(), Ok(InstanceState::Running));
        let e = "ON".parse::<InstanceState>().expect_err("not a state");
        assert_eq!(e.to_string(), "RUNNING, STOPPED, STARTING or STOPPING");
        let e = "size".parse::<KeyPairSort>().expect_err("not a sort");
        assert_eq!(
            e.to_string(),
            "created_at, -created_at, name, -name, last_login or -last_login"
        );
    }
}
