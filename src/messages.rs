//! What the console says about a refusal, in its language: an API error by its code, a field
//! rule broken, a key policy refusal, a public key refused. The words are in the catalogue
//! (`i18n/errors.toml`, `i18n/rules.toml`). The English console keeps the server's own
//! message where it is the most precise text available (field rules with their limits and
//! counts); the Chinese one words the same rule from its code.

use keyrack_api::{
    ApiError, ErrorCode, FieldError, ImportCode, KeyRefusal, PolicyRule, PolicyViolation,
    PublicKeyError, Rule, SkipReason,
};

use crate::i18n::{language, msg, t, Language, Msg};

/// One sentence for the user.
pub fn describe(e: &ApiError) -> String {
    use ErrorCode::*;
    match &e.code {
        KeyPairNameDuplicate { .. } => t(Msg::ErrorsNameDuplicate).into(),
        TokenNameDuplicate { .. } => t(Msg::ErrorsTokenNameDuplicate).into(),
        PublicKeyDuplicate { id, name, .. } => msg::errors_public_key_duplicate(name, id),
        KeyPairInUse { instance_ids } => match listed(instance_ids) {
            Some(list) => msg::errors_in_use_listed(&list),
            None => t(Msg::ErrorsInUse).into(),
        },
        KeyPairReferencedByImage { image_ids } => match listed(image_ids) {
            Some(list) => msg::errors_in_images_listed(&list),
            None => t(Msg::ErrorsInImages).into(),
        },
        KeyPairLimitExceeded { .. } => t(Msg::ErrorsLimitExceeded).into(),
        KeyPairNotFound { .. } => t(Msg::ErrorsKeyPairNotFound).into(),
        InstanceNotFound { .. } => t(Msg::ErrorsInstanceNotFound).into(),
        ImageNotFound { .. } => t(Msg::ErrorsImageNotFound).into(),
        InstanceStateConflict { state } => {
            let state = crate::widgets::instance_state::state_label(*state);
            msg::errors_instance_state(state)
        }
        PreconditionFailed { .. } => t(Msg::ErrorsChangedMeanwhile).into(),
        LastAdminToken => t(Msg::ErrorsLastAdminToken).into(),
        // In Chinese, a refused value worded from its rule (the English console keeps the
        // server's sentence, which names the limits).
        InvalidParameter { field, rule } if language() == Language::Chinese => {
            rule_broken(field, *rule)
        }
        PublicKeyInvalid { reason, .. } if language() == Language::Chinese => {
            refusal_by_reason(*reason).into()
        }
        PolicyViolation { rule, .. } if language() == Language::Chinese => {
            policy_rule(*rule).into()
        }
        _ => describe_common(e),
    }
}

/// What the console says about a refusal that any request can meet: a lost session, a
/// limit, the server itself; otherwise the server's own message. Loading a list needs only
/// these, so the first load carries only these (the rest come with the dialogs).
pub fn describe_common(e: &ApiError) -> String {
    use ErrorCode::*;
    let english = language() == Language::English;
    match &e.code {
        Unauthorized => t(Msg::ErrorsSessionEnded).into(),
        Forbidden if e.message.is_empty() || !english => t(Msg::ErrorsForbidden).into(),
        Forbidden => msg::errors_forbidden_because(e.message.trim_end_matches('.')),
        RateLimited { .. } => t(Msg::ErrorsRateLimited).into(),
        RequestTimeout => t(Msg::ErrorsTimeout).into(),
        DatabaseUnavailable => t(Msg::ErrorsDatabaseUnavailable).into(),
        InternalError | Unknown if e.message.is_empty() => t(Msg::ErrorsServer).into(),
        // The console's own failures (src/api/client.rs) are worded in its language already.
        _ if english || e.code == Unknown => capitalise(&e.message),
        InvalidParameter { .. } | PublicKeyInvalid { .. } | PolicyViolation { .. } => {
            t(Msg::ErrorsInvalidParameter).into()
        }
        InvalidRequest => t(Msg::ErrorsInvalidRequest).into(),
        NotFound { .. } => t(Msg::ErrorsNotFound).into(),
        PayloadTooLarge => t(Msg::ErrorsTooLarge).into(),
        InternalError => t(Msg::ErrorsServer).into(),
        _ => t(Msg::ErrorsRefused).into(),
    }
}

/// `a, b, c`, or nothing for an empty list.
fn listed(ids: &[String]) -> Option<String> {
    (!ids.is_empty()).then(|| ids.join(", "))
}

