//! The admins' key policy: which key types may be registered, how short an RSA key may be,
//! and how long a new key may live. Create, import and Modify refuse what breaks it with
//! [`crate::ErrorCode::PolicyViolation`]; keys registered before a stricter policy stay, are
//! marked as not allowed, and are left out of `authorized_keys` when the policy enforces it
//! at login. The lifetime applies to new expiries only: a key without one is not retired by
//! a later policy.

use serde::{Deserialize, Serialize};

use crate::error::{FieldError, Rule};
use crate::limits::{RSA_MAX_BITS, RSA_MIN_BITS};
use crate::public_key::KeyAlgorithm;
use crate::timestamp::Timestamp;

/// The longest `max_lifetime_days` accepted: 100 years.
pub const MAX_LIFETIME_DAYS_MAX: u32 = 36_500;

/// `GET/PUT /policy`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Policy {
    /// Key types that may be registered, from those Keyrack accepts at all
    /// ([`KeyAlgorithm`] names; text here so that a name Keyrack does not accept is refused
    /// as this field's rule, not as an unreadable body).
    pub allowed_algorithms: Vec<String>,
    /// The smallest RSA modulus, in bits (2048–16384).
    pub min_rsa_bits: u32,
    /// When set, every new expiry must fall within this many days from now (1–36500).
    #[serde(default)]
    pub max_lifetime_days: Option<u32>,
    /// Leave keys that break the policy out of `authorized_keys`, as expired ones are.
    #[serde(default)]
    pub enforce_on_login: bool,
}

impl Default for Policy {
    /// What Keyrack accepts without a policy: every supported type, RSA from 2048 bits.
    fn default() -> Self {
        Self {
            allowed_algorithms: KeyAlgorithm::ALL.map(|a| a.as_str().to_owned()).into(),
            min_rsa_bits: RSA_MIN_BITS,
            max_lifetime_days: None,
            enforce_on_login: false,
        }
    }
}

impl Policy {
    /// What the server applies when the saved policy cannot be read (a body a newer server
    /// wrote, a damaged row): no key type is allowed and the policy is enforced at login, so
    /// the failure closes logins and refuses new keys instead of quietly allowing what the
    /// lost policy forbade. An admin saving a policy again lifts it.
    pub fn deny_all() -> Self {
        Self {
            allowed_algorithms: Vec::new(),
            min_rsa_bits: RSA_MAX_BITS,
            max_lifetime_days: None,
            enforce_on_login: true,
        }
    }
}

/// The policy rule a key or an expiry breaks, as `details.rule` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum PolicyRule {
    /// The key type is not in `allowed_algorithms`.
    AllowedAlgorithms,
    /// The RSA key is shorter than `min_rsa_bits`.
    MinRsaBits,
    /// The expiry is missing or later than `max_lifetime_days` from now.
    MaxLifetimeDays,
}

/// A refusal by the policy: the field, the rule, and the rule in words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct PolicyViolation {
    /// `public_key` or `expires_at`.
    pub field: &'static str,
    /// The rule broken.
    pub rule: PolicyRule,
    /// A sentence naming the rule and what it asks for.
    pub message: String,
}

impl From<PolicyViolation> for crate::ApiError {
    fn from(v: PolicyViolation) -> Self {
        let code = crate::ErrorCode::PolicyViolation {
            field: v.field.to_owned(),
            rule: v.rule,
        };
        crate::ApiError::new(code, v.message)
    }
}

