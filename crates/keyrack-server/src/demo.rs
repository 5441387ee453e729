//! Demo data for `--demo`: three regions, a dozen instances, two custom images and six key
//! pairs with tags and bindings. The public keys are real ones made by `ssh-keygen`
//! (`demo/make-keys.sh`); their private halves were discarded.

use keyrack_api::{
    parse_public_key, Image, Instance, InstanceState, KeyLogin, KeyPair, Origin, Os, Region, Tag,
    Timestamp,
};
use time::{Duration, OffsetDateTime};

use crate::ids::random_id;
use crate::store::Seed;

struct DemoKey {
    name: &'static str,
    description: &'static str,
    public_key: &'static str,
    origin: Origin,
    tags: &'static [(&'static str, &'static str)],
    days_ago: i64,
    /// The demo shows a key about to expire.
    expires_in_days: Option<i64>,
}

const KEYS: [DemoKey; 6] = [
    DemoKey {
        name: "web-prod",
        description: "Production web tier",
        public_key: include_str!("demo/web-prod.pub"),
        origin: Origin::Generated,
        tags: &[("env", "prod"), ("team", "web")],
        days_ago: 120,
        expires_in_days: None,
    },
    DemoKey {
        name: "ci-deploy",
        description: "CI pipeline deploy key",
        public_key: include_str!("demo/ci-deploy.pub"),
        origin: Origin::Generated,
        tags: &[("env", "ci"), ("owner", "platform")],
        days_ago: 90,
        expires_in_days: None,
    },
    DemoKey {
        name: "db-admin",
        description: "DBA access to database hosts",
        public_key: include_str!("demo/db-admin.pub"),
        origin: Origin::Imported,
        tags: &[("env", "prod"), ("team", "dba")],
        days_ago: 75,
        expires_in_days: None,
    },
    DemoKey {
        name: "bastion",
        description: "Baked into the bastion image",
        public_key: include_str!("demo/bastion.pub"),
        origin: Origin::Imported,
        tags: &[("team", "ops")],
        days_ago: 60,
        expires_in_days: None,
    },
    DemoKey {
        name: "backup-agent",
        description: "",
        public_key: include_str!("demo/backup.pub"),
        origin: Origin::Imported,
        tags: &[("purpose", "backup")],
        days_ago: 30,
        expires_in_days: None,
    },
    DemoKey {
        name: "legacy-ops",
        description: "Old shared ops key, to be retired",
        public_key: include_str!("demo/legacy-ops.pub"),
        origin: Origin::Imported,
        tags: &[],
        days_ago: 400,
        expires_in_days: Some(10),
    },
];

/// (name, region, os, state, private ip, public ip, keys by index into `KEYS`)
type DemoInstance = (
    &'static str,
    &'static str,
    Os,
    InstanceState,
    &'static str,
    Option<&'static str>,
    &'static [usize],
);

const INSTANCES: [DemoInstance; 12] = [
    (
        "web-gz-01",
        "ap-guangzhou",
        Os::Linux,
        InstanceState::Running,
        "10.0.1.11",
        Some("119.29.10.11"),
        &[0],
    ),
    (
        "web-gz-02",
        "ap-guangzhou",
        Os::Linux,
        InstanceState::Running,
        "10.0.1.12",
        Some("119.29.10.12"),
        &[0],
    ),
    (
        "web-gz-03",
        "ap-guangzhou",
        Os::Linux,
        InstanceState::Stopped,
        "10.0.1.13",
        None,
        &[],
    ),
    (
        "db-gz-01",
        "ap-guangzhou",
        Os::Linux,
        InstanceState::Running,
        "10.0.2.21",
        None,
        &[2],
    ),
    (
        "ad-gz-01",
        "ap-guangzhou",
        Os::Windows,
        InstanceState::Running,
        "10.0.3.31",
        Some("119.29.10.31"),
        &[],
    ),
    (
        "web-sh-01",
        "ap-shanghai",
        Os::Linux,
        InstanceState::Running,
        "10.1.1.11",
        Some("101.33.20.11"),
        &[0, 1],
    ),
    (
        "ci-runner-sh-01",
        "ap-shanghai",
        Os::Linux,
        InstanceState::Stopped,
        "10.1.4.41",
        None,
        &[1],
    ),
    (
        "ci-runner-sh-02",
        "ap-shanghai",
        Os::Linux,
        InstanceState::Stopped,
        "10.1.4.42",
        None,
        &[],
    ),
    (
        "db-sh-01",
        "ap-shanghai",
        Os::Linux,
        InstanceState::Stopped,
        "10.1.2.21",
        None,
        &[2],
    ),
    (
        "build-win-sh-01",
        "ap-shanghai",
        Os::Windows,
        InstanceState::Stopped,
        "10.1.5.51",
        None,
        &[],
    ),
    (
        "edge-sv-01",
        "na-siliconvalley",
        Os::Linux,
        InstanceState::Running,
        "10.2.1.11",
        Some("170.106.1.11"),
        &[],
    ),
    (
        "edge-sv-02",
        "na-siliconvalley",
        Os::Linux,
        InstanceState::Starting,
        "10.2.1.12",
        Some("170.106.1.12"),
        &[],
    ),
];