/// The first letter in capitals. ASCII only: the server's messages are English, and
/// Unicode's case tables would weigh several KB of the first load for nothing.
fn capitalise(s: &str) -> String {
    let mut out = s.to_owned();
    if let Some(first) = out.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    out
}

/// The form field a refusal is about, when the server names one.
pub fn field_of(e: &ApiError) -> Option<&str> {
    use ErrorCode::*;
    match &e.code {
        InvalidParameter { field, .. }
        | PublicKeyInvalid { field, .. }
        | KeyPairNameDuplicate { field, .. }
        | TokenNameDuplicate { field, .. }
        | PublicKeyDuplicate { field, .. }
        | PolicyViolation { field, .. } => Some(field),
        _ => None,
    }
}

/// A field rule broken, as a sentence under the field in the console's language.
pub fn field_error(e: &FieldError) -> String {
    match language() {
        Language::English => capitalise(&e.message),
        Language::Chinese => rule_broken(&e.field, e.rule),
    }
}

/// A field rule broken, worded from the field and the rule alone.
fn rule_broken(field: &str, rule: Rule) -> String {
    use keyrack_api::{
        DESCRIPTION_MAX_CHARS, MAX_LIFETIME_DAYS_MAX, NAME_MAX_CHARS, RESERVED_TAG_PREFIX,
        RSA_MAX_BITS, RSA_MIN_BITS, TAGS_MAX, TAG_KEY_MAX_CHARS, TAG_VALUE_MAX_CHARS,
    };
    // `tags[2].key` -> `tags.key`, `names[4].name` -> `names.name`: the rule, not the place.
    let mut kind = String::with_capacity(field.len());
    let mut in_index = false;
    for c in field.chars() {
        match c {
            '[' => in_index = true,
            ']' => in_index = false,
            c if !in_index => kind.push(c),
            _ => {}
        }
    }
    let name = t(match kind.as_str() {
        "name" | "names.name" => Msg::RulesFieldName,
        "description" => Msg::RulesFieldDescription,
        "tags.key" => Msg::RulesFieldTagKey,
        "tags.value" => Msg::RulesFieldTagValue,
        "tags" => Msg::RulesFieldTags,
        "expires_at" => Msg::RulesFieldExpiresAt,
        "public_key" => Msg::RulesFieldPublicKey,
        "instance_ids" => Msg::RulesFieldInstances,
        "ids" => Msg::RulesFieldKeyPairs,
        "authorized_keys" => Msg::RulesFieldFile,
        "allowed_algorithms" => Msg::RulesFieldAllowedAlgorithms,
        "min_rsa_bits" => Msg::RulesFieldMinRsaBits,
        "max_lifetime_days" => Msg::RulesFieldMaxLifetimeDays,
        "role" => Msg::RulesFieldRole,
        _ => Msg::RulesFieldOther,
    });
    // Most rules name the field: the message as a function of it.
    let named = |message: fn(&'static str) -> String| capitalise(&message(name));
    match (kind.as_str(), rule) {
        ("instance_ids", Rule::Required) => t(Msg::RulesSelectInstances).into(),
        ("ids", Rule::Required) => t(Msg::RulesSelectKeyPairs).into(),
        ("allowed_algorithms", Rule::Required) => t(Msg::RulesAllowAnAlgorithm).into(),
        (_, Rule::Required) => named(msg::rules_required),
        ("name" | "names.name", Rule::Length) => {
            capitalise(&msg::rules_length(name, NAME_MAX_CHARS))
        }
        ("description", Rule::Length) => {
            capitalise(&msg::rules_length(name, DESCRIPTION_MAX_CHARS))
        }
        ("tags.key", Rule::Length) => capitalise(&msg::rules_length(name, TAG_KEY_MAX_CHARS)),
        ("tags.value", Rule::Length) => capitalise(&msg::rules_length(name, TAG_VALUE_MAX_CHARS)),
        ("authorized_keys", Rule::Length) => t(Msg::RulesFileSize).into(),
        (_, Rule::Length) => named(msg::rules_length_other),
        ("name" | "names.name", Rule::Charset) => t(Msg::RulesNameCharset).into(),
        (_, Rule::Charset) => named(msg::rules_charset),
        (_, Rule::FirstChar) => named(msg::rules_first_char),
        (_, Rule::ControlChar) => named(msg::rules_control_char),
        (_, Rule::BidiOverride) => named(msg::rules_bidi),
        (_, Rule::InvisibleChar) => named(msg::rules_invisible),
        (_, Rule::Reserved) => capitalise(&msg::rules_reserved(name, RESERVED_TAG_PREFIX)),
        (_, Rule::Unique) => named(msg::rules_unique),
        ("tags", Rule::Count) => msg::rules_count_tags(TAGS_MAX),
        ("authorized_keys", Rule::Count) => msg::rules_file_lines(keyrack_api::IMPORT_MAX_LINES),
        (_, Rule::Count) => capitalise(&msg::rules_count(name, keyrack_api::BATCH_MAX)),
        ("expires_at", Rule::Range) => t(Msg::RulesExpiryRange).into(),
        ("min_rsa_bits", Rule::Range) => msg::rules_min_rsa_bits_range(RSA_MIN_BITS, RSA_MAX_BITS),
        ("max_lifetime_days", Rule::Range) => msg::rules_max_lifetime_range(MAX_LIFETIME_DAYS_MAX),
        (_, Rule::Range) => named(msg::rules_range),
        ("min_rsa_bits" | "max_lifetime_days", Rule::Format) => t(Msg::RulesWholeNumber).into(),
        (_, Rule::Format) => named(msg::rules_format),
    }
}

/// A key policy refusal, as a sentence in the console's language.
pub fn policy_violation(v: &PolicyViolation) -> String {
    match language() {
        Language::English => capitalise(&v.message),
        Language::Chinese => policy_rule(v.rule).into(),
    }
}

fn policy_rule(rule: PolicyRule) -> &'static str {
    t(match rule {
        PolicyRule::AllowedAlgorithms => Msg::RulesPolicyAlgorithm,
        PolicyRule::MinRsaBits => Msg::RulesPolicyRsaBits,
        PolicyRule::MaxLifetimeDays => Msg::RulesPolicyLifetime,
    })
}

