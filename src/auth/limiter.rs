//! A per-address limit on login attempts (sliding one-minute window, in memory: each instance
//! limits on its own; the account lockout in the database is shared). An IPv6 client owns a whole
//! /64, so IPv6 addresses are counted by their /64 prefix; IPv4 addresses one by one.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Counts recent attempts per client address.
#[derive(Debug)]
pub struct LoginLimiter {
    per_minute: usize,
    attempts: Mutex<HashMap<IpAddr, VecDeque<Instant>>>,
}

const WINDOW: Duration = Duration::from_secs(60);
/// Above this many tracked addresses, stale entries are swept.
const SWEEP_ABOVE: usize = 10_000;

impl LoginLimiter {
    /// A limiter allowing `per_minute` attempts per address.
    pub fn new(per_minute: u32) -> Self {
        Self {
            per_minute: usize::try_from(per_minute.max(1)).unwrap_or(usize::MAX),
            attempts: Mutex::new(HashMap::new()),
        }
    }

    /// Counts an attempt from `ip` at `now`; `Err(seconds)` when over the limit.
    pub fn check(&self, ip: IpAddr, now: Instant) -> Result<(), u64> {
        let Ok(mut attempts) = self.attempts.lock() else {
            return Ok(());
        };
        if attempts.len() > SWEEP_ABOVE {
            attempts.retain(|_, times| {
                times
                    .back()
                    .is_some_and(|t| now.duration_since(*t) < WINDOW)
            });
        }
        let times = attempts.entry(counted_as(ip)).or_default();
        while times
            .front()
            .is_some_and(|t| now.duration_since(*t) >= WINDOW)
        {
            times.pop_front();
        }
        if times.len() >= self.per_minute {
            let oldest = times.front().copied().unwrap_or(now);
            let wait = WINDOW.saturating_sub(now.duration_since(oldest));
            return Err(wait.as_secs().max(1));
        }
        times.push_back(now);
        Ok(())
    }
}

/// The address an attempt is counted under: an IPv6 address's /64 network (an IPv4 address written
/// as IPv6 is the IPv4 address), an IPv4 address itself.
pub fn counted_as(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(std::net::Ipv6Addr::from_bits(
                v6.to_bits() & !u128::from(u64::MAX),
            )),
        },
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_each_address_separately_and_recovers() {
        let limiter = LoginLimiter::new(3);
        let (a, b): (IpAddr, IpAddr) = ([10, 0, 0, 1].into(), [10, 0, 0, 2].into());
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(limiter.check(a, t0).is_ok());
        }
        let wait = limiter.check(a, t0).err();
        assert!(wait.is_some_and(|w| (1..=60).contains(&w)), "{wait:?}");
        assert!(limiter.check(b, t0).is_ok(), "other address unaffected");
        assert!(limiter.check(a, t0 + WINDOW).is_ok(), "window slides");
    }

    #[test]
    fn ipv6_addresses_of_one_64_share_a_limit() {
        let limiter = LoginLimiter::new(2);
        let ip = |t: &str| t.parse::<IpAddr>().unwrap_or(IpAddr::from([0, 0, 0, 0]));
        let t0 = Instant::now();
        assert!(limiter.check(ip("2001:db8:1:2::1"), t0).is_ok());
        assert!(
            limiter
                .check(ip("2001:db8:1:2:ffff:eeee:dddd:cccc"), t0)
                .is_ok()
        );
        assert!(
            limiter.check(ip("2001:db8:1:2::99"), t0).is_err(),
            "a third address of the same /64"
        );
        assert!(
            limiter.check(ip("2001:db8:1:3::1"), t0).is_ok(),
            "the next /64 is someone else"
        );
        assert_eq!(counted_as(ip("::ffff:10.0.0.1")), ip("10.0.0.1"));
        assert_eq!(counted_as(ip("10.0.0.1")), ip("10.0.0.1"));
    }
}
