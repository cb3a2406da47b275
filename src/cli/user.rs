//! `rujukan user add`.

use clap::{Args, Subcommand};

use super::{DatabaseArgs, apply_database_url, now, one_line, open, say};
use crate::audit::Ctx;
use crate::auth::password::PasswordHasher;
use crate::config::Settings;
use crate::services::accounts::{self, UserInput};

/// `rujukan user …`
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user; the password is read as one line from standard input.
    Add(UserAddArgs),
}

/// Options of `user add`.
#[derive(Debug, Args)]
pub struct UserAddArgs {
    /// Login name.
    #[arg(long)]
    pub username: String,
    /// Agency code.
    #[arg(long)]
    pub agency: String,
    /// Role (repeat for several): caseworker, supervisor, investigator, prosecutor, court_clerk, agency_admin, auditor, sysadmin.
    #[arg(long = "role", required = true)]
    pub roles: Vec<String>,
    /// E-mail.
    #[arg(long)]
    pub email: Option<String>,
    /// Display name (default: the username).
    #[arg(long)]
    pub display_name: Option<String>,
    /// Language: id (default) or en.
    #[arg(long)]
    pub language: Option<String>,
    /// Database options.
    #[command(flatten)]
    pub database: DatabaseArgs,
}

/// `user add`: the password is read as one line from standard input.
pub(super) fn add(mut settings: Settings, args: UserAddArgs) -> anyhow::Result<()> {
    apply_database_url(
        &mut settings,
        DatabaseArgs {
            database_url: args.database.database_url.clone(),
        },
    )?;
    let mut password = String::new();
    std::io::stdin()
        .read_line(&mut password)
        .map_err(|e| anyhow::anyhow!("cannot read the password from standard input: {e}"))?;
    let password = password.trim_end_matches(['\n', '\r']).to_owned();
    if password.is_empty() {
        anyhow::bail!("password: give it as one line on standard input");
    }
    let hasher = PasswordHasher::new(&settings.auth)?;
    let input = UserInput {
        username: args.username,
        display_name: args.display_name,
        email: args.email,
        agency: args.agency,
        roles: args.roles,
        language: args.language,
        password,
    };
    let mut conn = open(&settings)?;
    let view = accounts::create_user(&mut conn, &Ctx::operator(now()), &hasher, input)
        .map_err(one_line)?;
    say(&format!(
        "user {} created (id {}, agency {}, roles {})",
        view.user.username,
        view.user.id,
        view.agency_code,
        view.roles.join(",")
    ));
    Ok(())
}