impl Policy {
    /// Checks the policy itself before it is saved.
    pub fn validate(&self) -> Result<(), FieldError> {
        if self.allowed_algorithms.is_empty() {
            return Err(FieldError::new(
                "allowed_algorithms",
                Rule::Required,
                "allow at least one key type",
            ));
        }
        for (i, algorithm) in self.allowed_algorithms.iter().enumerate() {
            if KeyAlgorithm::named(algorithm).is_none() {
                let names = KeyAlgorithm::ALL.map(KeyAlgorithm::as_str);
                return Err(FieldError::new(
                    format!("allowed_algorithms[{i}]"),
                    Rule::Format,
                    format!(
                        "allowed_algorithms[{i}] must be one of {}",
                        names.join(", ")
                    ),
                ));
            }
            if self.allowed_algorithms[..i].contains(algorithm) {
                return Err(FieldError::new(
                    format!("allowed_algorithms[{i}]"),
                    Rule::Unique,
                    format!("{algorithm} is listed twice"),
                ));
            }
        }
        if !(RSA_MIN_BITS..=RSA_MAX_BITS).contains(&self.min_rsa_bits) {
            return Err(FieldError::new(
                "min_rsa_bits",
                Rule::Range,
                format!("min_rsa_bits must be between {RSA_MIN_BITS} and {RSA_MAX_BITS}"),
            ));
        }
        if let Some(days) = self.max_lifetime_days {
            if !(1..=MAX_LIFETIME_DAYS_MAX).contains(&days) {
                return Err(FieldError::new(
                    "max_lifetime_days",
                    Rule::Range,
                    format!("max_lifetime_days must be between 1 and {MAX_LIFETIME_DAYS_MAX}, or null for no limit"),
                ));
            }
        }
        Ok(())
    }

    /// Whether a key of this type and size may be registered (and, when enforced, log in).
    pub fn allows(&self, algorithm: KeyAlgorithm, bits: u32) -> bool {
        self.check_key(algorithm, bits).is_ok()
    }

    /// The allowed types, in the policy's order (names Keyrack does not accept left out).
    pub fn allowed(&self) -> impl Iterator<Item = KeyAlgorithm> + '_ {
        self.allowed_algorithms
            .iter()
            .filter_map(|a| KeyAlgorithm::named(a))
    }

    /// Refuses a key whose type is not allowed or whose RSA modulus is too short.
    pub fn check_key(&self, algorithm: KeyAlgorithm, bits: u32) -> Result<(), PolicyViolation> {
        if !self.allowed().any(|a| a == algorithm) {
            return Err(PolicyViolation {
                field: "public_key",
                rule: PolicyRule::AllowedAlgorithms,
                message: if self.allowed_algorithms.is_empty() {
                    format!("The key policy does not allow {algorithm} keys; it allows none")
                } else {
                    format!(
                        "The key policy does not allow {algorithm} keys; allowed: {}",
                        self.allowed_algorithms.join(", ")
                    )
                },
            });
        }
        if algorithm == KeyAlgorithm::Rsa && bits < self.min_rsa_bits {
            return Err(PolicyViolation {
                field: "public_key",
                rule: PolicyRule::MinRsaBits,
                message: format!(
                    "The key policy requires RSA keys of at least {} bits; this one has {bits}",
                    self.min_rsa_bits
                ),
            });
        }
        Ok(())
    }

    /// The latest expiry a new key may have when it is `now`, a few minutes of clock skew
    /// included: the console counts "90 days" on the browser's clock. `None` when the policy
    /// sets no lifetime.
    pub fn latest_expiry(&self, now: &Timestamp) -> Option<Timestamp> {
        let days = self.max_lifetime_days?;
        Some(now.shifted(time::Duration::days(i64::from(days)) + CLOCK_SKEW))
    }

    /// Refuses a new expiry (`None`: never) that is missing or later than the lifetime
    /// allows, counted from `now`.
    pub fn check_expiry(
        &self,
        expires_at: Option<&Timestamp>,
        now: &Timestamp,
    ) -> Result<(), PolicyViolation> {
        let (Some(days), Some(latest)) = (self.max_lifetime_days, self.latest_expiry(now)) else {
            return Ok(());
        };
        match expires_at {
            Some(at) if *at <= latest => Ok(()),
            Some(_) => Err(PolicyViolation {
                field: "expires_at",
                rule: PolicyRule::MaxLifetimeDays,
                message: format!(
                    "The key policy allows keys to live at most {days} days: choose an expiry no later than {}",
                    latest.as_str().get(..10).unwrap_or(latest.as_str())
                ),
            }),
            None => Err(PolicyViolation {
                field: "expires_at",
                rule: PolicyRule::MaxLifetimeDays,
                message: format!(
                    "The key policy requires every key to expire within {days} days: choose an expiry"
                ),
            }),
        }
    }
}

