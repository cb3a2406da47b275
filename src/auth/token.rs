//! Access tokens (JWT, HS256 pinned, issuer, audience and expiry checked) bound to a
//! server-side session, and the opaque secrets used for refresh tokens and web cookies, which
//! are stored only as SHA-256 hashes.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// `iss` of every access token.
pub const ISSUER: &str = "rujukan";
/// `aud` of every access token.
pub const AUDIENCE: &str = "rujukan-api";

/// Claims of an access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// User id.
    pub sub: String,
    /// Session id: the token is valid only while this session is.
    pub sid: String,
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// Issued at (seconds).
    pub iat: i64,
    /// Expires at (seconds).
    pub exp: i64,
}

/// A token that must be refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid access token: {0}")]
pub struct TokenError(String);

/// Signing and checking keys, derived from `security.jwt_secret`.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    csrf_key: Vec<u8>,
    /// Access-token lifetime in seconds.
    pub access_ttl_secs: i64,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKeys([REDACTED])")
    }
}

impl TokenKeys {
    /// Keys for `secret`, issuing tokens that live `access_ttl_secs`.
    pub fn new(secret: &SecretString, access_ttl_secs: i64) -> Self {
        super::jwt_hmac::install();
        let bytes = secret.expose_secret().as_bytes();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 5;
        validation.validate_exp = true;
        let mut csrf = Sha256::new();
        csrf.update(b"rujukan csrf key\0");
        csrf.update(bytes);
        Self {
            encoding: EncodingKey::from_secret(bytes),
            decoding: DecodingKey::from_secret(bytes),
            validation,
            csrf_key: csrf.finalize().to_vec(),
            access_ttl_secs,
        }
    }

    /// Signs an access token for `user_id` in `session_id`, issued at `now`.
    pub fn issue(
        &self,
        user_id: i64,
        session_id: &str,
        now: DateTime<Utc>,
    ) -> Result<String, TokenError> {
        let claims = Claims {
            sub: user_id.to_string(),
            sid: session_id.to_owned(),
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
            iat: now.timestamp(),
            exp: now.timestamp() + self.access_ttl_secs,
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| TokenError(e.to_string()))
    }

    /// Checks signature, algorithm, issuer, audience and expiry (against the real clock).
    pub fn check(&self, token: &str) -> Result<Claims, TokenError> {
        decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|e| TokenError(e.to_string()))
    }

    /// The CSRF token of a web session: an HMAC of its id, so nothing extra is stored.
    pub fn csrf_token(&self, session_id: &str) -> String {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.csrf_key) else {
            return String::new();
        };
        mac.update(session_id.as_bytes());
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }

    /// Whether `token` is the CSRF token of `session_id` (constant-time comparison).
    pub fn csrf_matches(&self, session_id: &str, token: &str) -> bool {
        let Ok(given) = URL_SAFE_NO_PAD.decode(token.trim()) else {
            return false;
        };
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.csrf_key) else {
            return false;
        };
        mac.update(session_id.as_bytes());
        mac.verify_slice(&given).is_ok()
    }
}

/// A new random secret (32 bytes, base64url): refresh tokens and web cookie secrets.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The stored form of a secret: SHA-256, hex. (The secrets are random, so no salt is needed.)
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> TokenKeys {
        TokenKeys::new(
            &SecretString::from("a-test-signing-secret-of-enough-length-42"),
            900,
        )
    }

    #[test]
    fn issued_tokens_check() -> Result<(), TokenError> {
        let keys = keys();
        let token = keys.issue(7, "s-1", Utc::now())?;
        let claims = keys.check(&token)?;
        assert_eq!((claims.sub.as_str(), claims.sid.as_str()), ("7", "s-1"));
        Ok(())
    }

    #[test]
    fn refused_tokens() -> Result<(), TokenError> {
        let keys = keys();
        let expired = keys.issue(7, "s", Utc::now() - chrono::Duration::seconds(1000))?;
        assert!(keys.check(&expired).is_err(), "expired");

        let other = TokenKeys::new(
            &SecretString::from("another-signing-secret-of-enough-length"),
            900,
        );
        assert!(
            keys.check(&other.issue(7, "s", Utc::now())?).is_err(),
            "wrong key"
        );

        let good = keys.issue(7, "s", Utc::now())?;
        let mut parts: Vec<String> = good.split('.').map(str::to_owned).collect();
        let payload = String::from_utf8(
            URL_SAFE_NO_PAD
                .decode(&parts[1])
                .map_err(|e| TokenError(e.to_string()))?,
        )
        .map_err(|e| TokenError(e.to_string()))?;
        parts[1] = URL_SAFE_NO_PAD.encode(payload.replace("\"sub\":\"7\"", "\"sub\":\"1\""));
        assert!(keys.check(&parts.join(".")).is_err(), "tampered");

        let none_header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
        let unsigned = format!("{none_header}.{}.", URL_SAFE_NO_PAD.encode(payload));
        assert!(keys.check(&unsigned).is_err(), "alg none");

        let wrong_audience = encode(
            &Header::new(Algorithm::HS256),
            &Claims {
                sub: "7".into(),
                sid: "s".into(),
                iss: ISSUER.into(),
                aud: "someone-else".into(),
                iat: Utc::now().timestamp(),
                exp: Utc::now().timestamp() + 60,
            },
            &EncodingKey::from_secret(b"a-test-signing-secret-of-enough-length-42"),
        )
        .map_err(|e| TokenError(e.to_string()))?;
        assert!(keys.check(&wrong_audience).is_err(), "wrong audience");
        Ok(())
    }

    #[test]
    fn csrf_tokens_are_bound_to_the_session() {
        let keys = keys();
        let token = keys.csrf_token("s-1");
        assert!(keys.csrf_matches("s-1", &token));
        assert!(!keys.csrf_matches("s-2", &token));
        assert!(!keys.csrf_matches("s-1", "forged"));
    }

    #[test]
    fn secrets_are_random_and_hashed() {
        let (a, b) = (new_secret(), new_secret());
        assert_ne!(a, b);
        assert_eq!(hash_secret(&a).len(), 64);
        assert_ne!(hash_secret(&a), a);
    }
}
