//! The HMAC signatures of JWTs (Rujukan signs and accepts HS256 only), given to `jsonwebtoken` as
//! its crypto provider. Built on the same `hmac`/`sha2` as the rest of Rujukan, so the build carries one
//! generation of the RustCrypto crates and none of the RSA and elliptic-curve code that
//! `jsonwebtoken`'s bundled providers bring. Any other family is refused.

use hmac::{Hmac, Mac};
use jsonwebtoken::crypto::{CryptoProvider, JwtSigner, JwtVerifier, KeyUtils};
use jsonwebtoken::errors::{ErrorKind, Result};
use jsonwebtoken::signature::{self, Signer, Verifier};
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey, EncodingKey};
use sha2::{Sha256, Sha384, Sha512};

/// The provider: the HMAC family only; JWK helpers are not used by Rujukan and are left
/// unimplemented. Which algorithm a token may carry is pinned by the token checks
/// (`auth::token`: HS256 only); HS384 and HS512 are here so that tests can forge them.
pub static PROVIDER: CryptoProvider = CryptoProvider {
    signer_factory: signer,
    verifier_factory: verifier,
    key_utils: KeyUtils::new_unimplemented(),
};

/// Makes [`PROVIDER`] the process's provider (again is harmless).
pub fn install() {
    let _ = PROVIDER.install_default();
}

/// An HMAC key of one algorithm, signing and checking.
enum HmacKey {
    Hs256(Hmac<Sha256>),
    Hs384(Hmac<Sha384>),
    Hs512(Hmac<Sha512>),
}

impl HmacKey {
    fn new(algorithm: Algorithm, family: AlgorithmFamily, key: &[u8]) -> Result<Self> {
        if family != AlgorithmFamily::Hmac {
            return Err(ErrorKind::InvalidKeyFormat.into());
        }
        let bad_key = |_| ErrorKind::InvalidKeyFormat;
        Ok(match algorithm {
            Algorithm::HS256 => Self::Hs256(Mac::new_from_slice(key).map_err(bad_key)?),
            Algorithm::HS384 => Self::Hs384(Mac::new_from_slice(key).map_err(bad_key)?),
            Algorithm::HS512 => Self::Hs512(Mac::new_from_slice(key).map_err(bad_key)?),
            _ => return Err(ErrorKind::InvalidAlgorithm.into()),
        })
    }

    fn tag(&self, message: &[u8]) -> Vec<u8> {
        fn run<M: Mac + Clone>(mac: &M, message: &[u8]) -> Vec<u8> {
            let mut mac = mac.clone();
            mac.update(message);
            mac.finalize().into_bytes().to_vec()
        }
        match self {
            Self::Hs256(mac) => run(mac, message),
            Self::Hs384(mac) => run(mac, message),
            Self::Hs512(mac) => run(mac, message),
        }
    }

    fn check(&self, message: &[u8], tag: &[u8]) -> bool {
        fn run<M: Mac + Clone>(mac: &M, message: &[u8], tag: &[u8]) -> bool {
            let mut mac = mac.clone();
            mac.update(message);
            // Constant-time comparison.
            mac.verify_slice(tag).is_ok()
        }
        match self {
            Self::Hs256(mac) => run(mac, message, tag),
            Self::Hs384(mac) => run(mac, message, tag),
            Self::Hs512(mac) => run(mac, message, tag),
        }
    }

    fn algorithm(&self) -> Algorithm {
        match self {
            Self::Hs256(_) => Algorithm::HS256,
            Self::Hs384(_) => Algorithm::HS384,
            Self::Hs512(_) => Algorithm::HS512,
        }
    }
}

fn signer(algorithm: &Algorithm, key: &EncodingKey) -> Result<Box<dyn JwtSigner>> {
    Ok(Box::new(HmacKey::new(
        *algorithm,
        key.family(),
        key.as_bytes(),
    )?))
}

fn verifier(algorithm: &Algorithm, key: &DecodingKey) -> Result<Box<dyn JwtVerifier>> {
    Ok(Box::new(HmacKey::new(
        *algorithm,
        key.family(),
        key.try_get_as_bytes()?,
    )?))
}

impl Signer<Vec<u8>> for HmacKey {
    fn try_sign(&self, message: &[u8]) -> std::result::Result<Vec<u8>, signature::Error> {
        Ok(self.tag(message))
    }
}

impl Verifier<Vec<u8>> for HmacKey {
    fn verify(&self, message: &[u8], tag: &Vec<u8>) -> std::result::Result<(), signature::Error> {
        if self.check(message, tag) {
            Ok(())
        } else {
            Err(signature::Error::new())
        }
    }
}

impl JwtSigner for HmacKey {
    fn algorithm(&self) -> Algorithm {
        HmacKey::algorithm(self)
    }
}

impl JwtVerifier for HmacKey {
    fn algorithm(&self) -> Algorithm {
        HmacKey::algorithm(self)
    }
}

#[cfg(test)]
mod tests {
    use jsonwebtoken::{Header, Validation, decode, encode};
    use serde::{Deserialize, Serialize};

    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Claims {
        sub: String,
        exp: i64,
    }

    fn claims() -> Claims {
        Claims {
            sub: "7".into(),
            exp: 4_102_444_800,
        }
    }

    #[test]
    fn signs_and_checks_hmac_and_refuses_other_families() -> Result<()> {
        install();
        let key = b"a secret of enough length for the test";
        let token = encode(
            &Header::new(Algorithm::HS256),
            &claims(),
            &EncodingKey::from_secret(key),
        )?;
        let read = decode::<Claims>(
            &token,
            &DecodingKey::from_secret(key),
            &Validation::new(Algorithm::HS256),
        )?;
        assert_eq!(read.claims, claims());

        let wrong_key = decode::<Claims>(
            &token,
            &DecodingKey::from_secret(b"another secret"),
            &Validation::new(Algorithm::HS256),
        );
        assert!(
            wrong_key.is_err(),
            "a token signed with another key is refused"
        );

        let head = token.rsplit_once('.').map_or("", |(head, _)| head);
        let tampered = format!("{head}.AAAA");
        assert!(
            decode::<Claims>(
                &tampered,
                &DecodingKey::from_secret(key),
                &Validation::new(Algorithm::HS256)
            )
            .is_err()
        );

        let hs512 = encode(
            &Header::new(Algorithm::HS512),
            &claims(),
            &EncodingKey::from_secret(key),
        )?;
        let pinned = decode::<Claims>(
            &hs512,
            &DecodingKey::from_secret(key),
            &Validation::new(Algorithm::HS256),
        );
        assert!(pinned.is_err(), "a token of another algorithm is refused");
        for other in [Algorithm::RS256, Algorithm::ES256, Algorithm::EdDSA] {
            let signed = encode(
                &Header::new(other),
                &claims(),
                &EncodingKey::from_secret(key),
            );
            assert!(signed.is_err(), "{other:?} is not signed");
        }
        Ok(())
    }
}
