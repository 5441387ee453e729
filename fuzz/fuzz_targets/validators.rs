//! The validators and the search syntax on structured input: nothing panics, each validator
//! accepts exactly what docs/rules.md allows, every refusal names a field and a rule, and what
//! is meant to round-trip (the search box, the `tag` query parameter) does.

#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use keyrack_api::{
    validate_description, validate_name, validate_tags, ApiError, BatchDeleteRequest, BindRequest,
    CreateImage, CreateInstance, CreateKeyPair, ErrorCode, FieldError,
    InstanceState, Origin, Os,
    SearchQuery, Tag, TagFilter, Timestamp, UpdateKeyPair, BATCH_MAX, BIND_INSTANCES_MAX,
    DESCRIPTION_MAX_CHARS, NAME_MAX_CHARS, TAGS_MAX, TAG_KEY_MAX_CHARS, TAG_VALUE_MAX_CHARS,
};
use libfuzzer_sys::fuzz_target;

/// Pieces the rules care about, so that both sides of every rule are reached quickly.
const PIECES: &[&str] = &[
    "a",
    "Z",
    "0",
    "9",
    "-",
    "_",
    ".",
    "@",
    " ",
    ":",
    "=",
    "+",
    "/",
    "tag:",
    "keyrack:",
    "KeyRack:",
    "keyrack",
    "é",
    "团",
    "ключ",
    "½",
    "\n",
    "\t",
    "\r",
    "\0",
    "\u{7f}",
    "\u{85}",
    "\u{202A}",
    "\u{202E}",
    "\u{2066}",
    "\u{2069}",
    "\u{200B}",
    "\u{200D}",
    "\u{200F}",
    "\u{061C}",
    "\u{2060}",
    "\u{FEFF}",
    "\u{3000}",
    "!",
    ";",
    "env",
    "prod",
    "ap-guangzhou",
    "10.0.0.1",
    "::1",
    "fe80::1",
    "2027-01-31T00:00:00Z",
    "2027-01-31T08:00:00.5+08:00",
    "T",
    "Z",
];

/// Text assembled from [`PIECES`], arbitrary characters and long runs (to cross the length
/// limits).
#[derive(Debug, Clone)]
struct Text(String);

impl<'a> Arbitrary<'a> for Text {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        let mut s = String::new();
        for _ in 0..u.int_in_range(0..=16u8)? {
            match u.int_in_range(0..=3u8)? {
                0 | 1 => s.push_str(u.choose(PIECES)?),
                2 => s.push(u.arbitrary::<char>()?),
                _ => {
                    let piece = *u.choose(PIECES)?;
                    s.push_str(&piece.repeat(usize::from(u.arbitrary::<u8>()?)));
                }
            }
        }
        Ok(Text(s))
    }
}

/// An IP address field: mostly well-formed, sometimes any text.
#[derive(Debug, Arbitrary)]
enum Address {
    Ip(std::net::IpAddr),
    Text(Text),
}

impl Address {
    fn into_string(self) -> String {
        match self {
            Address::Ip(ip) => ip.to_string(),
            Address::Text(t) => t.0,
        }
    }
}

#[derive(Debug, Arbitrary)]
struct Input {
    name: Text,
    description: Text,
    tags: Vec<(Text, Text)>,
    /// Plain tags appended, to reach the count limit.
    extra_tags: u8,
    search: Text,
    tag_param: Text,
    update_name: Option<Text>,
    update_description: Option<Text>,
    expires_at: Option<Text>,
    ids: u8,
    instance_ids: u8,
    instance_name: Text,
    region: Text,
    windows: bool,
    state: Option<u8>,
    private_ip: Option<Address>,
    public_ip: Option<Address>,
    image_name: Text,
}

