//! Seeds a database with a large, realistic data set for `cargo xtask bench --load`:
//! distinct Ed25519 key pairs (two tags each), Linux instances over three regions, about a
//! fifth of them with one to three bound keys.
//!
//! ```text
//! cargo run --release -p keyrack-server --example load_seed -- \
//!     --database sqlite://target/load.db --keys 100000 --instances 10000 \
//!     [--manifest PATH]
//! ```
//!
//! With `--manifest`, writes a JSON file of ids the load generator needs (every instance id,
//! a sample of key ids, one key's id and fingerprint). Prints how long seeding took.

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use keyrack_api::{
    parse_public_key, Instance, InstanceState, KeyLogin, KeyPair, Origin, Os, Region, Tag,
    Timestamp,
};
use keyrack_server::store::Seed;
use keyrack_server::Store;
use time::{Duration, OffsetDateTime};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

const REGIONS: [(&str, &str); 3] = [
    ("ap-guangzhou", "South China (Guangzhou)"),
    ("ap-shanghai", "East China (Shanghai)"),
    ("na-siliconvalley", "West US (Silicon Valley)"),
];
const ENVS: [&str; 3] = ["prod", "staging", "dev"];
const TEAMS: usize = 20;
/// Key ids written to the manifest (the load generator rotates over them).
const MANIFEST_KEYS: usize = 20_000;
/// Keys bound per instance, at most: well under the API's limit of 16.
const MAX_BOUND: usize = 3;

struct Args {
    database: String,
    keys: usize,
    instances: usize,
    manifest: Option<String>,
}

