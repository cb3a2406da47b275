//! The indicators, each with a stable code, and the dimensions each may be broken down by.
//! Definitions in both languages are in docs/STATISTICS.md (a test keeps the two in step).

use crate::domain::classification::{self as cls, List};

/// How a dimension's values are labelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Values {
    /// Local month `YYYY-MM` of the event.
    Month,
    /// Province code.
    Province,
    /// Agency (stored as its id, shown as its code).
    Agency,
    /// A classification list: every term is a row, zeros included.
    List(&'static List),
    /// Codes as stored (country codes, district codes, rule ids, agency kinds…).
    Codes,
    /// Hours, in buckets (durations).
    Hours,
}

/// A dimension an indicator may be broken down by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dimension {
    /// Stable code, as in `?by=`.
    pub code: &'static str,
    /// Labels of its values.
    pub values: Values,
}

/// Where, when and who: the dimensions every indicator has, combinable with one other.
pub const MONTH: Dimension = Dimension {
    code: "month",
    values: Values::Month,
};
/// Province.
pub const PROVINCE: Dimension = Dimension {
    code: "province",
    values: Values::Province,
};
/// Agency.
pub const AGENCY: Dimension = Dimension {
    code: "agency",
    values: Values::Agency,
};

const fn list(code: &'static str, list: &'static List) -> Dimension {
    Dimension {
        code,
        values: Values::List(list),
    }
}

const fn codes(code: &'static str) -> Dimension {
    Dimension {
        code,
        values: Values::Codes,
    }
}

/// One indicator.
#[derive(Debug, Clone, Copy)]
pub struct Indicator {
    /// Stable code, as in `/api/v1/stats/{code}`.
    pub code: &'static str,
    /// Its name in English.
    pub title_en: &'static str,
    /// Its name in Indonesian.
    pub title_id: &'static str,
    /// What is counted, in English (the full definitions are in docs/STATISTICS.md).
    pub counts_en: &'static str,
    /// What is counted, in Indonesian.
    pub counts_id: &'static str,
    /// Which agency a figure belongs to (for agency scope), in English.
    pub agency_is: &'static str,
    /// The dimensions beyond month, province and agency (at most one per breakdown).
    pub attributes: &'static [Dimension],
    /// A breakdown must include one of the attributes (stages: which track).
    pub attribute_required: bool,
    /// Cells are durations (median and 90th percentile) rather than counts.
    pub durations: bool,
}

