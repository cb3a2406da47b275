//! Demo data: the seed agencies, one user per role with a password printed once, and realistic
//! synthetic cases with consents and handoffs in every status. Used by `rujukan serve --demo` and
//! `rujukan demo seed --cases N` (also the benchmark data set). Never in production.
//!
//! `serve --demo`'s few cases go through the services ([`seed_cases`]); `demo seed` makes the same
//! cases in memory and writes them in bulk ([`bulk::seed_cases_bulk`], [`plan`], [`sending`]).

pub mod bulk;
mod plan;
mod rows;
mod sending;

use std::collections::BTreeSet;
use std::path::Path;

use chrono::{Duration, NaiveDateTime};
use diesel::Connection;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;

use crate::audit::Ctx;
use crate::auth::password::PasswordHasher;
use crate::authz::Actor;
use crate::crypto::Vault;
use crate::db::{DbConnection, agencies, users};
use crate::domain::case::CaseInput;
use crate::domain::user::Role;
use crate::error::AppError;
use crate::services::handoffs::{AgreementSet, Decision, HandoffInput, HandoffView};
use crate::services::{accounts, cases, handoffs};

/// The demo users: username, agency, roles.
pub const DEMO_USERS: [(&str, &str, &[&str]); 9] = [
    ("demo.caseworker", "UPTD-PPA-JATENG", &["caseworker"]),
    ("demo.supervisor", "UPTD-PPA-JATENG", &["supervisor"]),
    ("demo.investigator", "POLDA-JATENG", &["investigator"]),
    ("demo.prosecutor", "KEJATI-JATENG", &["prosecutor"]),
    ("demo.clerk", "PN-SEMARANG", &["court_clerk"]),
    ("demo.admin", "UPTD-PPA-JATENG", &["agency_admin"]),
    ("demo.auditor", "DP3AP2KB-JATENG", &["auditor"]),
    ("demo.sysadmin", "KEMENPPPA", &["sysadmin"]),
    ("demo.bp3mi", "BP3MI-JATENG", &["caseworker"]),
];

const GIVEN: [&str; 16] = [
    "Siti", "Sri", "Dewi", "Wulan", "Ratna", "Nur", "Ani", "Yuni", "Lestari", "Rina", "Tri", "Eka",
    "Fitri", "Ika", "Dian", "Maya",
];
const FAMILY: [&str; 12] = [
    "Rahmawati",
    "Wahyuni",
    "Lestari",
    "Susanti",
    "Handayani",
    "Kurniasih",
    "Purwanti",
    "Rahayu",
    "Setyowati",
    "Maryam",
    "Hidayah",
    "Nurhayati",
];
const COUNTRIES: [&str; 6] = ["MY", "SA", "HK", "TW", "SG", "AE"];
const SECTORS: [&str; 3] = ["domestic_work", "manufacturing", "caregiving"];
const FORMS: [&str; 4] = ["physical", "psychological", "sexual", "exploitation"];
const RISKS: [&str; 4] = ["low", "medium", "high", "critical"];

fn now() -> NaiveDateTime {
    chrono::Utc::now().naive_utc()
}

/// A memorable random password that passes the policy (five words and a number).
fn passphrase(rng: &mut StdRng) -> String {
    const WORDS: [&str; 24] = [
        "kopi",
        "pelabuhan",
        "merapi",
        "sawah",
        "batik",
        "gamelan",
        "ombak",
        "cengkeh",
        "wayang",
        "rinjani",
        "kenari",
        "layang",
        "perahu",
        "tembakau",
        "jati",
        "angklung",
        "bakso",
        "senja",
        "kabut",
        "nangka",
        "serabi",
        "lumbung",
        "cempaka",
        "garuda",
    ];
    let words: Vec<&str> = (0..5)
        .map(|_| WORDS[rng.random_range(0..WORDS.len())])
        .collect();
    format!("{}-{}", words.join("-"), rng.random_range(10..100))
}

/// Whether the database has no agency yet.
pub fn is_empty(conn: &mut DbConnection) -> Result<bool, AppError> {
    Ok(agencies::count(conn)? == 0)
}

/// Loads the seed agencies (if missing) and creates the demo users (if missing); returns the
/// passwords of the users created now, to be printed once.
pub fn seed_people(
    conn: &mut DbConnection,
    hasher: &PasswordHasher,
    agencies_file: &Path,
) -> Result<Vec<(String, String)>, AppError> {
    let ctx = Ctx::operator(now());
    let entries = crate::seed::read_agencies(agencies_file)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?;
    crate::seed::import_agencies(conn, &ctx, entries)?;
    let mut rng = StdRng::from_os_rng();
    let mut created = Vec::new();
    for (username, agency, roles) in DEMO_USERS {
        if users::by_username(conn, username)?.is_some() {
            continue;
        }
        let password = passphrase(&mut rng);
        accounts::create_user(
            conn,
            &ctx,
            hasher,
            accounts::UserInput {
                username: username.to_owned(),
                display_name: Some(format!("Demo {}", roles[0].replace('_', " "))),
                email: Some(format!("{username}@demo.rujukan.invalid")),
                agency: agency.to_owned(),
                roles: roles.iter().map(|r| (*r).to_owned()).collect(),
                language: None,
                password: password.clone(),
            },
        )?;
        created.push((username.to_owned(), password));
    }
    Ok(created)
}

