//! argon2id password hashing. A dummy hash is verified for unknown users so that the time a
//! login takes does not tell which usernames exist (zero-to-production's defence).

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::RngCore;

use crate::config::AuthSettings;

/// Hashes and verifies passwords with the configured argon2id parameters. Call it from the
/// blocking thread pool (it takes tens of milliseconds by design).
#[derive(Clone)]
pub struct PasswordHasher {
    argon: Argon2<'static>,
    dummy_hash: String,
}

impl std::fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordHasher")
    }
}

/// The hashing parameters are unusable.
#[derive(Debug, thiserror::Error)]
#[error("argon2 parameters: {0}")]
pub struct HashError(String);

impl PasswordHasher {
    /// A hasher with the settings' parameters; computes the dummy hash once.
    pub fn new(settings: &AuthSettings) -> Result<Self, HashError> {
        let params = Params::new(
            settings.argon2_memory_kib,
            settings.argon2_iterations,
            settings.argon2_parallelism,
            None,
        )
        .map_err(|e| HashError(e.to_string()))?;
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let mut random = [0u8; 24];
        rand::rng().fill_bytes(&mut random);
        let dummy_hash = argon
            .hash_password(&random, &fresh_salt()?)
            .map_err(|e| HashError(e.to_string()))?
            .to_string();
        Ok(Self { argon, dummy_hash })
    }

    /// The PHC string of a new hash of `password`, with a fresh salt.
    pub fn hash(&self, password: &str) -> Result<String, HashError> {
        self.argon
            .hash_password(password.as_bytes(), &fresh_salt()?)
            .map(|h| h.to_string())
            .map_err(|e| HashError(e.to_string()))
    }

    /// Whether `password` matches `stored`; with no stored hash, verifies against the dummy
    /// hash (same cost) and answers `false`.
    pub fn verify(&self, password: &str, stored: Option<&str>) -> bool {
        match stored {
            Some(hash) => PasswordHash::new(hash).is_ok_and(|hash| {
                self.argon
                    .verify_password(password.as_bytes(), &hash)
                    .is_ok()
            }),
            None => {
                if let Ok(dummy) = PasswordHash::new(&self.dummy_hash) {
                    let _ = self.argon.verify_password(password.as_bytes(), &dummy);
                }
                false
            }
        }
    }
}

/// A random 16-byte salt.
fn fresh_salt() -> Result<SaltString, HashError> {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    SaltString::encode_b64(&bytes).map_err(|e| HashError(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> AuthSettings {
        AuthSettings {
            access_token_minutes: 15,
            session_hours: 12,
            web_idle_minutes: 60,
            lockout_failures: 5,
            lockout_window_minutes: 15,
            lockout_minutes: 15,
            login_per_ip_per_minute: 30,
            argon2_memory_kib: 19456,
            argon2_iterations: 2,
            argon2_parallelism: 1,
            secure_cookies: false,
        }
    }

    #[test]
    fn hashes_are_argon2id_salted_and_verify() -> Result<(), HashError> {
        let hasher = PasswordHasher::new(&settings())?;
        let a = hasher.hash("kopi tubruk di pelabuhan")?;
        let b = hasher.hash("kopi tubruk di pelabuhan")?;
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{a}");
        assert_ne!(a, b, "salted");
        assert!(hasher.verify("kopi tubruk di pelabuhan", Some(&a)));
        assert!(!hasher.verify("kopi tubruk di pelabuhan!", Some(&a)));
        assert!(!hasher.verify("kopi tubruk di pelabuhan", None));
        assert!(!hasher.verify("x", Some("not a hash")));
        Ok(())
    }
}