fuzz_target!(|input: Input| {
    let name = input.name.0;
    let description = input.description.0;
    let mut tags: Vec<Tag> = input
        .tags
        .into_iter()
        .map(|(k, v)| Tag::new(k.0, v.0))
        .collect();
    tags.extend((0..input.extra_tags).map(|i| Tag::new(format!("t{i}"), "")));

    let name_result = validate_name(&name);
    check(&name_result, |f| f == "name");
    assert_eq!(name_result.is_ok(), name_allowed(&name), "{name:?}");

    let description_result = validate_description(&description);
    check(&description_result, |f| f == "description");
    assert_eq!(
        description_result.is_ok(),
        description_allowed(&description),
        "{description:?}"
    );

    let tags_result = validate_tags(&tags);
    check(&tags_result, |f| tag_field(f, tags.len()));
    assert_eq!(tags_result.is_ok(), tags_allowed(&tags), "{tags:?}");

    let create = CreateKeyPair {
        name: name.clone(),
        description: description.clone(),
        public_key: String::new(),
        tags: tags.clone(),
        origin: Origin::Imported,
        expires_at: input.expires_at.clone().map(|t| t.0),
    };
    let create_result = create.validate();
    check(&create_result, |f| {
        f == "name" || f == "description" || tag_field(f, tags.len()) || f == "expires_at"
    });
    // An expiry is read into one stored form, which reads back as itself.
    let expiry_result = match &create.expires_at {
        Some(at) => Timestamp::parse("expires_at", at).map(|stored| {
            assert_eq!(stored.as_str().len(), "2027-01-31T00:00:00.000Z".len(), "{stored}");
            assert_eq!(Timestamp::parse("expires_at", stored.as_str()).as_ref(), Ok(&stored));
            assert_eq!(Timestamp::try_from(stored.to_string()).as_ref(), Ok(&stored));
        }),
        None => Ok(()),
    };
    check(&expiry_result, |f| f == "expires_at");
    // The first rule broken, in field order.
    let expected = name_result
        .clone()
        .and(description_result.clone())
        .and(tags_result.clone())
        .and(expiry_result);
    assert_eq!(create_result.clone().map(|_| ()), expected);

    let update = UpdateKeyPair {
        name: input.update_name.map(|t| t.0),
        description: input.update_description.map(|t| t.0),
        expires_at: None,
    };
    let update_result = update.validate();
    check(&update_result, |f| f == "name" || f == "description");
    assert_eq!(
        update_result.is_ok(),
        (update.name.is_some() || update.description.is_some())
            && update.name.as_deref().is_none_or(name_allowed)
            && update
                .description
                .as_deref()
                .is_none_or(description_allowed),
        "{update:?}"
    );

    let ids = usize::from(input.ids);
    let batch = BatchDeleteRequest {
        ids: (0..ids).map(|i| format!("skey-{i:08}")).collect(),
    };
    let batch_result = batch.validate();
    check(&batch_result, |f| f == "ids");
    assert_eq!(batch_result.is_ok(), (1..=BATCH_MAX).contains(&ids));

    let instance_ids = usize::from(input.instance_ids);
    let bind = BindRequest {
        instance_ids: (0..instance_ids).map(|i| format!("ins-{i:08}")).collect(),
        force_stop: input.windows,
    };
    let bind_result = bind.validate();
    check(&bind_result, |f| f == "instance_ids");
    assert_eq!(
        bind_result.is_ok(),
        (1..=BIND_INSTANCES_MAX).contains(&instance_ids)
    );

    let instance = CreateInstance {
        name: input.instance_name.0,
        region: input.region.0,
        os: if input.windows {
            Os::Windows
        } else {
            Os::Linux
        },
        state: input.state.map(|s| match s % 4 {
            0 => InstanceState::Running,
            1 => InstanceState::Stopped,
            2 => InstanceState::Starting,
            _ => InstanceState::Stopping,
        }),
        private_ip: input.private_ip.map(Address::into_string),
        public_ip: input.public_ip.map(Address::into_string),
    };
    check(&instance.validate(), |f| {
        ["name", "region", "state", "private_ip", "public_ip"].contains(&f)
    });

    let image = CreateImage {
        name: input.image_name.0,
        instance_id: "ins-00000000".into(),
    };
    check(&image.validate(), |f| f == "name");

    check_search_box(&input.search.0);
    check_tag_param(&input.tag_param.0);
});

