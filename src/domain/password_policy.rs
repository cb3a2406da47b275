//! The password policy: at least 12 characters, not the username, and strong enough by the
//! zxcvbn estimator (score 3 of 4: "safely unguessable").

use zxcvbn::{Score, zxcvbn};

use super::Invalid;

/// Shortest accepted password, in characters.
pub const MIN_LENGTH: usize = 12;
/// Longest accepted password, in bytes (argon2 has no limit, but a bound keeps hashing cheap).
pub const MAX_LENGTH: usize = 256;

/// Checks `password` for a user; `context` holds words an attacker would try first (display
/// name, agency code, e-mail).
pub fn check(password: &str, username: &str, context: &[&str]) -> Result<(), Invalid> {
    let invalid = |message: &str| Err(Invalid::new("password", message));
    if password.chars().count() < MIN_LENGTH {
        return invalid("must be at least 12 characters");
    }
    if password.len() > MAX_LENGTH {
        return invalid("must be at most 256 bytes");
    }
    let lowered = password.to_lowercase();
    if !username.is_empty() && lowered.contains(&username.to_lowercase()) {
        return invalid("must not contain the username");
    }
    let mut inputs: Vec<&str> = vec![username];
    inputs.extend(context.iter().copied().filter(|w| !w.is_empty()));
    inputs.extend([
        "rujukan",
        "sppt",
        "pkktp",
        "password",
        "katasandi",
        "indonesia",
    ]);
    let estimate = zxcvbn(password, &inputs);
    if estimate.score() < Score::Three {
        let hint = estimate
            .feedback()
            .and_then(|f| f.warning().map(|w| w.to_string()))
            .unwrap_or_else(|| "it is too easy to guess".to_owned());
        return Err(Invalid::new(
            "password",
            format!("is too weak ({hint}); use a longer phrase of unrelated words"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_passwords_are_refused() {
        assert!(check("Xq7!pL2#", "siti", &[]).is_err());
    }

    #[test]
    fn the_username_inside_is_refused() {
        let err = check("siti.rahma-2026-kendal!", "siti.rahma", &[])
            .err()
            .map(|e| e.message)
            .unwrap_or_default();
        assert!(err.contains("username"), "{err}");
    }

    #[test]
    fn common_and_guessable_passwords_are_refused() {
        for weak in [
            "password1234",
            "123456789012",
            "qwertyuiopas",
            "aaaaaaaaaaaaaaa",
        ] {
            assert!(check(weak, "siti", &[]).is_err(), "{weak}");
        }
    }

    #[test]
    fn a_long_phrase_is_accepted() {
        assert_eq!(
            check("kopi tubruk di pelabuhan tanjung emas", "siti", &[]),
            Ok(())
        );
    }
}
