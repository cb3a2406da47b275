//! Answers written out: CSV of one answer, and the SIMFONI-PPA export (one protected table per
//! SIMFONI group), each recorded as an export.

use super::{ALL_SUPPRESSED, Figure, Grid, StatsQuery, answer, record_export};
use crate::audit::Ctx;
use crate::db::DbConnection;
use crate::error::AppError;
use crate::stats::facts::UNKNOWN;

/// The answer as CSV: one line per cell (`row,column,value`), suppressed cells empty with a
/// `suppressed` flag, totals last; every text cell neutralised against spreadsheet formulas.
pub fn to_csv(answer: &Grid) -> String {
    use crate::services::audit_trail::neutralise;
    let esc = |s: &str| {
        let s = neutralise(s);
        if s.contains([',', '"', '\n']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.into_owned()
        }
    };
    let by = |i: usize| {
        answer
            .by
            .get(i)
            .cloned()
            .unwrap_or_else(|| "all".to_owned())
    };
    let mut out = format!(
        "indicator,from,to,province,agency,{},{},value,suppressed\n",
        esc(&by(0)),
        esc(&by(1))
    );
    let head = format!(
        "{},{},{},{},{}",
        esc(&answer.indicator),
        answer.from,
        answer.to,
        esc(answer.province.as_deref().unwrap_or("")),
        esc(answer.agency.as_deref().unwrap_or(""))
    );
    let line = |out: &mut String, r: &str, c: &str, f: &Figure| {
        out.push_str(&format!(
            "{head},{},{},{},{}\n",
            esc(r),
            esc(c),
            f.value.map(|v| v.to_string()).unwrap_or_default(),
            if f.suppressed { "yes" } else { "" }
        ));
    };
    for (i, r) in answer.rows.iter().enumerate() {
        for (j, c) in answer.cols.iter().enumerate() {
            line(&mut out, r, c, &answer.cells[i][j]);
        }
    }
    for (r, f) in answer.rows.iter().zip(&answer.row_totals) {
        line(&mut out, r, "total", f);
    }
    for (c, f) in answer.cols.iter().zip(&answer.col_totals) {
        line(&mut out, "total", c, f);
    }
    line(&mut out, "total", "total", &answer.total);
    out
}

/// The SIMFONI-PPA-shaped export: for the period and scope, one protected table per SIMFONI group
/// (form of violence, age band, disability), each line `Periode;Provinsi;Kelompok;Kode;Kategori;
/// Jumlah` as docs/STATISTICS.md maps them. Recorded as an export.
pub fn simfoni(
    conn: &mut DbConnection,
    ctx: &Ctx,
    threshold: u64,
    query: &StatsQuery,
) -> Result<String, AppError> {
    use crate::services::audit_trail::neutralise;
    let groups: [(&str, &str, &crate::domain::classification::List); 3] = [
        (
            "form",
            "Bentuk kekerasan",
            &crate::domain::classification::VIOLENCE_FORM,
        ),
        (
            "age_band",
            "Kelompok umur korban",
            &crate::domain::classification::AGE_BAND,
        ),
        (
            "disability",
            "Disabilitas korban",
            &crate::domain::classification::DISABILITY,
        ),
    ];
    let mut out =
        String::from("Periode,Provinsi,Lembaga,Kelompok,Kode,Kategori,Jumlah,Disembunyikan\n");
    let mut answers = Vec::new();
    for (dim, group, list) in groups {
        let q = StatsQuery {
            by: Some(dim.to_owned()),
            format: None,
            ..query.clone()
        };
        let a = match answer(conn, ctx, threshold, "cases", &q) {
            Err(AppError::Validation(problems))
                if problems.iter().any(|p| p.message == ALL_SUPPRESSED) =>
            {
                continue;
            }
            other => other?,
        };
        for (i, code) in a.rows.iter().enumerate() {
            let f = &a.cells[i][0];
            let label = list.get(code).map_or(
                if code == UNKNOWN {
                    "Tidak diketahui"
                } else {
                    code.as_str()
                },
                |t| t.id,
            );
            out.push_str(&format!(
                "{} s.d. {},{},{},{},{},{},{},{}\n",
                a.from,
                a.to,
                neutralise(a.province.as_deref().unwrap_or("")),
                neutralise(a.agency.as_deref().unwrap_or("")),
                group,
                neutralise(code),
                neutralise(label).replace(',', ";"),
                f.value.map(|v| v.to_string()).unwrap_or_default(),
                if f.suppressed { "ya" } else { "" }
            ));
        }
        answers.push(a);
    }
    if let Some(first) = answers.first() {
        record_export(conn, ctx, first, "simfoni")?;
    }
    Ok(out)
}
