//! Which database a URL names. Rujukan picks the backend from the URL scheme itself, so that a
//! PostgreSQL connection error reaches the operator as PostgreSQL said it (STYLE.md A5).

use std::fmt;
use std::path::PathBuf;

/// A parsed `database.url`.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// `postgres://…` or `postgresql://…`, passed to libpq as given.
    Postgres(String),
    /// `sqlite://PATH`: a file, relative to the working directory unless absolute.
    Sqlite(PathBuf),
}

/// Which backend a connection talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// PostgreSQL.
    Postgres,
    /// SQLite.
    Sqlite,
}

impl Backend {
    /// Lower-case name used in metrics and health answers.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Postgres => "postgres",
            Backend::Sqlite => "sqlite",
        }
    }
}

/// A `database.url` that names no usable database.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    /// Neither `sqlite:` nor `postgres:`.
    #[error(
        "database.url: unsupported scheme {0:?}; use sqlite://PATH or postgres://USER@HOST:PORT/DATABASE"
    )]
    UnsupportedScheme(String),
    /// No scheme at all.
    #[error(
        "database.url: {0:?} has no scheme; use sqlite://PATH or postgres://USER@HOST:PORT/DATABASE"
    )]
    NoScheme(String),
    /// `sqlite://` with nothing after it, or an in-memory database.
    #[error("database.url: {0}")]
    BadSqlitePath(&'static str),
    /// `postgres://` without a host or database part.
    #[error(
        "database.url: a PostgreSQL URL needs a host, e.g. postgres://postgres@127.0.0.1:5432/rujukan"
    )]
    BadPostgres,
}

/// The PostgreSQL connection string Rujukan hands to libpq: GSSAPI encryption is switched off
/// (`gssencmode=disable`) unless the URL asks for it. Rujukan does not use Kerberos, and libpq's
/// GSSAPI probe is not safe when a pool opens connections from several threads at once (it crashes
/// the process), as reported for other libpq clients.
pub fn libpq_url(url: &str) -> String {
    if url.contains("gssencmode=") {
        url.to_owned()
    } else if url.contains('?') {
        format!("{url}&gssencmode=disable")
    } else {
        format!("{url}?gssencmode=disable")
    }
}

impl DatabaseUrl {
    /// Parses a URL; errors name the key and never echo a password.
    pub fn parse(url: &str) -> Result<Self, UrlError> {
        let url = url.trim();
        let Some((scheme, rest)) = url.split_once(':') else {
            return Err(UrlError::NoScheme(redact(url)));
        };
        match scheme.to_ascii_lowercase().as_str() {
            "postgres" | "postgresql" => {
                let after = rest.strip_prefix("//").ok_or(UrlError::BadPostgres)?;
                if after.is_empty() || after.starts_with('/') && after.len() == 1 {
                    return Err(UrlError::BadPostgres);
                }
                Ok(Self::Postgres(url.to_owned()))
            }
            "sqlite" => {
                let path = rest.strip_prefix("//").unwrap_or(rest);
                let path = path.split('?').next().unwrap_or_default();
                if path.is_empty() {
                    return Err(UrlError::BadSqlitePath(
                        "sqlite:// needs a file path, e.g. sqlite://data/rujukan.db",
                    ));
                }
                if path == ":memory:" || path.starts_with("file::memory:") {
                    return Err(UrlError::BadSqlitePath(
                        "an in-memory SQLite database is not supported (each pooled connection would see its own); use a file",
                    ));
                }
                Ok(Self::Sqlite(PathBuf::from(path)))
            }
            other if other.len() == 1 => Err(UrlError::NoScheme(redact(url))),
            other => Err(UrlError::UnsupportedScheme(other.to_owned())),
        }
    }

    /// The backend this URL selects.
    pub fn backend(&self) -> Backend {
        match self {
            Self::Postgres(_) => Backend::Postgres,
            Self::Sqlite(_) => Backend::Sqlite,
        }
    }
}

/// Shows the URL with any password replaced, for logs and errors.
impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Postgres(url) => f.write_str(&redact(url)),
            Self::Sqlite(path) => write!(f, "sqlite://{}", path.display()),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Replaces the password of `scheme://user:password@host` with `***`.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _password)) => format!("{scheme}://{user}:***@{host}{tail}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn libpq_never_probes_gssapi_unless_asked() {
        assert_eq!(
            libpq_url("postgres://u@h/db"),
            "postgres://u@h/db?gssencmode=disable"
        );
        assert_eq!(
            libpq_url("postgres://u@h/db?sslmode=require"),
            "postgres://u@h/db?sslmode=require&gssencmode=disable"
        );
        assert_eq!(
            libpq_url("postgres://u@h/db?gssencmode=require"),
            "postgres://u@h/db?gssencmode=require"
        );
    }

    use super::*;

    #[test]
    fn backend_comes_from_the_scheme() {
        assert_eq!(
            DatabaseUrl::parse("sqlite://data/rujukan.db"),
            Ok(DatabaseUrl::Sqlite(PathBuf::from("data/rujukan.db")))
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:///var/lib/rujukan/r.db"),
            Ok(DatabaseUrl::Sqlite(PathBuf::from("/var/lib/rujukan/r.db")))
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:data/r.db"),
            Ok(DatabaseUrl::Sqlite(PathBuf::from("data/r.db")))
        );
        for url in [
            "postgres://postgres@127.0.0.1:5432/x",
            "postgresql://u:p@db/x?sslmode=require",
        ] {
            assert_eq!(
                DatabaseUrl::parse(url).map(|u| u.backend()),
                Ok(Backend::Postgres),
                "{url}"
            );
        }
    }

    #[test]
    fn bad_urls_are_refused_with_a_reason() {
        assert!(
            matches!(DatabaseUrl::parse("mysql://root@localhost/x"), Err(UrlError::UnsupportedScheme(s)) if s == "mysql")
        );
        assert!(matches!(
            DatabaseUrl::parse("data/rujukan.db"),
            Err(UrlError::NoScheme(_))
        ));
        assert!(matches!(
            DatabaseUrl::parse("C:/data/x.db"),
            Err(UrlError::NoScheme(_))
        ));
        assert!(matches!(
            DatabaseUrl::parse("sqlite://"),
            Err(UrlError::BadSqlitePath(_))
        ));
        assert!(matches!(
            DatabaseUrl::parse("sqlite::memory:"),
            Err(UrlError::BadSqlitePath(_))
        ));
        assert!(matches!(
            DatabaseUrl::parse("postgres://"),
            Err(UrlError::BadPostgres)
        ));
        assert!(matches!(
            DatabaseUrl::parse("postgres:x"),
            Err(UrlError::BadPostgres)
        ));
    }

    #[test]
    fn passwords_never_print() {
        let url = DatabaseUrl::parse("postgres://rujukan:s3cret@db.internal:5432/rujukan").ok();
        let shown = url.map(|u| u.to_string()).unwrap_or_default();
        assert_eq!(shown, "postgres://rujukan:***@db.internal:5432/rujukan");
        assert_eq!(
            redact("postgres://postgres@127.0.0.1/x"),
            "postgres://postgres@127.0.0.1/x"
        );
    }
}