/// Every indicator, in the order of docs/STATISTICS.md.
pub const INDICATORS: &[Indicator] = &[
    Indicator {
        code: "cases",
        title_en: "Cases taken in",
        title_id: "Kasus yang diterima",
        counts_en: "cases taken in (each case once; a case with several values of a multi-valued dimension counts once under each)",
        counts_id: "kasus yang diterima (setiap kasus sekali; kasus dengan beberapa nilai pada dimensi bernilai ganda dihitung sekali untuk setiap nilai)",
        agency_is: "the agency that holds the case (took it in, or received it by transfer)",
        attributes: &[
            codes("district"),
            list("form", &cls::VIOLENCE_FORM),
            list("gbvims_type", &cls::GBVIMS_TYPE),
            list("gbvims_context", &cls::GBVIMS_CONTEXT),
            codes("qualification"),
            list("migration_stage", &cls::MIGRATION_STAGE),
            list("placement_channel", &cls::PLACEMENT_CHANNEL),
            codes("destination_country"),
            list("sector", &cls::SECTOR),
            list("age_band", &cls::AGE_BAND),
            list("disability", &cls::DISABILITY),
            list("risk_level", &cls::RISK_LEVEL),
            list("intake_channel", &cls::INTAKE_CHANNEL),
            list("debarkation_point", &cls::DEBARKATION_POINT),
        ],
        attribute_required: false,
        durations: false,
    },
    Indicator {
        code: "stages",
        title_en: "Stage reached",
        title_id: "Tahap yang dicapai",
        counts_en: "cases by the stage each track has reached now, by the month the case was taken in",
        counts_id: "kasus menurut tahap yang kini dicapai setiap jalur, menurut bulan kasus diterima",
        agency_is: "the agency that holds the case",
        attributes: &[
            codes("stage.service"),
            codes("stage.justice"),
            codes("stage.protection"),
            codes("stage.migrant_complaint"),
        ],
        attribute_required: true,
        durations: false,
    },
    Indicator {
        code: "handoffs",
        title_en: "Handoffs sent",
        title_id: "Serah terima yang dikirim",
        counts_en: "handoffs sent, by the month sent",
        counts_id: "serah terima yang dikirim, menurut bulan pengiriman",
        agency_is: "the sending agency",
        attributes: &[
            codes("kind"),
            codes("status"),
            codes("sender_kind"),
            codes("receiver_kind"),
            codes("handoff"),
        ],
        attribute_required: false,
        durations: false,
    },
    Indicator {
        code: "handoffs_received",
        title_en: "Handoffs received",
        title_id: "Serah terima yang diterima",
        counts_en: "handoffs received, by the month sent",
        counts_id: "serah terima yang diterima, menurut bulan pengiriman",
        agency_is: "the receiving agency",
        attributes: &[
            codes("kind"),
            codes("status"),
            codes("sender_kind"),
            codes("receiver_kind"),
            codes("handoff"),
        ],
        attribute_required: false,
        durations: false,
    },
    Indicator {
        code: "time_to_decide",
        title_en: "Time to accept or decline",
        title_id: "Waktu untuk menerima atau menolak",
        counts_en: "hours from sending a handoff to its acceptance or decline (median and 90th percentile, to the hour up to 72 h, then to the day)",
        counts_id: "jam sejak serah terima dikirim sampai diterima atau ditolak (median dan persentil ke-90, per jam sampai 72 jam, lalu per hari)",
        agency_is: "the receiving agency",
        attributes: &[codes("kind"), codes("receiver_kind")],
        attribute_required: false,
        durations: true,
    },
    Indicator {
        code: "time_to_complete",
        title_en: "Time to complete",
        title_id: "Waktu untuk menyelesaikan",
        counts_en: "hours from accepting a handoff to its completion (median and 90th percentile)",
        counts_id: "jam sejak serah terima diterima sampai selesai (median dan persentil ke-90)",
        agency_is: "the receiving agency",
        attributes: &[codes("kind"), codes("receiver_kind")],
        attribute_required: false,
        durations: true,
    },
    Indicator {
        code: "deadlines",
        title_en: "Deadlines",
        title_id: "Batas waktu",
        counts_en: "deadline outcomes per rule: met and late (agreement clocks, when decided or completed), breached (verified statutory rules and agreement clocks), missed under a rule not yet verified, escalated",
        counts_id: "hasil batas waktu per aturan: terpenuhi dan terlambat (batas waktu perjanjian), dilanggar (aturan undang-undang terverifikasi dan perjanjian), terlewati pada aturan yang belum terverifikasi, dieskalasi",
        agency_is: "the agency responsible for the deadline",
        attributes: &[codes("rule"), codes("outcome")],
        attribute_required: false,
        durations: false,
    },
    Indicator {
        code: "consent_overrides",
        title_en: "Consent overrides",
        title_id: "Pengesampingan persetujuan",
        counts_en: "handoffs sent on a supervisor's consent override with a legal basis",
        counts_id: "serah terima yang dikirim dengan pengesampingan persetujuan oleh supervisor berdasarkan dasar hukum",
        agency_is: "the sending agency",
        attributes: &[codes("handoff"), codes("kind")],
        attribute_required: false,
        durations: false,
    },
];

/// The indicator with this code.
pub fn indicator(code: &str) -> Option<&'static Indicator> {
    INDICATORS.iter().find(|i| i.code == code)
}

impl Indicator {
    /// The dimension with this code, if this indicator has it.
    pub fn dimension(&self, code: &str) -> Option<Dimension> {
        [MONTH, PROVINCE, AGENCY]
            .into_iter()
            .chain(self.attributes.iter().copied())
            .find(|d| d.code == code)
    }