fn actor(conn: &mut DbConnection, username: &str) -> Result<Actor, AppError> {
    let user = users::by_username(conn, username)?.ok_or(AppError::NotFound)?;
    let roles: BTreeSet<Role> = users::roles(conn, user.id)?
        .iter()
        .filter_map(|r| Role::parse(r).ok())
        .collect();
    let (agency_code, _, _, province) = users::agency_of(conn, user.agency_id)?;
    Ok(Actor {
        user_id: user.id,
        username: user.username,
        agency_id: user.agency_id,
        agency_code,
        province,
        roles,
    })
}

/// The demo users who take, report and answer the demo cases.
#[derive(Debug, Clone)]
struct Cast {
    caseworker: Actor,
    supervisor: Actor,
    bp3mi: Actor,
    police: Actor,
}

fn ctx_for(actor: &Actor, at: NaiveDateTime) -> Ctx {
    Ctx {
        actor: Some(actor.clone()),
        request_id: Some("demo".to_owned()),
        client_ip: None,
        now: at,
    }
}

/// Adds `count` synthetic cases taken in by the demo caseworkers, each with consents and most
/// with handoffs (pending, accepted, declined, withdrawn, completed; court notices), in batches
/// of one transaction per 200 cases. Returns the number of handoffs made.
pub fn seed_cases(
    conn: &mut DbConnection,
    vault: &Vault,
    set: &AgreementSet,
    count: usize,
    seed: u64,
) -> Result<usize, AppError> {
    let Cast {
        caseworker,
        supervisor,
        bp3mi,
        police,
    } = Cast::load(conn)?;
    let mut rng = StdRng::seed_from_u64(seed);
    let mut handoff_count = 0;
    let base = now();
    let mut done = 0;
    while done < count {
        let batch = (count - done).min(200);
        conn.transaction(|conn| -> Result<(), AppError> {
            for _ in 0..batch {
                handoff_count += one_case(
                    conn,
                    vault,
                    set,
                    &mut rng,
                    base,
                    [&caseworker, &supervisor, &bp3mi, &police],
                )?;
            }
            Ok(())
        })?;
        done += batch;
    }
    Ok(handoff_count)
}

/// One synthetic case taken in by the caseworker (or BP3MI), and most of the caseworker's
/// reported to the police with consent; returns the number of handoffs made.
fn one_case(
    conn: &mut DbConnection,
    vault: &Vault,
    set: &AgreementSet,
    rng: &mut StdRng,
    base: NaiveDateTime,
    [caseworker, supervisor, bp3mi, police]: [&Actor; 4],
) -> Result<usize, AppError> {
    let taker = if rng.random_bool(0.8) {
        caseworker
    } else {
        bp3mi
    };
    let (taken_at, input) = synthetic_intake(rng, base)?;
    let created = cases::create(conn, &ctx_for(taker, taken_at), vault, input)?;
    let owner_ctx = ctx_for(taker, taken_at + Duration::minutes(30));
    if !(rng.random_bool(0.7) && taker.username == caseworker.username) {
        return Ok(0);
    }
    cases::record_consent(
        conn,
        &owner_ctx,
        created.id,
        cases::ConsentInput {
            purpose: "police_report".to_owned(),
            given: true,
            recipient_agency: None,
            method: Some("written".to_owned()),
            given_by: None,
            legal_basis: None,
        },
    )?;
    let sent = send(
        conn,
        &owner_ctx,
        set,
        vault,
        created.id,
        "report-to-police",
        "POLDA-JATENG",
    )?;
    let police_ctx = ctx_for(police, taken_at + Duration::hours(rng.random_range(1..40)));
    let completed = answer_report(conn, vault, rng, &owner_ctx, &police_ctx, sent.id)?;
    let mut made = 1;
    if completed && rng.random_bool(0.5) {
        let supervisor_ctx = ctx_for(supervisor, taken_at + Duration::days(3));
        let notice = send(
            conn,
            &supervisor_ctx,
            set,
            vault,
            created.id,
            "court-notice",
            "PN-SEMARANG",
        );
        if notice.is_ok() {
            made += 1;
        }
    }
    Ok(made)
}

