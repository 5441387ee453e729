//! The rate limiter's token buckets and the server's set of them, one per kind of client
//! (see `rate_limit` for who draws on which).

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use keyrack_api::TokenRole;

/// A token bucket per key (a token's hash, a client's address): `burst` requests at once,
/// refilled at `per_minute`.
#[derive(Debug)]
pub struct RateLimiter {
    per_second: f64,
    burst: f64,
    buckets: Mutex<HashMap<[u8; 32], Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Buckets kept before idle (full) ones are dropped. When none is idle, new keys share one
/// overflow bucket: memory stays bounded whatever the keys, and keys already tracked keep
/// their own budget.
const MAX_BUCKETS: usize = 10_000;

/// The key of the overflow bucket (no token hash or address key starts with 0xff…ff).
const OVERFLOW: [u8; 32] = [0xff; 32];

impl RateLimiter {
    /// `per_minute` requests a minute per token, in bursts of up to a tenth of that (at least
    /// 1). `None` for 0, which turns the limit off.
    pub fn new(per_minute: u32) -> Option<Self> {
        if per_minute == 0 {
            return None;
        }
        let per_minute = f64::from(per_minute);
        Some(Self {
            per_second: per_minute / 60.0,
            burst: (per_minute / 10.0).max(1.0),
            buckets: Mutex::new(HashMap::new()),
        })
    }

    /// Takes one request from `key`'s bucket, or says how many whole seconds until one is
    /// available.
    pub fn check(&self, key: [u8; 32], now: Instant) -> Result<(), u64> {
        let mut buckets = self.lock();
        let key = self.make_room(&mut buckets, key, now);
        let bucket = buckets.entry(key).or_insert(Bucket {
            tokens: self.burst,
            at: now,
        });
        self.take(bucket, now)
    }

    /// Like [`check`](Self::check) for a key that has a bucket; `None` (and nothing taken)
    /// for one that has none.
    pub fn check_existing(&self, key: [u8; 32], now: Instant) -> Option<Result<(), u64>> {
        let mut buckets = self.lock();
        let bucket = buckets.get_mut(&key)?;
        Some(self.take(bucket, now))
    }

    /// Whether `key` could make a request now, without taking one.
    pub fn has_room(&self, key: [u8; 32], now: Instant) -> Result<(), u64> {
        let buckets = self.lock();
        let key = if buckets.contains_key(&key) || buckets.len() < MAX_BUCKETS {
            key
        } else {
            OVERFLOW
        };
        match buckets.get(&key) {
            None => Ok(()),
            Some(bucket) => {
                let mut bucket = *bucket;
                self.take(&mut bucket, now)
            }
        }
    }

    /// How many buckets are kept.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], Bucket>> {
        self.buckets.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The key to charge: `key`, once there is room for its bucket; the overflow bucket when
    /// the map is full of busy ones.
    fn make_room(
        &self,
        buckets: &mut HashMap<[u8; 32], Bucket>,
        key: [u8; 32],
        now: Instant,
    ) -> [u8; 32] {
        if buckets.len() < MAX_BUCKETS || buckets.contains_key(&key) {
            return key;
        }
        let (per_second, burst) = (self.per_second, self.burst);
        buckets.retain(|k, b| {
            *k == OVERFLOW
                || b.tokens + now.saturating_duration_since(b.at).as_secs_f64() * per_second < burst
        });
        if buckets.len() < MAX_BUCKETS {
            key
        } else {
            OVERFLOW
        }
    }

    fn take(&self, bucket: &mut Bucket, now: Instant) -> Result<(), u64> {
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.per_second).min(self.burst);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            let wait = (1.0 - bucket.tokens) / self.per_second;
            // Whole seconds, rounded up, at least 1: what Retry-After can say.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            Err((wait.ceil() as u64).max(1))
        }
    }
}