fn parse_args() -> Result<Args, BoxError> {
    let mut args = Args {
        database: String::new(),
        keys: 100_000,
        instances: 10_000,
        manifest: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--database" => args.database = value()?,
            "--keys" => args.keys = value()?.parse()?,
            "--instances" => args.instances = value()?.parse()?,
            "--manifest" => args.manifest = Some(value()?),
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    if args.database.is_empty() {
        return Err(
            "usage: load_seed --database URL [--keys N] [--instances N] [--manifest PATH]".into(),
        );
    }
    Ok(args)
}

/// A small, fast PRNG (xorshift64*) seeded from the OS: choices only, never key material.
struct Rng(u64);

impl Rng {
    fn new() -> Result<Self, BoxError> {
        let mut seed = [0u8; 8];
        getrandom::getrandom(&mut seed)?;
        Ok(Self(u64::from_le_bytes(seed) | 1))
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (n > 0; the bias is negligible for the small n used here).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const ID_ALPHABET: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";

/// `prefix` and 8 characters of `[0-9a-z]`, distinct from every id in `taken`.
fn unique_id(prefix: &str, rng: &mut Rng, taken: &mut HashSet<String>) -> String {
    loop {
        let mut id = String::with_capacity(prefix.len() + 8);
        id.push_str(prefix);
        for _ in 0..8 {
            id.push(char::from(ID_ALPHABET[rng.below(36)]));
        }
        if taken.insert(id.clone()) {
            return id;
        }
    }
}

/// `ssh-ed25519 <base64>` of a random 32-byte point: the SSH wire blob is
/// string("ssh-ed25519") string(key), each string a big-endian u32 length and the bytes.
fn ed25519_line(key: &[u8; 32]) -> String {
    const ALG: &[u8] = b"ssh-ed25519";
    let mut blob = Vec::with_capacity(4 + ALG.len() + 4 + 32);
    blob.extend_from_slice(&(ALG.len() as u32).to_be_bytes());
    blob.extend_from_slice(ALG);
    blob.extend_from_slice(&32u32.to_be_bytes());
    blob.extend_from_slice(key);
    format!("ssh-ed25519 {}", STANDARD.encode(blob))
}

fn build(args: &Args) -> Result<Seed, BoxError> {
    let mut rng = Rng::new()?;
    let start = OffsetDateTime::now_utc() - Duration::days(366);
    let year_ms: u64 = 365 * 24 * 3600 * 1000;
    let at = |rng: &mut Rng| {
        let ms = rng.next() % year_ms;
        Timestamp::at(start + Duration::milliseconds(ms as i64))
    };

    let mut ids = HashSet::with_capacity(args.keys + args.instances);
    let mut fingerprints = HashSet::with_capacity(args.keys);
    let mut key_pairs = Vec::with_capacity(args.keys);
    let mut material = vec![0u8; 32 * 1024];
    let mut used = material.len();
    while key_pairs.len() < args.keys {
        if used == material.len() {
            getrandom::getrandom(&mut material)?;
            used = 0;
        }
        let mut key = [0u8; 32];
        key.copy_from_slice(&material[used..used + 32]);
        used += 32;
        let info = parse_public_key(&ed25519_line(&key))
            .map_err(|e| format!("a generated key was refused: {e}"))?;
        if !fingerprints.insert(info.fingerprint_sha256.clone()) {
            continue;
        }
        let n = key_pairs.len();
        let created_at = at(&mut rng);
        key_pairs.push(KeyPair {
            id: unique_id("skey-", &mut rng, &mut ids),
            name: format!("load-{n:06}"),
            description: String::new(),
            public_key: info.public_key,
            comment: format!("load-{n:06}@bench"),
            algorithm: info.algorithm,
            bits: info.bits,
            fingerprint_sha256: info.fingerprint_sha256,
            fingerprint_md5: info.fingerprint_md5,
            origin: if n % 3 == 0 {
                Origin::Generated
            } else {
                Origin::Imported
            },
            tags: vec![
                Tag::new("env", ENVS[rng.below(ENVS.len())]),
                Tag::new("team", format!("team-{:02}", rng.below(TEAMS))),
            ],
            instance_ids: Vec::new(),
            image_ids: Vec::new(),
            updated_at: created_at.clone(),
            created_at,
            version: 1,
            // One key in 20 expires, within 200 days either side of now: the status filters
            // have expired and expiring keys to find.
            expires_at: (n % 20 == 0).then(|| {
                let ms = rng.next() % (400 * 24 * 3600 * 1000);
                Timestamp::at(
                    OffsetDateTime::now_utc() - Duration::days(200)
                        + Duration::milliseconds(ms as i64),
                )
            }),
            allowed_by_policy: true,
            last_login: None,
        });
    }

    let instances: Vec<Instance> = (0..args.instances)
        .map(|n| {
            let key_ids = if !key_pairs.is_empty() && rng.below(5) == 0 {
                let want = 1 + rng.below(MAX_BOUND);
                let mut chosen: Vec<String> = Vec::with_capacity(want);
                while chosen.len() < want.min(key_pairs.len()) {
                    let id = &key_pairs[rng.below(key_pairs.len())].id;
                    if !chosen.contains(id) {
                        chosen.push(id.clone());
                    }
                }
                chosen
            } else {
                Vec::new()
            };
            let region = n % REGIONS.len();
            Instance {
                id: unique_id("ins-", &mut rng, &mut ids),
                name: format!("load-{}-{n:05}", REGIONS[region].0),
                region: REGIONS[region].0.into(),
                os: Os::Linux,
                state: InstanceState::Stopped,
                private_ip: format!("10.{}.{}.{}", region, (n / 250) % 256, n % 250 + 1),
                public_ip: None,
                key_ids,
                created_at: at(&mut rng),
            }
        })
        .collect();

    // Bound keys have logged in, each last on one of its instances some time after it was
    // made: the *Last login* order and `unused_for_days` have real spreads to read.
    let index: HashMap<String, usize> = key_pairs
        .iter()
        .enumerate()
        .map(|(n, k)| (k.id.clone(), n))
        .collect();
    for instance in &instances {
        for key_id in &instance.key_ids {
            let key = &mut key_pairs[index[key_id]];
            let at = at(&mut rng).max(key.created_at.clone());
            if key.last_login.as_ref().is_some_and(|l| l.at >= at) {
                continue;
            }
            key.last_login = Some(KeyLogin {
                at,
                instance_id: instance.id.clone(),
                instance_name: instance.name.clone(),
                user: "root".into(),
                client_address: instance.private_ip.clone(),
            });
        }
    }

    Ok(Seed {
        regions: REGIONS
            .iter()
            .map(|(id, name)| Region {
                id: (*id).into(),
                name: (*name).into(),
            })
            .collect(),
        key_pairs,
        instances,
        images: Vec::new(),
    })
}

fn manifest(seed: &Seed) -> serde_json::Value {
    // Spread the sample over the whole set, not only its start.
    let step = (seed.key_pairs.len() / MANIFEST_KEYS).max(1);
    let key_ids: Vec<&str> = seed
        .key_pairs
        .iter()
        .step_by(step)
        .map(|k| k.id.as_str())
        .collect();
    let probe = seed.key_pairs.get(seed.key_pairs.len() / 2);
    serde_json::json!({
        "keys": seed.key_pairs.len(),
        "instances": seed.instances.len(),
        "bound": seed.instances.iter().map(|i| i.key_ids.len()).sum::<usize>(),
        "key_ids": key_ids,
        "instance_ids": seed.instances.iter().map(|i| i.id.as_str()).collect::<Vec<_>>(),
        "probe_key_id": probe.map(|k| k.id.as_str()),
        "probe_fingerprint": probe.map(|k| k.fingerprint_sha256.as_str()),
    })
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let args = parse_args()?;
    let started = Instant::now();
    let seed = build(&args)?;
    let built = started.elapsed();

    let store = Store::open(&args.database).await?;
    store.migrate().await?;
    let inserting = Instant::now();
    let seeded = store.seed_if_empty(&seed).await?;
    let inserted = inserting.elapsed();
    store.close().await;
    if !seeded {
        return Err("the database holds data already; seed an empty one".into());
    }
    if let Some(path) = &args.manifest {
        std::fs::write(path, serde_json::to_vec(&manifest(&seed))?)?;
    }
    let bound: usize = seed.instances.iter().map(|i| i.key_ids.len()).sum();
    let with_keys = seed
        .instances
        .iter()
        .filter(|i| !i.key_ids.is_empty())
        .count();
    println!(
        "seeded {} key pairs, {} instances ({with_keys} with {bound} bound keys) in {:.1} s \
         (generating {:.1} s, inserting {:.1} s)",
        seed.key_pairs.len(),
        seed.instances.len(),
        started.elapsed().as_secs_f64(),
        built.as_secs_f64(),
        inserted.as_secs_f64(),
    );
    Ok(())
}
