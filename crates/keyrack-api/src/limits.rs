//! The numeric limits of the domain rules, in one place.

/// Longest key-pair name, in characters.
pub const NAME_MAX_CHARS: usize = 64;
/// Longest description, in Unicode scalar values.
pub const DESCRIPTION_MAX_CHARS: usize = 255;
/// Most tags on one key pair.
pub const TAGS_MAX: usize = 50;
/// Longest tag key, in characters.
pub const TAG_KEY_MAX_CHARS: usize = 127;
/// Longest tag value, in characters.
pub const TAG_VALUE_MAX_CHARS: usize = 255;
/// Reserved tag-key prefix (compared case-insensitively).
pub const RESERVED_TAG_PREFIX: &str = "keyrack:";
/// Largest public-key input, in bytes.
pub const PUBLIC_KEY_MAX_BYTES: usize = 16 * 1024;
/// Smallest accepted RSA modulus, in bits.
pub const RSA_MIN_BITS: u32 = 2048;
/// Largest accepted RSA modulus, in bits (OpenSSH's own limit, `SSH_RSA_MAXIMUM_MODULUS_SIZE`).
pub const RSA_MAX_BITS: u32 = 16384;
/// Most key pairs in one batch call.
pub const BATCH_MAX: usize = 100;
/// Most instances in one bind/unbind call.
pub const BIND_INSTANCES_MAX: usize = 100;
/// Most key pairs bound to one instance.
pub const KEYS_PER_INSTANCE_MAX: usize = 16;
/// Longest instance or image name, in characters.
pub const FLEET_NAME_MAX_CHARS: usize = 64;
/// Longest region id, in bytes (ASCII).
pub const REGION_ID_MAX_CHARS: usize = 32;
/// Largest page of a list.
pub const LIST_LIMIT_MAX: u32 = 100;
/// Page size when none is asked for.
pub const LIST_LIMIT_DEFAULT: u32 = 20;
/// Default number of key pairs one deployment may hold.
pub const DEFAULT_KEY_PAIR_QUOTA: u64 = 5_000;