/// How far ahead of the server's clock a browser's may run.
const CLOCK_SKEW: time::Duration = time::Duration::minutes(10);

#[cfg(test)]
mod tests {
    use super::*;

    fn strict() -> Policy {
        Policy {
            allowed_algorithms: vec!["ssh-ed25519".into(), "ssh-rsa".into()],
            min_rsa_bits: 3072,
            max_lifetime_days: Some(90),
            enforce_on_login: true,
        }
    }

    #[test]
    fn the_default_allows_what_keyrack_accepts() {
        let p = Policy::default();
        assert_eq!(p.validate(), Ok(()));
        for algorithm in KeyAlgorithm::ALL {
            assert!(p.allows(algorithm, 2048), "{algorithm}");
        }
        let now = Timestamp::parse("now", "2027-01-01T00:00:00Z").unwrap();
        assert_eq!(p.check_expiry(None, &now), Ok(()));
    }

    #[test]
    fn keys_are_checked_by_type_then_rsa_size() {
        let p = strict();
        let e = p.check_key(KeyAlgorithm::EcdsaP256, 256).unwrap_err();
        assert_eq!(
            (e.field, e.rule),
            ("public_key", PolicyRule::AllowedAlgorithms)
        );
        assert!(e.message.contains("ssh-ed25519, ssh-rsa"), "{}", e.message);
        let e = p.check_key(KeyAlgorithm::Rsa, 2048).unwrap_err();
        assert_eq!(e.rule, PolicyRule::MinRsaBits);
        assert!(e.message.contains("3072"), "{}", e.message);
        assert!(p.allows(KeyAlgorithm::Rsa, 3072));
        assert!(p.allows(KeyAlgorithm::Ed25519, 256));
    }

    #[test]
    fn new_expiries_fall_within_the_lifetime() {
        let p = strict();
        let at = |text| Timestamp::parse("at", text).unwrap();
        let now = &at("2027-01-01T00:00:00Z");
        assert_eq!(p.latest_expiry(now), Some(at("2027-04-01T00:10:00.000Z")));
        assert_eq!(
            p.check_expiry(Some(&at("2027-04-01T00:00:00Z")), now),
            Ok(())
        );
        let e = p
            .check_expiry(Some(&at("2027-04-02T00:00:00Z")), now)
            .unwrap_err();
        assert_eq!(
            (e.field, e.rule),
            ("expires_at", PolicyRule::MaxLifetimeDays)
        );
        let e = p.check_expiry(None, now).unwrap_err();
        assert!(e.message.contains("90 days"), "{}", e.message);
    }

    #[test]
    fn a_policy_names_its_bad_field() {
        let field = |p: Policy| p.validate().unwrap_err().field;
        let mut p = strict();
        p.allowed_algorithms.clear();
        assert_eq!(field(p), "allowed_algorithms");
        let mut p = strict();
        p.allowed_algorithms.push("ssh-dss".into());
        assert_eq!(field(p), "allowed_algorithms[2]");
        let mut p = strict();
        p.allowed_algorithms.push("ssh-rsa".into());
        assert_eq!(field(p), "allowed_algorithms[2]");
        let mut p = strict();
        p.min_rsa_bits = 1024;
        assert_eq!(field(p), "min_rsa_bits");
        let mut p = strict();
        p.max_lifetime_days = Some(0);
        assert_eq!(field(p), "max_lifetime_days");
    }
}