/// (key, instance, hours ago), by index into `KEYS` and `INSTANCES`: each key bound there.
const LOGINS: [(usize, usize, i64); 3] = [(0, 0, 3), (1, 5, 50), (2, 3, 24 * 40)];

/// The demo data set, with fresh random ids and timestamps relative to now.
pub fn seed() -> Seed {
    let now = OffsetDateTime::now_utc();
    let mut key_pairs = key_pairs(now);
    let instances = instances(now, &key_pairs);
    let images = images(now, &key_pairs);
    add_logins(now, &mut key_pairs, &instances);
    Seed {
        regions: regions(),
        key_pairs,
        instances,
        images,
    }
}

/// `days` days before `now` (after it, for a negative number), in the stored form.
fn days_before(now: OffsetDateTime, days: i64) -> Timestamp {
    Timestamp::at(now - Duration::days(days))
}

/// The ids of the key pairs at these indexes into `KEYS` (a key that did not parse has none).
fn key_ids(key_pairs: &[KeyPair], indexes: &[usize]) -> Vec<String> {
    indexes
        .iter()
        .filter_map(|&i| key_pairs.get(i).map(|k| k.id.clone()))
        .collect()
}

/// The demo's regions, in display order.
fn regions() -> Vec<Region> {
    [
        ("ap-guangzhou", "South China (Guangzhou)"),
        ("ap-shanghai", "East China (Shanghai)"),
        ("na-siliconvalley", "West US (Silicon Valley)"),
    ]
    .into_iter()
    .map(|(id, name)| Region {
        id: id.into(),
        name: name.into(),
    })
    .collect()
}

/// The key pairs of `KEYS`, with fresh ids.
fn key_pairs(now: OffsetDateTime) -> Vec<KeyPair> {
    let ago = |days: i64| days_before(now, days);
    KEYS.iter()
        .filter_map(|k| {
            // Committed keys made by ssh-keygen; a bad one would only shrink the demo.
            let info = parse_public_key(k.public_key).ok()?;
            Some(KeyPair {
                id: random_id("skey-"),
                name: k.name.into(),
                description: k.description.into(),
                public_key: info.public_key,
                comment: info.comment,
                algorithm: info.algorithm,
                bits: info.bits,
                fingerprint_sha256: info.fingerprint_sha256,
                fingerprint_md5: info.fingerprint_md5,
                origin: k.origin,
                tags: k
                    .tags
                    .iter()
                    .map(|(key, value)| Tag::new(*key, *value))
                    .collect(),
                instance_ids: Vec::new(),
                image_ids: Vec::new(),
                created_at: ago(k.days_ago),
                updated_at: ago(k.days_ago),
                version: 1,
                expires_at: k.expires_in_days.map(|days| ago(-days)),
                allowed_by_policy: true,
                last_login: None,
            })
        })
        .collect()
}

/// The instances of `INSTANCES`, with the keys bound to each.
fn instances(now: OffsetDateTime, key_pairs: &[KeyPair]) -> Vec<Instance> {
    INSTANCES
        .iter()
        .enumerate()
        .map(
            |(n, (name, region, os, state, private_ip, public_ip, keys))| Instance {
                id: random_id("ins-"),
                name: (*name).into(),
                region: (*region).into(),
                os: *os,
                state: *state,
                private_ip: (*private_ip).into(),
                public_ip: public_ip.map(Into::into),
                key_ids: key_ids(key_pairs, keys),
                created_at: days_before(now, 200 - 10 * n as i64),
            },
        )
        .collect()
}

/// Two custom images, each carrying one key.
fn images(now: OffsetDateTime, key_pairs: &[KeyPair]) -> Vec<Image> {
    vec![
        Image {
            id: random_id("img-"),
            name: "bastion-base-2026".into(),
            region: "ap-guangzhou".into(),
            key_ids: key_ids(key_pairs, &[3]),
            created_at: days_before(now, 45),
        },
        Image {
            id: random_id("img-"),
            name: "ci-runner-golden".into(),
            region: "ap-shanghai".into(),
            key_ids: key_ids(key_pairs, &[1]),
            created_at: days_before(now, 20),
        },
    ]
}

/// Logins for the *Last login* column: (key, instance, hours ago). The other keys never
/// logged in, as is the way of keys made for a host that was never reached.
fn add_logins(now: OffsetDateTime, key_pairs: &mut [KeyPair], instances: &[Instance]) {
    for (key, instance, hours) in LOGINS {
        let (Some(k), Some(i)) = (key_pairs.get_mut(key), instances.get(instance)) else {
            continue;
        };
        k.last_login = Some(KeyLogin {
            at: Timestamp::at(now - Duration::hours(hours)),
            instance_id: i.id.clone(),
            instance_name: i.name.clone(),
            user: "root".into(),
            client_address: "203.0.113.7".into(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_demo_key_parses() {
        for k in &KEYS {
            assert!(parse_public_key(k.public_key).is_ok(), "{}", k.name);
        }
        let seed = seed();
        assert_eq!(seed.key_pairs.len(), KEYS.len());
        assert_eq!(seed.instances.len(), 12);
        assert!(seed.instances.iter().any(|i| i.os == Os::Windows));
    }
}