/// A refusal names an expected field and a rule, and becomes the API's
/// `InvalidParameter` error with `details.field` and `details.rule`.
fn check<T>(result: &Result<T, FieldError>, field_ok: impl Fn(&str) -> bool) {
    let Err(e) = result else { return };
    assert!(
        !e.field.is_empty() && field_ok(&e.field),
        "unexpected field {e:?}"
    );
    assert!(!e.message.is_empty(), "{e:?}");
    let api = ApiError::from(e.clone());
    assert_eq!(
        api.code,
        ErrorCode::InvalidParameter {
            field: e.field.clone(),
            rule: e.rule,
        }
    );
    assert_eq!(api.message, format!("{}: {}", e.field, e.message));
    // Its rule has a spelling: `details.rule` on the wire.
    assert!(!e.rule.to_string().is_empty(), "{api:?}");
}

fn tag_field(field: &str, count: usize) -> bool {
    if field == "tags" {
        return true;
    }
    let Some(rest) = field.strip_prefix("tags[") else {
        return false;
    };
    let Some((index, part)) = rest.split_once(']') else {
        return false;
    };
    index.parse::<usize>().is_ok_and(|i| i < count) && (part == ".key" || part == ".value")
}

/// docs/rules.md: 1–64 characters of `[A-Za-z0-9_.@-]`, first a letter or a digit.
fn name_allowed(name: &str) -> bool {
    (1..=NAME_MAX_CHARS).contains(&name.chars().count())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.@-".contains(c))
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
}

/// docs/rules.md: at most 255 scalar values, no control characters, no bidi controls, no
/// zero-width characters or U+FEFF.
fn description_allowed(text: &str) -> bool {
    text.chars().count() <= DESCRIPTION_MAX_CHARS
        && !text.chars().any(|c| {
            c.is_control()
                || matches!(
                    c,
                    '\u{202A}'..='\u{202E}'
                        | '\u{2066}'..='\u{2069}'
                        | '\u{200E}'
                        | '\u{200F}'
                        | '\u{061C}'
                        | '\u{200B}'..='\u{200D}'
                        | '\u{2060}'
                        | '\u{FEFF}'
                )
        })
}

/// docs/rules.md: at most 50; key 1–127 and value 0–255 characters of letters (any script),
/// digits, space and `+-=._:/@`; keys unique; keys starting with `keyrack:` reserved.
fn tags_allowed(tags: &[Tag]) -> bool {
    let chars_ok = |s: &str| {
        s.chars()
            .all(|c| c.is_alphanumeric() || c == ' ' || "+-=._:/@".contains(c))
    };
    tags.len() <= TAGS_MAX
        && tags.iter().enumerate().all(|(i, t)| {
            (1..=TAG_KEY_MAX_CHARS).contains(&t.key.chars().count())
                && t.value.chars().count() <= TAG_VALUE_MAX_CHARS
                && chars_ok(&t.key)
                && chars_ok(&t.value)
                && !t
                    .key
                    .as_bytes()
                    .get(..8)
                    .is_some_and(|p| p.eq_ignore_ascii_case(b"keyrack:"))
                && !tags[..i].iter().any(|o| o.key == t.key)
        })
}

/// The search box: what it parses to, printed and parsed again, is the same query.
fn check_search_box(input: &str) {
    let query = SearchQuery::parse(input);
    let printed = query.to_input();
    assert_eq!(
        SearchQuery::parse(&printed),
        query,
        "{input:?} -> {printed:?}"
    );
    assert_eq!(SearchQuery::parse(&printed).to_input(), printed);
    assert_eq!(query.text, query.text.trim());
    // The console sends the tag term as the `tag` parameter; the server must read back the
    // same filter. Not for keys holding `:` (tag keys may): `key:value` is split at the
    // first `:`, so such a key cannot be searched with a value.
    if let Some(tag) = &query.tag {
        if !tag.key.is_empty() && !tag.key.contains(':') {
            assert_eq!(TagFilter::from_param(&tag.to_param()).as_ref(), Some(tag));
        }
    }
}

/// The `tag` query parameter `key[:value]`: parsed and printed, it is the same text.
fn check_tag_param(param: &str) {
    match TagFilter::from_param(param) {
        Some(filter) => {
            assert!(
                !filter.key.is_empty() && !filter.key.contains(':'),
                "{filter:?}"
            );
            assert_eq!(filter.to_param(), param);
            assert_eq!(TagFilter::from_param(&filter.to_param()), Some(filter));
        }
        None => assert!(param.is_empty() || param.starts_with(':'), "{param:?}"),
    }
}