/// Why a public key is refused, as a sentence in the console's language.
pub fn public_key_refusal(e: &PublicKeyError) -> String {
    match e {
        PublicKeyError::TooLarge { len } => msg::rules_key_too_large(len),
        PublicKeyError::RsaTooShort { bits } => msg::rules_key_rsa_short(bits),
        PublicKeyError::RsaTooLong { bits } => msg::rules_key_rsa_long(bits),
        PublicKeyError::Certificate { algorithm } => msg::rules_key_certificate(algorithm),
        PublicKeyError::UnsupportedAlgorithm { algorithm } => msg::rules_key_unsupported(algorithm),
        other => refusal_by_reason(other.reason()).into(),
    }
}

/// Why an import line was skipped or refused, from its code alone.
pub fn import_code(code: ImportCode) -> &'static str {
    match code {
        ImportCode::Skipped(reason) => t(match reason {
            SkipReason::Blank => Msg::ImportSkippedBlank,
            SkipReason::Comment => Msg::ImportSkippedComment,
            SkipReason::NotSelected => Msg::ImportSkippedNotSelected,
            SkipReason::HasOptions => Msg::ImportSkippedHasOptions,
        }),
        ImportCode::Key(reason) => refusal_by_reason(reason),
        ImportCode::Policy => t(Msg::ImportRefusedByPolicy),
        ImportCode::NameDuplicate => t(Msg::ErrorsNameDuplicate),
        ImportCode::InvalidName => t(Msg::ErrorsInvalidParameter),
        ImportCode::LimitExceeded => t(Msg::ErrorsLimitExceeded),
        ImportCode::KeyDuplicate => t(Msg::ImportOutcomeDuplicate),
        ImportCode::Unknown => t(Msg::RulesKeyRefused),
    }
}

/// A public key refusal from its reason alone (as the server sends it).
fn refusal_by_reason(reason: KeyRefusal) -> &'static str {
    t(match reason {
        KeyRefusal::Empty => Msg::RulesKeyEmpty,
        KeyRefusal::PrivateKey => Msg::RulesKeyPrivate,
        KeyRefusal::Dsa => Msg::RulesKeyDsa,
        KeyRefusal::Options => Msg::RulesKeyOptions,
        KeyRefusal::MultipleKeys => Msg::RulesKeyMultiple,
        KeyRefusal::Malformed => Msg::RulesKeyMalformed,
        KeyRefusal::TooLarge => Msg::RulesKeyTooLargeBare,
        KeyRefusal::RsaTooShort => Msg::RulesKeyRsaShortBare,
        KeyRefusal::RsaTooLong => Msg::RulesKeyRsaLongBare,
        KeyRefusal::Certificate => Msg::RulesKeyCertificateBare,
        KeyRefusal::UnsupportedAlgorithm => Msg::RulesKeyUnsupportedBare,
        KeyRefusal::Unknown => Msg::RulesKeyRefused,
    })
}