/// The server's rate limits; each is `None` when turned off.
#[derive(Debug, Default)]
pub struct Limits {
    /// People's tokens (admin, viewer), per token.
    pub people: Option<RateLimiter>,
    /// Instance agents' tokens, per token.
    pub agents: Option<RateLimiter>,
    /// Instance agents' writes (login reports), per token, on top of `agents`: a host
    /// reports one login per login, far fewer than sshd's lookups, and each report costs
    /// database work, so a host flooding reports is held off before any.
    pub agent_reports: Option<RateLimiter>,
    /// Requests without a valid token, per client address, charged for each refusal.
    pub clients: Option<RateLimiter>,
    /// Read the client from `X-Forwarded-For` (behind a proxy the operator runs).
    pub trusted_proxy: bool,
}

impl Limits {
    /// A token's bucket, if it signed in before: `Some(result)` of taking from it, and for
    /// an agent's write from its reports' bucket too.
    pub(super) fn check_token(
        &self,
        key: [u8; 32],
        write: bool,
        now: Instant,
    ) -> Option<Result<(), u64>> {
        if let Some(taken) = self
            .people
            .as_ref()
            .and_then(|l| l.check_existing(key, now))
        {
            return Some(taken);
        }
        let taken = self.agents.as_ref()?.check_existing(key, now)?;
        Some(taken.and_then(|()| self.check_report(key, write, now)))
    }

    /// A token proved valid: from now on it draws on its own bucket, this request first
    /// (and an agent's write on its reports' bucket too).
    pub(super) fn admit(
        &self,
        key: [u8; 32],
        role: TokenRole,
        write: bool,
        now: Instant,
    ) -> Result<(), u64> {
        let limiter = match role {
            TokenRole::Agent => &self.agents,
            TokenRole::Admin | TokenRole::Viewer => &self.people,
        };
        if let Some(limiter) = limiter {
            // A fresh bucket: never empty on its first request.
            let _ = limiter.check(key, now);
        }
        match role {
            TokenRole::Agent => self.check_report(key, write, now),
            TokenRole::Admin | TokenRole::Viewer => Ok(()),
        }
    }

    /// An agent's write draws on its reports' bucket; its reads do not.
    fn check_report(&self, key: [u8; 32], write: bool, now: Instant) -> Result<(), u64> {
        match (&self.agent_reports, write) {
            (Some(reports), true) => reports.check(key, now),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn bucket_allows_a_burst_then_refills() {
        let limiter = RateLimiter::new(60).expect("on");
        let t0 = Instant::now();
        for _ in 0..6 {
            assert_eq!(limiter.check([1; 32], t0), Ok(()));
        }
        assert_eq!(limiter.check([1; 32], t0), Err(1));
        // Another token has its own bucket.
        assert_eq!(limiter.check([2; 32], t0), Ok(()));
        // One per second comes back.
        assert_eq!(limiter.check([1; 32], t0 + Duration::from_secs(1)), Ok(()));
        assert_eq!(limiter.check([1; 32], t0 + Duration::from_secs(1)), Err(1));
    }

    #[test]
    fn zero_turns_it_off() {
        assert!(RateLimiter::new(0).is_none());
    }

    #[test]
    fn memory_is_bounded_when_every_bucket_is_busy() {
        let limiter = RateLimiter::new(60).expect("on");
        let t0 = Instant::now();
        for i in 0..(MAX_BUCKETS as u32 + 5_000) {
            let mut key = [0; 32];
            key[..4].copy_from_slice(&i.to_le_bytes());
            let _ = limiter.check(key, t0);
        }
        // The map is full plus the shared overflow bucket; a tracked key keeps its own.
        assert_eq!(limiter.len(), MAX_BUCKETS + 1);
        assert!(limiter.check_existing([0; 32], t0).is_some());
        assert_eq!(limiter.has_room([9; 32], t0), Err(1));
    }

    #[test]
    fn has_room_takes_nothing() {
        let limiter = RateLimiter::new(10).expect("on");
        let t0 = Instant::now();
        assert_eq!(limiter.check([1; 32], t0), Ok(()));
        for _ in 0..5 {
            assert_eq!(limiter.has_room([1; 32], t0), Err(6));
        }
        assert_eq!(limiter.has_room([2; 32], t0), Ok(()));
        assert_eq!(limiter.len(), 1);
    }
}