    /// Every dimension code, for messages.
    pub fn dimension_codes(&self) -> Vec<&'static str> {
        [MONTH, PROVINCE, AGENCY]
            .iter()
            .chain(self.attributes.iter())
            .map(|d| d.code)
            .collect()
    }
}

/// Why a breakdown is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BreakdownError {
    /// A dimension this indicator does not have.
    Unknown(String),
    /// More than two dimensions, the same one twice, or two attributes.
    Shape(&'static str),
    /// The indicator needs one of its attributes (stages: which track).
    AttributeRequired,
}

/// A checked breakdown: at most two dimensions, at most one of them an attribute. The attribute (if
/// any) is what the stored counts are kept by; month, province and agency are columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Breakdown {
    /// The dimensions in the order asked (rows first, then columns).
    pub dims: Vec<Dimension>,
}

impl Breakdown {
    /// Parses `by` (comma-separated dimension codes) for `indicator`.
    pub fn parse(indicator: &Indicator, by: &str) -> Result<Self, BreakdownError> {
        let mut dims = Vec::new();
        for code in by.split(',').map(str::trim).filter(|c| !c.is_empty()) {
            let dim = indicator
                .dimension(code)
                .ok_or_else(|| BreakdownError::Unknown(code.to_owned()))?;
            if dims.contains(&dim) {
                return Err(BreakdownError::Shape("a dimension appears twice"));
            }
            dims.push(dim);
        }
        if dims.len() > 2 {
            return Err(BreakdownError::Shape("at most two dimensions"));
        }
        let attributes = dims.iter().filter(|d| is_attribute(d)).count();
        if attributes > 1 {
            return Err(BreakdownError::Shape(
                "at most one dimension other than month, province and agency",
            ));
        }
        if indicator.attribute_required && attributes == 0 {
            return Err(BreakdownError::AttributeRequired);
        }
        Ok(Self { dims })
    }

    /// The attribute this breakdown is kept by (`all` when none).
    pub fn attribute(&self) -> &'static str {
        self.dims
            .iter()
            .find(|d| is_attribute(d))
            .map_or("all", |d| d.code)
    }
}

/// Whether a dimension is an attribute (not month, province or agency).
pub fn is_attribute(dim: &Dimension) -> bool {
    !matches!(
        dim.values,
        Values::Month | Values::Province | Values::Agency
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn breakdowns_take_at_most_one_attribute_and_two_dimensions() {
        let cases = indicator("cases").unwrap();
        assert_eq!(Breakdown::parse(cases, "").unwrap().attribute(), "all");
        assert_eq!(
            Breakdown::parse(cases, "form,month").unwrap().attribute(),
            "form"
        );
        assert_eq!(
            Breakdown::parse(cases, "agency,month").unwrap().dims.len(),
            2
        );
        assert!(matches!(
            Breakdown::parse(cases, "form,age_band"),
            Err(BreakdownError::Shape(_))
        ));
        assert!(matches!(
            Breakdown::parse(cases, "month,month"),
            Err(BreakdownError::Shape(_))
        ));
        assert!(matches!(
            Breakdown::parse(cases, "month,province,agency"),
            Err(BreakdownError::Shape(_))
        ));
        assert_eq!(
            Breakdown::parse(cases, "colour"),
            Err(BreakdownError::Unknown("colour".into()))
        );
        let stages = indicator("stages").unwrap();
        assert_eq!(
            Breakdown::parse(stages, "month"),
            Err(BreakdownError::AttributeRequired)
        );
        assert!(Breakdown::parse(stages, "stage.justice,agency").is_ok());
    }

    #[test]
    fn codes_are_unique_and_documented() {
        let doc = include_str!("../../docs/STATISTICS.md");
        for (i, a) in INDICATORS.iter().enumerate() {
            assert!(INDICATORS[i + 1..].iter().all(|b| b.code != a.code));
            assert!(
                doc.contains(&format!("`{}`", a.code)),
                "{} is not in docs/STATISTICS.md",
                a.code
            );
            for d in a.attributes {
                assert!(
                    doc.contains(&format!("`{}`", d.code)),
                    "{} of {} is not documented",
                    d.code,
                    a.code
                );
            }
        }
    }
}