/// When a synthetic case was taken in, and its intake: a woman migrant worker with a random
/// name, NIK, forms of violence, destination and risk.
fn synthetic_intake(
    rng: &mut StdRng,
    base: NaiveDateTime,
) -> Result<(NaiveDateTime, CaseInput), AppError> {
    let age = rng.random_range(16..55);
    let taken_at = base - Duration::minutes(rng.random_range(0..60 * 24 * 60));
    let today = taken_at.date();
    let birth = today - Duration::days(age * 365 + rng.random_range(0..365));
    let incident = today - Duration::days(rng.random_range(1..400));
    let name = format!(
        "{} {}",
        GIVEN[rng.random_range(0..GIVEN.len())],
        FAMILY[rng.random_range(0..FAMILY.len())]
    );
    let nik = format!(
        "33{:02}{:012}",
        rng.random_range(1..30),
        rng.random_range(0..1_000_000_000_000_u64)
    );
    let forms: Vec<&str> = FORMS
        .iter()
        .copied()
        .filter(|_| rng.random_bool(0.4))
        .collect();
    let forms = if forms.is_empty() {
        vec!["psychological"]
    } else {
        forms
    };
    let sexual = forms.contains(&"sexual");
    let stage = ["pre_departure", "during_work", "after_return"][rng.random_range(0..3)];
    let body = json!({
        "survivor": {
            "full_name": name, "nik": nik, "date_of_birth": birth.to_string(), "sex": "female",
            "phone": format!("08{:010}", rng.random_range(0..10_000_000_000_u64)), "nationality": "ID", "home_province": "33"
        },
        "migrant": {
            "migration_stage": stage,
            "destination_country": COUNTRIES[rng.random_range(0..COUNTRIES.len())],
            "sector": SECTORS[rng.random_range(0..SECTORS.len())]
        },
        "incidents": [{"date": incident.to_string(), "forms": forms, "country": COUNTRIES[rng.random_range(0..COUNTRIES.len())]}],
        "risk_level": RISKS[rng.random_range(0..RISKS.len())],
        "legal_basis": if sexual { json!(["TPKS", "PMI_18_2017"]) } else { json!(["PMI_18_2017"]) },
    });
    let input: CaseInput =
        serde_json::from_value(body).map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?;
    Ok((taken_at, input))
}

/// Sends the agreement's handoff `handoff` of the case to `to_agency`, without a message.
fn send(
    conn: &mut DbConnection,
    ctx: &Ctx,
    set: &AgreementSet,
    vault: &Vault,
    case_id: i64,
    handoff: &str,
    to_agency: &str,
) -> Result<HandoffView, AppError> {
    handoffs::create(
        conn,
        ctx,
        set,
        vault,
        case_id,
        HandoffInput {
            handoff: handoff.to_owned(),
            to_agency: to_agency.to_owned(),
            agreement: None,
            message: Some(demo_message(handoff).to_owned()),
            consent_override: None,
            documents: Vec::new(),
            idempotency_key: None,
        },
    )
}

/// The sender's message of a demo handoff: what a caseworker would write to its receiver.
fn demo_message(handoff: &str) -> &'static str {
    match handoff {
        "report-to-police" => {
            "Korban bersedia melapor. Mohon dijadwalkan pemeriksaan di ruang pelayanan khusus dan \
             dikoordinasikan dengan pendamping kami."
        }
        "case-file-to-prosecutor" => "Berkas perkara tahap I terlampir untuk diteliti.",
        "protection-request" => "Korban menerima ancaman dari pelaku; mohon perlindungan segera.",
        _ => "Mohon ditindaklanjuti sesuai kesepakatan; hubungi pendamping kami bila perlu.",
    }
}

/// What becomes of a report to the police: left pending, declined, withdrawn by the owner,
/// accepted, or accepted and completed. Returns whether it was completed.
fn answer_report(
    conn: &mut DbConnection,
    vault: &Vault,
    rng: &mut StdRng,
    owner_ctx: &Ctx,
    police_ctx: &Ctx,
    handoff_id: i64,
) -> Result<bool, AppError> {
    let decisions = match rng.random_range(0..10) {
        0..=1 => vec![],
        2 => vec![(
            police_ctx,
            Decision::Decline("Incident outside Polda Jawa Tengah jurisdiction".to_owned()),
        )],
        3 => vec![(
            owner_ctx,
            Decision::Withdraw("Survivor chose not to report for now".to_owned()),
        )],
        4..=6 => vec![(police_ctx, Decision::Accept)],
        _ => vec![
            (police_ctx, Decision::Accept),
            (
                police_ctx,
                Decision::Complete("Laporan polisi diterima dan diregistrasi".to_owned()),
            ),
        ],
    };
    let completed = decisions
        .iter()
        .any(|(_, d)| matches!(d, Decision::Complete(_)));
    for (ctx, decision) in decisions {
        handoffs::decide(conn, ctx, vault, handoff_id, decision)?;
    }
    Ok(completed)
}
