//! Closed classification lists for intake, case tracking and statistics.
//!
//! Every list here is a closed vocabulary: a case field that uses a list accepts only its codes. The
//! terms come from `DOMAIN.md`: §4 "Case classification vocabulary" (4.1 legal categories of UU TPKS,
//! PKDRT and TPPO; 4.2 SIMFONI-PPA; 4.3 Komnas Perempuan CATAHU; 4.4 GBVIMS; 4.5 migration dimensions),
//! §6 (survivor-centred consent), §7.1 "Case model" (legal basis, procedural regime), §7.2 "Stages and
//! statuses" (the four tracks), §7.5 "Required consent points" and §7.6 "Classification lists". Where
//! `DOMAIN.md` gives no terms, a `//` comment above the list names the government or GBVIMS source used
//! instead.
//!
//! **Codes are stable.** They are stored in the database, exchanged through the API and agreement files,
//! and used as statistics keys, so a code is never renamed or reused with another meaning. Labels (the
//! Indonesian `id` and the English `en`) may be improved at any time. A term that is no longer wanted is
//! kept, so that old records still read, and retired by the code that offers choices, not deleted here.
//!
//! Codes are lower `snake_case` ASCII starting with a letter, except the legal-basis and
//! procedural-regime codes (`TPKS`, `KUHAP_2025`, …), which are upper case as written in `PRODUCT.md`.
//!
//! This module is pure data with no dependencies beyond `std`.

/// One term of a closed list: a stable code and its labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Term {
    /// Stable code, lower snake_case ASCII (e.g. "sexual_violence"). Stored and exchanged.
    pub code: &'static str,
    /// Indonesian label.
    pub id: &'static str,
    /// English label.
    pub en: &'static str,
}

/// A named closed list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct List {
    /// The list's name, equal to the JSON field path that uses it (e.g. "incident.forms").
    pub name: &'static str,
    /// Where the list comes from (e.g. "SIMFONI-PPA (KemenPPPA)", "GBVIMS", "UU 12/2022 Ps 4").
    pub source: &'static str,
    /// The terms.
    pub terms: &'static [Term],
}

impl List {
    /// The term with this code.
    pub fn get(&self, code: &str) -> Option<&'static Term> {
        let terms: &'static [Term] = self.terms;
        terms.iter().find(|term| term.code == code)
    }

    /// Whether the code is in the list.
    pub fn contains(&self, code: &str) -> bool {
        self.get(code).is_some()
    }

    /// The codes, in order, for error messages.
    pub fn codes(&self) -> Vec<&'static str> {
        self.terms.iter().map(|term| term.code).collect()
    }
}

/// Builds a term; keeps the tables below readable.
const fn t(code: &'static str, id: &'static str, en: &'static str) -> Term {
    Term { code, id, en }
}

// ---------------------------------------------------------------------------------------------------
// Survivor
// ---------------------------------------------------------------------------------------------------

// DOMAIN.md names the field (PRODUCT.md "What a case holds") but not its values; SIMFONI-PPA records
// sex as Laki-laki / Perempuan.
/// Sex of the survivor (`survivor.sex`).
pub const SEX: List = List {
    name: "survivor.sex",
    source: "SIMFONI-PPA (KemenPPPA)",
    terms: &[
        t("female", "Perempuan", "Female"),
        t("male", "Laki-laki", "Male"),
    ],
};

/// Age band of the survivor at the incident (`survivor.age_band`): the SIMFONI-PPA victim age bands
/// (DOMAIN.md §4.2, §7.6). The exact date of birth is stored separately and the band is derived from it.
pub const AGE_BAND: List = List {
    name: "survivor.age_band",
    source: "SIMFONI-PPA (KemenPPPA)",
    terms: &[
        t("age_0_5", "0–5 tahun", "0–5 years"),
        t("age_6_12", "6–12 tahun", "6–12 years"),
        t("age_13_17", "13–17 tahun", "13–17 years"),
        t("age_18_24", "18–24 tahun", "18–24 years"),
        t("age_25_44", "25–44 tahun", "25–44 years"),
        t("age_45_59", "45–59 tahun", "45–59 years"),
        t("age_60_plus", "60 tahun ke atas", "60 years and over"),
    ],
};

// DOMAIN.md §7.6 asks for "disability (type)" without listing types. These are the five kinds
// (ragam) of UU 8/2016 on Persons with Disabilities, Ps 4(1)–(2): fisik, intelektual, mental, sensorik,
// and ganda/multi, plus "none".
/// Disability of the survivor (`survivor.disability`), by the kinds of UU 8/2016 Ps 4.
pub const DISABILITY: List = List {
    name: "survivor.disabilities",
    source: "UU 8/2016 Ps 4",
    terms: &[
        t("none", "Tidak ada disabilitas", "No disability"),
        t("physical", "Disabilitas fisik", "Physical disability"),
        t(
            "intellectual",
            "Disabilitas intelektual",
            "Intellectual disability",
        ),
        t(
            "mental",
            "Disabilitas mental (psikososial atau perkembangan)",
            "Mental disability (psychosocial or developmental)",
        ),
        t(
            "sensory",
            "Disabilitas sensorik (netra, rungu, wicara)",
            "Sensory disability (visual, hearing, speech)",
        ),
        t(
            "multiple",
            "Disabilitas ganda atau multi",
            "Multiple disabilities",
        ),
    ],
};

// ---------------------------------------------------------------------------------------------------
// Migrant worker (PMI)
// ---------------------------------------------------------------------------------------------------

/// Migration stage when the violence happened (`migrant.migration_stage`): the three protection phases
/// of UU 18/2017 (DOMAIN.md §4.5, §7.6: `SEBELUM_BEKERJA`, `SELAMA_BEKERJA`, `SETELAH_BEKERJA`). Transit
/// abroad counts as "during work"; the place list distinguishes holding facilities and transit.
pub const MIGRATION_STAGE: List = List {
    name: "migrant.migration_stage",
    source: "UU 18/2017 (pelindungan sebelum, selama dan setelah bekerja)",
    terms: &[
        t(
            "pre_departure",
            "Sebelum bekerja (pra-penempatan)",
            "Before work (pre-departure)",
        ),
        t(
            "during_work",
            "Selama bekerja (masa penempatan)",
            "During work (placement abroad)",
        ),
        t(
            "after_return",
            "Setelah bekerja (purnapenempatan)",
            "After work (after return)",
        ),
    ],
};

// DOMAIN.md §4.5 and §7.6 give only PROSEDURAL / NONPROSEDURAL. The procedural channel is split by
// the lawful placement schemes of UU 18/2017: Ps 49 (by the government agency BP2MI/KP2MI, i.e.
// G to G; by a licensed P3MI; by a company for its own purposes) and Ps 63 (PMI perseorangan). Every
// code starting with "procedural_" maps to DOMAIN's PROSEDURAL; "non_procedural" is NONPROSEDURAL.
/// How the worker was placed (`migrant.placement_channel`): procedural by scheme, or non-procedural.
pub const PLACEMENT_CHANNEL: List = List {
    name: "migrant.placement_channel",
    source: "UU 18/2017 Ps 49, Ps 63",
    terms: &[
        t(
            "procedural_government",
            "Prosedural: penempatan oleh pemerintah (BP2MI/KP2MI, G to G)",
            "Procedural: placement by the government (BP2MI/KP2MI, G to G)",
        ),
        t(
            "procedural_p3mi",
            "Prosedural: melalui Perusahaan Penempatan PMI (P3MI)",
            "Procedural: through a licensed placement company (P3MI)",
        ),
        t(
            "procedural_own_company",
            "Prosedural: perusahaan untuk kepentingan perusahaan sendiri",
            "Procedural: company placing its own employees",
        ),
        t(
            "procedural_individual",
            "Prosedural: PMI perseorangan",
            "Procedural: individual (independent) migrant worker",
        ),
        t(
            "non_procedural",
            "Nonprosedural",
            "Non-procedural (irregular)",
        ),
    ],
};

// DOMAIN.md §4.5 gives only "domestic worker (PRT) or other". The remaining sectors follow the kinds
// of PMI in UU 18/2017 Ps 4(1) (employer a legal entity; individual or household employer; ship crew
// and fishing crew) and the main job fields of Indonesian women migrant workers.
/// Sector of work abroad (`migrant.sector`).
pub const SECTOR: List = List {
    name: "migrant.sector",
    source: "UU 18/2017 Ps 4(1); Rujukan",
    terms: &[
        t(
            "domestic_work",
            "Pekerja rumah tangga (PRT)",
            "Domestic work",
        ),
        t(
            "caregiving",
            "Perawat dan pengasuh (caregiver)",
            "Caregiving (elderly or child care)",
        ),
        t("manufacturing", "Manufaktur (pabrik)", "Manufacturing"),
        t(
            "agriculture_plantation",
            "Pertanian dan perkebunan",
            "Agriculture and plantations",
        ),
        t(
            "fishing_seafarer",
            "Awak kapal perikanan dan pelaut",
            "Fishing crew and seafarers",
        ),
        t(
            "hospitality",
            "Perhotelan dan restoran",
            "Hospitality (hotels and restaurants)",
        ),
        t("construction", "Konstruksi", "Construction"),
        t("other", "Lainnya", "Other"),
    ],
};

// ---------------------------------------------------------------------------------------------------
// Incident
// ---------------------------------------------------------------------------------------------------

/// Forms of violence of an incident (`incident.forms`, multi-select): the SIMFONI-PPA "jenis
/// kekerasan" (DOMAIN.md §4.2, §7.6), plus "economic" for the Komnas Perempuan CATAHU mapping
/// (DOMAIN.md §4.3, §7.6; the mapping EKONOMI ≈ PENELANTARAN + economic exploitation is to be confirmed).
pub const VIOLENCE_FORM: List = List {
    name: "incident.forms",
    source: "SIMFONI-PPA (KemenPPPA); CATAHU (Komnas Perempuan)",
    terms: &[
        t("physical", "Kekerasan fisik", "Physical violence"),
        t(
            "psychological",
            "Kekerasan psikis",
            "Psychological violence",
        ),
        t("sexual", "Kekerasan seksual", "Sexual violence"),
        t("exploitation", "Eksploitasi", "Exploitation"),
        t("trafficking", "Perdagangan orang", "Trafficking in persons"),
        t("neglect", "Penelantaran", "Neglect"),
        t("economic", "Kekerasan ekonomi", "Economic violence"),
        t("other", "Lainnya", "Other"),
    ],
};

/// Sexual-violence crimes of an incident (`incident.tpks_forms`, multi-select): the nine TPKS of UU
/// 12/2022 Ps 4(1), then the ten further acts that Ps 4(2) counts as TPKS (DOMAIN.md §4.1, §7.6).
/// Labels paraphrase the statute; the legal text governs.
pub const TPKS_FORM: List = List {
    name: "incident.tpks_forms",
    source: "UU 12/2022 Ps 4(1)–(2)",
    terms: &[
        // Ps 4(1)
        t(
            "non_physical_sexual_harassment",
            "Pelecehan seksual nonfisik",
            "Non-physical sexual harassment",
        ),
        t(
            "physical_sexual_harassment",
            "Pelecehan seksual fisik",
            "Physical sexual harassment",
        ),
        t(
            "forced_contraception",
            "Pemaksaan kontrasepsi",
            "Forced contraception",
        ),
        t(
            "forced_sterilisation",
            "Pemaksaan sterilisasi",
            "Forced sterilisation",
        ),
        t("forced_marriage", "Pemaksaan perkawinan", "Forced marriage"),
        t("sexual_torture", "Penyiksaan seksual", "Sexual torture"),
        t(
            "sexual_exploitation",
            "Eksploitasi seksual",
            "Sexual exploitation",
        ),
        t("sexual_slavery", "Perbudakan seksual", "Sexual slavery"),
        t(
            "electronic_sexual_violence",
            "Kekerasan seksual berbasis elektronik (KSBE)",
            "Electronic-based sexual violence",
        ),
        // Ps 4(2)
        t("rape", "Perkosaan", "Rape"),
        t("obscene_acts", "Perbuatan cabul", "Obscene acts"),
        t(
            "child_sexual_abuse",
            "Persetubuhan terhadap anak, perbuatan cabul terhadap anak, dan/atau eksploitasi seksual terhadap anak",
            "Intercourse with, obscene acts against, and/or sexual exploitation of a child",
        ),
        t(
            "indecency_against_will",
            "Perbuatan melanggar kesusilaan yang bertentangan dengan kehendak korban",
            "Acts violating decency against the victim's will",
        ),
        t(
            "child_or_violent_pornography",
            "Pornografi yang melibatkan anak atau yang secara eksplisit memuat kekerasan dan eksploitasi seksual",
            "Pornography involving children or explicitly containing sexual violence and exploitation",
        ),
        t(
            "forced_prostitution",
            "Pemaksaan pelacuran",
            "Forced prostitution",
        ),
        t(
            "trafficking_sexual_exploitation",
            "Tindak pidana perdagangan orang untuk tujuan eksploitasi seksual",
            "Trafficking in persons for sexual exploitation",
        ),
        t(
            "domestic_sexual_violence",
            "Kekerasan seksual dalam lingkup rumah tangga",
            "Sexual violence within the household",
        ),
        t(
            "money_laundering_tpks",
            "Tindak pidana pencucian uang dengan tindak pidana asal kekerasan seksual",
            "Money laundering whose predicate crime is sexual violence",
        ),
        t(
            "other_by_law",
            "Tindak pidana lain yang dinyatakan secara tegas sebagai TPKS oleh undang-undang",
            "Other crimes expressly declared sexual violence crimes by law",
        ),
    ],
};

/// Domestic-violence forms of an incident (`incident.pkdrt_forms`, multi-select): UU 23/2004 Ps 5
/// (DOMAIN.md §4.1, §7.6).
pub const PKDRT_FORM: List = List {
    name: "incident.pkdrt_forms",
    source: "UU 23/2004 Ps 5",
    terms: &[
        t("physical", "Kekerasan fisik", "Physical violence"),
        t(
            "psychological",
            "Kekerasan psikis",
            "Psychological violence",
        ),
        t("sexual", "Kekerasan seksual", "Sexual violence"),
        t(
            "neglect",
            "Penelantaran rumah tangga",
            "Neglect of the household",
        ),
    ],
};

// DOMAIN.md §2.3 summarises the means of UU 21/2007 Ps 2(1) ("threat, force, fraud, abuse of a
// vulnerable position, or debt bondage"); the process and means terms below follow the full wording
// of Ps 2(1) [S]. The purpose terms are DOMAIN.md §7.6 `tppo_exploitation` (SEXUAL, FORCED_LABOUR,
// SLAVERY_SERVITUDE, ORGAN, OTHER), still to be confirmed against Ps 1 angka 7.
/// Elements of trafficking present in an incident (`incident.tppo_elements`, multi-select): the
/// process, means and purpose of UU 21/2007, one flat list with `process_`, `means_` and `purpose_`
/// prefixes.
pub const TPPO_ELEMENT: List = List {
    name: "incident.tppo_elements",
    source: "UU 21/2007 Ps 1 angka 7, Ps 2(1)",
    terms: &[
        // Process
        t(
            "process_recruitment",
            "Proses: perekrutan",
            "Process: recruitment",
        ),
        t(
            "process_transport",
            "Proses: pengangkutan",
            "Process: transport",
        ),
        t(
            "process_harbouring",
            "Proses: penampungan",
            "Process: harbouring",
        ),
        t("process_sending", "Proses: pengiriman", "Process: sending"),
        t(
            "process_transfer",
            "Proses: pemindahan",
            "Process: transfer",
        ),
        t("process_receipt", "Proses: penerimaan", "Process: receipt"),
        // Means
        t(
            "means_threat_of_violence",
            "Cara: ancaman kekerasan",
            "Means: threat of violence",
        ),
        t(
            "means_use_of_violence",
            "Cara: penggunaan kekerasan",
            "Means: use of violence",
        ),
        t("means_abduction", "Cara: penculikan", "Means: abduction"),
        t(
            "means_confinement",
            "Cara: penyekapan",
            "Means: confinement",
        ),
        t(
            "means_falsification",
            "Cara: pemalsuan",
            "Means: falsification",
        ),
        t("means_deception", "Cara: penipuan", "Means: deception"),
        t(
            "means_abuse_of_power_or_vulnerability",
            "Cara: penyalahgunaan kekuasaan atau posisi rentan",
            "Means: abuse of power or of a position of vulnerability",
        ),
        t(
            "means_debt_bondage",
            "Cara: penjeratan utang",
            "Means: debt bondage",
        ),
        t(
            "means_payment_or_benefit",
            "Cara: memberi bayaran atau manfaat kepada orang yang memegang kendali atas korban",
            "Means: payments or benefits to a person having control over the victim",
        ),
        // Purpose (exploitation)
        t(
            "purpose_sexual_exploitation",
            "Tujuan: eksploitasi seksual",
            "Purpose: sexual exploitation",
        ),
        t(
            "purpose_forced_labour",
            "Tujuan: kerja atau pelayanan paksa",
            "Purpose: forced labour or services",
        ),
        t(
            "purpose_slavery_servitude",
            "Tujuan: perbudakan atau praktik serupa perbudakan",
            "Purpose: slavery or practices similar to slavery",
        ),
        t(
            "purpose_organ_removal",
            "Tujuan: pengambilan atau transplantasi organ dan/atau jaringan tubuh",
            "Purpose: removal or transplant of organs or body tissue",
        ),
        t(
            "purpose_other",
            "Tujuan: eksploitasi lainnya",
            "Purpose: other exploitation",
        ),
    ],
};

/// GBVIMS core type of an incident (`incident.gbvims_type`, single, chosen with the GBVIMS decision
/// tree): the six core types (DOMAIN.md §4.4, §7.6). Trafficking is a context, not a type.
pub const GBVIMS_TYPE: List = List {
    name: "incident.gbvims_type",
    source: "GBVIMS",
    terms: &[
        t("rape", "Perkosaan", "Rape"),
        t("sexual_assault", "Serangan seksual", "Sexual assault"),
        t("physical_assault", "Serangan fisik", "Physical assault"),
        t("forced_marriage", "Perkawinan paksa", "Forced marriage"),
        t(
            "denial_of_resources",
            "Penolakan akses terhadap sumber daya, kesempatan atau layanan",
            "Denial of resources, opportunities or services",
        ),
        t(
            "psychological_abuse",
            "Kekerasan psikologis/emosional",
            "Psychological/emotional abuse",
        ),
    ],
};

/// GBVIMS context flags of an incident (`incident.gbvims_contexts`, multi-select; DOMAIN.md §4.4, §7.6).
pub const GBVIMS_CONTEXT: List = List {
    name: "incident.gbvims_contexts",
    source: "GBVIMS",
    terms: &[
        t(
            "intimate_partner_violence",
            "Kekerasan oleh pasangan intim/dalam rumah tangga",
            "Intimate partner violence/domestic violence",
        ),
        t(
            "child_sexual_abuse",
            "Kekerasan seksual terhadap anak",
            "Child sexual abuse",
        ),
        t(
            "sexual_exploitation",
            "Eksploitasi seksual",
            "Sexual exploitation",
        ),
        t("trafficking", "Perdagangan orang", "Trafficking"),
        t("early_marriage", "Perkawinan anak", "Early marriage"),
        t(
            "harmful_traditional_practice",
            "Praktik tradisional yang berbahaya",
            "Harmful traditional practice",
        ),
        t(
            "possible_sexual_slavery",
            "Dugaan perbudakan seksual",
            "Possible sexual slavery",
        ),
        t("other", "Lainnya", "Other"),
    ],
};

// DOMAIN.md §4.2 and §7.6 give the SIMFONI-PPA relations and the PMI additions (AGEN_SPONSOR_CALO,
// P3MI_STAF, APARAT). Three terms DOMAIN does not list are added from GBVIMS/SIMFONI practice:
// "former_spouse" (common in PKDRT cases), "employer_family" (household members of the employer of a
// domestic worker) and "stranger" (known to be unrelated, as distinct from "unknown").
/// Relation of the perpetrator to the survivor (`incident.perpetrator_relation`).
pub const PERPETRATOR_RELATION: List = List {
    name: "incident.perpetrator_relation",
    source: "SIMFONI-PPA (KemenPPPA), extended for PMI",
    terms: &[
        t("parent", "Orang tua", "Parent"),
        t(
            "family_member",
            "Keluarga/saudara",
            "Family member or relative",
        ),
        t("spouse", "Suami/istri", "Spouse"),
        t("former_spouse", "Mantan suami/istri", "Former spouse"),
        t(
            "partner_or_friend",
            "Pacar/teman",
            "Boyfriend, girlfriend or friend",
        ),
        t("teacher", "Guru", "Teacher"),
        t("employer", "Majikan", "Employer"),
        t(
            "employer_family",
            "Keluarga majikan",
            "Member of the employer's family",
        ),
        t("co_worker", "Rekan kerja", "Co-worker"),
        t("neighbour", "Tetangga", "Neighbour"),
        t(
            "recruitment_agent",
            "Agen/sponsor/calo",
            "Recruitment agent, sponsor or broker (calo)",
        ),
        t(
            "p3mi_staff",
            "Staf perusahaan penempatan (P3MI)",
            "Placement company (P3MI) staff",
        ),
        t("official", "Aparat/pejabat", "Official or state officer"),
        t("stranger", "Orang yang tidak dikenal korban", "Stranger"),
        t("other", "Lainnya", "Other"),
        t("unknown", "Tidak diketahui", "Unknown"),
    ],
};

// ---------------------------------------------------------------------------------------------------
// Case
// ---------------------------------------------------------------------------------------------------

// DOMAIN.md §6.4 requires a risk assessment and safety plan but gives no scale. This is the usual
// GBV case-management scale (low / medium / high) with "critical" for imminent danger that needs
// same-day protection.
/// Risk level from the latest risk assessment (`risk_level`).
pub const RISK_LEVEL: List = List {
    name: "risk_level",
    source: "GBV case management (Interagency Guidelines 2017)",
    terms: &[
        t("low", "Rendah", "Low"),
        t("medium", "Sedang", "Medium"),
        t("high", "Tinggi", "High"),
        t(
            "critical",
            "Kritis (bahaya segera)",
            "Critical (immediate danger)",
        ),
    ],
};

/// Laws a case is handled under (`legal_basis`, multi-select; DOMAIN.md §7.1). Deadline rules are
/// enabled according to these. Upper-case codes, as in `PRODUCT.md`; DOMAIN's `UU_Perlindungan_Anak`
/// is written `UU_PERLINDUNGAN_ANAK`.
pub const LEGAL_BASIS: List = List {
    name: "legal_basis",
    source: "UU 12/2022; UU 23/2004; UU 21/2007; UU 18/2017; KUHP; UU 23/2002",
    terms: &[
        t(
            "TPKS",
            "UU 12/2022 tentang Tindak Pidana Kekerasan Seksual",
            "Law 12/2022 on Sexual Violence Crimes",
        ),
        t(
            "PKDRT",
            "UU 23/2004 tentang Penghapusan Kekerasan dalam Rumah Tangga",
            "Law 23/2004 on the Elimination of Domestic Violence",
        ),
        t(
            "TPPO",
            "UU 21/2007 tentang Pemberantasan Tindak Pidana Perdagangan Orang",
            "Law 21/2007 on the Eradication of Trafficking in Persons",
        ),
        t(
            "PMI_18_2017",
            "UU 18/2017 tentang Pelindungan Pekerja Migran Indonesia",
            "Law 18/2017 on the Protection of Indonesian Migrant Workers",
        ),
        t(
            "KUHP",
            "Kitab Undang-Undang Hukum Pidana (KUHP)",
            "Criminal Code (KUHP)",
        ),
        t(
            "UU_PERLINDUNGAN_ANAK",
            "UU 23/2002 tentang Perlindungan Anak (dan perubahannya)",
            "Law 23/2002 on Child Protection (as amended)",
        ),
    ],
};

/// Criminal procedure code a case runs under (`procedural_regime`; DOMAIN.md "Big changes" 1, §7.1).
/// Upper-case codes, as in `PRODUCT.md`.
pub const PROCEDURAL_REGIME: List = List {
    name: "procedural_regime",
    source: "UU 8/1981; UU 20/2025",
    terms: &[
        t(
            "KUHAP_1981",
            "KUHAP lama (UU 8/1981)",
            "Former Code of Criminal Procedure (Law 8/1981)",
        ),
        t(
            "KUHAP_2025",
            "KUHAP baru (UU 20/2025, berlaku 2 Januari 2026)",
            "New Code of Criminal Procedure (Law 20/2025, in force 2 January 2026)",
        ),
    ],
};

// The purposes are the consent points C1–C8 of DOMAIN.md §7.5 (C9 is withdrawal, not a purpose; C10
// statistics need no consent). C3 "each referral/disclosure to another organisation" has a general
// purpose, "referral", and three service-specific ones ("health_services", "shelter", "legal_aid")
// that are not named in DOMAIN.md but follow the services of Perpres 55/2024 Ps 5(2); an agreement
// should require the specific purpose where one exists and "referral" otherwise. C8 is split into
// contact with third parties and transfer of data abroad (UU 27/2022 Ps 56).
/// What a consent is for (`consent.purpose`). A consent may also name the receiving agency.
pub const CONSENT_PURPOSE: List = List {
    name: "consent.purpose",
    source: "UU 27/2022 (PDP); GBV case management; UU 12/2022; UU 13/2006; Perban BP2MI 6/2023",
    terms: &[
        t(
            "services",
            "Pencatatan pengaduan dan penerimaan layanan",
            "Intake and services",
        ),
        t(
            "specific_data",
            "Pencatatan data pribadi spesifik (kesehatan, riwayat seksual, data kejahatan)",
            "Recording specific personal data (health, sexual history, criminal records)",
        ),
        t(
            "referral",
            "Rujukan dan pengungkapan data ke lembaga lain",
            "Referral and disclosure to another organisation",
        ),
        t(
            "health_services",
            "Rujukan layanan kesehatan, termasuk visum et repertum",
            "Referral for health care, including a medico-legal examination (visum)",
        ),
        t(
            "shelter",
            "Rujukan ke rumah aman/penampungan",
            "Referral to a shelter",
        ),
        t(
            "legal_aid",
            "Rujukan bantuan hukum",
            "Referral for legal aid",
        ),
        t(
            "police_report",
            "Pelaporan ke kepolisian",
            "Report to the police",
        ),
        t(
            "recorded_statement",
            "Perekaman keterangan secara elektronik dan kesaksian jarak jauh",
            "Electronic recording of a statement and remote testimony",
        ),
        t(
            "lpsk_application",
            "Permohonan perlindungan kepada LPSK",
            "Application for LPSK protection",
        ),
        t(
            "returnee_rehabilitation",
            "Rehabilitasi dan reintegrasi purna PMI",
            "Rehabilitation and reintegration of a returned migrant worker",
        ),
        t(
            "third_party_contact",
            "Menghubungi keluarga, majikan, P3MI atau pihak di negara tujuan",
            "Contact with family, employer, P3MI or parties in the destination country",
        ),
        t(
            "transfer_abroad",
            "Pengiriman data ke luar negeri (Perwakilan RI, pihak di negara tujuan)",
            "Transfer of data abroad (Indonesian mission, destination-country parties)",
        ),
    ],
};

/// How a consent was given (`consent.method`): written or recorded verbal (UU 27/2022 Ps 22; DOMAIN.md
/// §6.2), by a parent or guardian for a child (Ps 25) or a person with a disability (Ps 26), or given
/// by a person with a disability with assistance (DOMAIN.md §7.5 C1).
pub const CONSENT_METHOD: List = List {
    name: "consent.method",
    source: "UU 27/2022 Ps 22, 25, 26; GBV case management",
    terms: &[
        t("written", "Tertulis", "Written"),
        t("recorded_verbal", "Lisan yang direkam", "Recorded verbal"),
        t("guardian", "Oleh orang tua/wali", "By a parent or guardian"),
        t(
            "assisted",
            "Dengan pendampingan (penyandang disabilitas)",
            "Assisted (person with a disability)",
        ),
    ],
};

// DOMAIN.md §7.2 A gives goals met, survivor withdrew, transferred, unreachable, deceased and
// damai/mediasi. Two reasons are added: "justice_process_completed" (the criminal case ended with a
// final verdict and its execution) and "duplicate" (the case was registered twice).
/// Why a case was closed (`closure.reason`). `settled_by_mediation` is refused for an adult TPKS case:
/// sexual-violence crimes cannot be settled out of court unless the offender is a child (UU 12/2022
/// Ps 23 and Penjelasan Umum; DOMAIN.md §2.1).
pub const CLOSURE_REASON: List = List {
    name: "closure.reason",
    source: "GBV case management; UU 12/2022 Ps 23",
    terms: &[
        t("goals_met", "Tujuan layanan tercapai", "Service goals met"),
        t(
            "justice_process_completed",
            "Proses peradilan selesai",
            "Justice process completed",
        ),
        t(
            "survivor_withdrew",
            "Korban menghentikan layanan",
            "Survivor withdrew",
        ),
        t(
            "transferred_out",
            "Dialihkan ke lembaga lain",
            "Transferred to another agency",
        ),
        t(
            "unreachable",
            "Korban tidak dapat dihubungi",
            "Survivor unreachable",
        ),
        t("deceased", "Korban meninggal dunia", "Survivor deceased"),
        t(
            "settled_by_mediation",
            "Diselesaikan melalui mediasi/perdamaian",
            "Settled by mediation",
        ),
        t(
            "duplicate",
            "Duplikat (kasus tercatat dua kali)",
            "Duplicate (case registered twice)",
        ),
    ],
};

/// Why a closed case is opened again (`reopen.reason`). A case closed because the survivor died or
/// because it was registered twice is not reopened: the work goes on in the other case, or not at
/// all (the case module checks it).
pub const REOPEN_REASON: List = List {
    name: "reopen.reason",
    source: "GBV case management",
    terms: &[
        t("new_incident", "Ada kejadian baru", "A new incident"),
        t(
            "survivor_returned",
            "Korban kembali meminta layanan",
            "The survivor asked for services again",
        ),
        t(
            "new_information",
            "Ada bukti atau informasi baru",
            "New evidence or information",
        ),
        t(
            "justice_process_resumed",
            "Proses hukum berlanjut",
            "The justice process goes on",
        ),
        t(
            "closed_in_error",
            "Ditutup karena kekeliruan",
            "Closed by mistake",
        ),
    ],
};

// ---------------------------------------------------------------------------------------------------
// Further DOMAIN.md §7.6 lists (not yet required by the case model, offered for intake and statistics)
// ---------------------------------------------------------------------------------------------------

/// Place of the incident (`incident.place`): the SIMFONI-PPA "tempat kejadian" with the PMI sub-codes
/// of DOMAIN.md §7.6 (placement-company holding facility, transit, abroad).
pub const INCIDENT_PLACE: List = List {
    name: "incident.place",
    source: "SIMFONI-PPA (KemenPPPA), extended for PMI",
    terms: &[
        t("household", "Rumah tangga", "Household"),
        t("workplace", "Tempat kerja", "Workplace"),
        t("school", "Sekolah", "School"),
        t("public_facility", "Fasilitas umum", "Public facility"),
        t(
            "short_course_institution",
            "Lembaga pendidikan kilat",
            "Short-course training institution",
        ),
        t(
            "p3mi_holding_facility",
            "Penampungan P3MI",
            "Placement-company (P3MI) holding facility",
        ),
        t("transit", "Tempat transit", "Transit"),
        t("abroad", "Luar negeri", "Abroad"),
        t("other", "Lainnya", "Other"),
    ],
};

/// Domain (ranah) of the violence in Komnas Perempuan's CATAHU (`incident.sphere`; DOMAIN.md §4.3,
/// §7.6). Domestic-worker cases count as public/community since CATAHU 2023.
pub const SPHERE: List = List {
    name: "incident.sphere",
    source: "CATAHU (Komnas Perempuan)",
    terms: &[
        t("personal", "Ranah personal", "Personal sphere"),
        t(
            "public_community",
            "Ranah publik/komunitas",
            "Public/community sphere",
        ),
        t("state", "Ranah negara", "State sphere"),
    ],
};

/// Kind of service in a service plan or referral (`service.type`): SIMFONI-PPA services and the UPTD
/// PPA tasks of Perpres 55/2024 Ps 5(2) (DOMAIN.md §4.2, §7.6). Mediation is never offered for TPKS.
pub const SERVICE_TYPE: List = List {
    name: "service.type",
    source: "SIMFONI-PPA (KemenPPPA); Perpres 55/2024 Ps 5(2)",
    terms: &[
        t("complaint", "Pengaduan", "Complaint handling"),
        t("health", "Kesehatan", "Health"),
        t("legal_aid", "Bantuan hukum", "Legal aid"),
        t(
            "social_rehabilitation",
            "Rehabilitasi sosial",
            "Social rehabilitation",
        ),
        t("law_enforcement", "Penegakan hukum", "Law enforcement"),
        t("repatriation", "Pemulangan", "Repatriation"),
        t(
            "religious_counselling",
            "Pendampingan tokoh agama",
            "Religious counselling",
        ),
        t(
            "social_reintegration",
            "Reintegrasi sosial",
            "Social reintegration",
        ),
        t(
            "psychological",
            "Layanan psikologis",
            "Psychological support",
        ),
        t(
            "temporary_shelter",
            "Penampungan sementara",
            "Temporary shelter",
        ),
        t(
            "economic_empowerment",
            "Pemberdayaan ekonomi",
            "Economic empowerment",
        ),
        t(
            "mediation",
            "Mediasi (bukan untuk TPKS)",
            "Mediation (never for sexual violence crimes)",
        ),
    ],
};

/// How a complaint reached the case manager (`intake_channel`; DOMAIN.md §7.2 A, `INTAKE_RECEIVED`),
/// including the channels of trafficking (TPPO) and migrant-worker cases: SAPA 129, a referral by
/// BP3MI, an Indonesian mission (KBRI/KJRI), online reports.
pub const INTAKE_CHANNEL: List = List {
    name: "intake_channel",
    source: "Rujukan (DOMAIN.md §7.2)",
    terms: &[
        t("walk_in", "Datang langsung", "Walk-in"),
        t(
            "sapa_129",
            "Layanan SAPA 129 (hotline KemenPPPA)",
            "SAPA 129 hotline (KemenPPPA)",
        ),
        t("hotline", "Hotline lembaga", "Agency hotline"),
        t("outreach", "Penjangkauan", "Outreach"),
        t(
            "referral_in",
            "Rujukan dari lembaga lain",
            "Referral from another agency",
        ),
        t(
            "ltsa",
            "Layanan Terpadu Satu Atap (LTSA)",
            "One-roof integrated service (LTSA)",
        ),
        t("bp3mi", "Rujukan dari BP3MI", "Referral by BP3MI"),
        t(
            "mission_abroad",
            "Perwakilan RI di luar negeri (KBRI/KJRI)",
            "Indonesian mission abroad (embassy or consulate)",
        ),
        t(
            "online",
            "Pengaduan daring (situs, surel, media sosial)",
            "Online report (website, e-mail, social media)",
        ),
    ],
};

// ---------------------------------------------------------------------------------------------------
// Trafficking (TPPO) and repatriation
// ---------------------------------------------------------------------------------------------------

// UU 21/2007 names recruiters, senders and employers among those who traffic (Ps 2, Ps 4, Ps 10);
// UU 18/2017 names the placement company (P3MI) and the individual recruiters (calo/sponsor) that
// BP2MI warns against.
/// The role of a perpetrator or intermediary of a trafficking case (`perpetrators[].role`).
pub const PERPETRATOR_ROLE: List = List {
    name: "perpetrators.role",
    source: "UU 21/2007 Ps 2, Ps 10; UU 18/2017",
    terms: &[
        t(
            "sponsor",
            "Sponsor atau calo (perekrut perorangan)",
            "Sponsor or broker (individual recruiter)",
        ),
        t(
            "p3mi",
            "Perusahaan Penempatan PMI (P3MI)",
            "Placement company (P3MI)",
        ),
        t("employer", "Pemberi kerja", "Employer"),
        t("family", "Anggota keluarga", "Family member"),
        t("other", "Lainnya", "Other"),
    ],
};

// BP2MI/KP2MI and the provincial task forces receive returning and deported migrant workers at these
// points (the debarkation points of the repatriation and deportee-handling procedures).
/// Where a migrant worker came home (`repatriation.debarkation_point`).
pub const DEBARKATION_POINT: List = List {
    name: "repatriation.debarkation_point",
    source: "BP2MI/KP2MI (debarkasi pemulangan PMI)",
    terms: &[
        t(
            "cgk_soekarno_hatta",
            "Bandara Soekarno-Hatta, Tangerang",
            "Soekarno-Hatta Airport, Tangerang",
        ),
        t(
            "sub_juanda",
            "Bandara Juanda, Sidoarjo",
            "Juanda Airport, Sidoarjo",
        ),
        t(
            "lop_zainuddin_abdul_madjid",
            "Bandara Zainuddin Abdul Madjid, Lombok",
            "Zainuddin Abdul Madjid Airport, Lombok",
        ),
        t(
            "srg_ahmad_yani",
            "Bandara Ahmad Yani, Semarang",
            "Ahmad Yani Airport, Semarang",
        ),
        t(
            "tanjung_pinang",
            "Pelabuhan Sri Bintan Pura, Tanjung Pinang",
            "Sri Bintan Pura Port, Tanjung Pinang",
        ),
        t(
            "batam_sekupang",
            "Pelabuhan Sekupang, Batam",
            "Sekupang Port, Batam",
        ),
        t(
            "nunukan",
            "Pelabuhan Tunon Taka, Nunukan",
            "Tunon Taka Port, Nunukan",
        ),
        t(
            "entikong",
            "PLBN Entikong, Sanggau",
            "Entikong land border post, Sanggau",
        ),
        t("dumai", "Pelabuhan Dumai", "Dumai Port"),
        t(
            "tanjung_priok",
            "Pelabuhan Tanjung Priok, Jakarta",
            "Tanjung Priok Port, Jakarta",
        ),
        t("other", "Tempat lain", "Another point"),
    ],
};

// ---------------------------------------------------------------------------------------------------
// Tracks and stages (DOMAIN.md §7.2)
// ---------------------------------------------------------------------------------------------------

/// Service / case-management track (DOMAIN.md §7.2 A), owned by the UPTD PPA or an LPLBM.
const SERVICE_STAGES: &[Term] = &[
    t("intake_received", "Pengaduan diterima", "Intake received"),
    t(
        "consent_recorded",
        "Persetujuan dicatat",
        "Consent recorded",
    ),
    t(
        "assessed",
        "Asesmen kebutuhan dan risiko selesai",
        "Needs and risk assessed",
    ),
    t(
        "service_plan_active",
        "Rencana layanan berjalan",
        "Service plan active",
    ),
    t("follow_up", "Tindak lanjut", "Follow-up"),
    t("closed", "Ditutup", "Closed"),
];

/// Criminal-justice track (DOMAIN.md §7.2 B): the forward stages in order, then the restitution
/// outcomes, then the terminal stages that end the track early. Codes are DOMAIN's, lower-cased.
const JUSTICE_STAGES: &[Term] = &[
    t(
        "report_decision_pending",
        "Korban mempertimbangkan pelaporan",
        "Survivor deciding whether to report",
    ),
    t(
        "reported_to_police",
        "Dilaporkan ke kepolisian (Laporan Polisi)",
        "Reported to the police",
    ),
    t("penyelidikan", "Penyelidikan", "Preliminary inquiry"),
    t("penyidikan", "Penyidikan", "Investigation"),
    t(
        "berkas_tahap_i",
        "Berkas perkara tahap I dikirim ke penuntut umum",
        "Case file sent to the prosecutor (stage I)",
    ),
    t(
        "p18_p19_returned",
        "Berkas dikembalikan (P-18/P-19)",
        "Case file returned incomplete (P-18/P-19)",
    ),
    t(
        "p21_complete",
        "Berkas lengkap (P-21)",
        "Case file complete (P-21)",
    ),
    t(
        "tahap_ii",
        "Penyerahan tersangka dan barang bukti (tahap II)",
        "Suspect and evidence handed over (stage II)",
    ),
    t("penuntutan", "Penuntutan", "Prosecution"),
    t("persidangan", "Persidangan", "Trial"),
    t("putusan", "Putusan", "Verdict"),
    t(
        "inkracht",
        "Putusan berkekuatan hukum tetap",
        "Verdict final and binding",
    ),
    t("eksekusi", "Eksekusi putusan", "Execution of the verdict"),
    t(
        "restitusi_payment_pending",
        "Menunggu pembayaran restitusi",
        "Restitution payment pending",
    ),
    t("restitusi_paid", "Restitusi dibayar", "Restitution paid"),
    t(
        "restitusi_lelang",
        "Lelang harta terpidana untuk restitusi",
        "Convict's assets auctioned for restitution",
    ),
    // Terminal stages
    t(
        "sp3",
        "Penyidikan dihentikan (SP3)",
        "Investigation stopped (SP3)",
    ),
    t(
        "skpp",
        "Penuntutan dihentikan (SKPP)",
        "Prosecution stopped (SKPP)",
    ),
    t("acquitted", "Terdakwa dibebaskan", "Defendant acquitted"),
    t(
        "survivor_withdrew_support",
        "Korban tidak melanjutkan proses hukum",
        "Survivor withdrew from the justice process",
    ),
];

// DOMAIN.md §7.2 C lists protection measures but no starting stage; "not_started" is added so that a
// case without any protection measure has a stage.
/// Protection track (DOMAIN.md §7.2 C).
const PROTECTION_STAGES: &[Term] = &[
    t(
        "not_started",
        "Belum ada langkah pelindungan",
        "No protection measure yet",
    ),
    t(
        "police_temp_protection",
        "Pelindungan sementara oleh kepolisian",
        "Temporary police protection",
    ),
    t(
        "lpsk_requested",
        "Permohonan perlindungan ke LPSK diajukan",
        "LPSK protection requested",
    ),
    t(
        "lpsk_decided",
        "Keputusan LPSK (diterima/ditolak)",
        "LPSK decision (accepted/rejected)",
    ),
    t(
        "court_protection_order_requested",
        "Permohonan perintah perlindungan ke pengadilan (PKDRT)",
        "Court protection order requested (PKDRT)",
    ),
    t(
        "court_protection_order_issued",
        "Perintah perlindungan pengadilan ditetapkan (PKDRT)",
        "Court protection order issued (PKDRT)",
    ),
    t(
        "movement_restriction_order",
        "Penetapan pembatasan gerak pelaku (TPKS Ps 45)",
        "Order restricting the perpetrator's movement (TPKS Ps 45)",
    ),
    t(
        "shelter_placement",
        "Penempatan di rumah aman",
        "Shelter placement",
    ),
];

// DOMAIN.md §7.2 D starts at PMI_COMPLAINT_REGISTERED; "not_started" is added for cases with no
// migrant-worker complaint. MEDIATION_WITH_P3MI, REPATRIATION, RIGHTS_CLAIM and REFERRED_TO_POLICE are
// alternatives after verification.
/// Migrant-worker (PMI) complaint track (DOMAIN.md §7.2 D), owned by BP3MI or Disnaker.
const MIGRANT_COMPLAINT_STAGES: &[Term] = &[
    t(
        "not_started",
        "Belum ada pengaduan PMI",
        "No migrant-worker complaint yet",
    ),
    t(
        "pmi_complaint_registered",
        "Pengaduan PMI terdaftar",
        "Migrant-worker complaint registered",
    ),
    t("verification", "Verifikasi", "Verification"),
    t(
        "mediation_with_p3mi",
        "Mediasi dengan P3MI",
        "Mediation with the placement company (P3MI)",
    ),
    t("repatriation", "Pemulangan", "Repatriation"),
    t(
        "rights_claim",
        "Penuntutan hak PMI",
        "Claim of the worker's rights",
    ),
    t(
        "referred_to_police",
        "Dirujuk ke kepolisian",
        "Referred to the police",
    ),
    t(
        "rehab_reintegration",
        "Rehabilitasi dan reintegrasi",
        "Rehabilitation and reintegration",
    ),
    t("complaint_closed", "Pengaduan ditutup", "Complaint closed"),
];

/// The four tracks of a case (DOMAIN §7.2) and, for each, its ordered stages.
///
/// Each track's first stage is its starting stage. The order is the usual forward order; which moves
/// are allowed (loops such as P-19, alternatives, terminal stages) is decided by the state machines,
/// not by this table.
pub const TRACKS: &[(Term, &[Term])] = &[
    (
        t(
            "service",
            "Layanan dan manajemen kasus",
            "Services and case management",
        ),
        SERVICE_STAGES,
    ),
    (
        t("justice", "Peradilan pidana", "Criminal justice"),
        JUSTICE_STAGES,
    ),
    (
        t("protection", "Pelindungan", "Protection"),
        PROTECTION_STAGES,
    ),
    (
        t(
            "migrant_complaint",
            "Pengaduan pekerja migran (PMI)",
            "Migrant-worker complaint",
        ),
        MIGRANT_COMPLAINT_STAGES,
    ),
];

/// Every list above, for validation and for the test that labels exist in both languages.
pub const ALL: &[&List] = &[
    &SEX,
    &AGE_BAND,
    &DISABILITY,
    &MIGRATION_STAGE,
    &PLACEMENT_CHANNEL,
    &SECTOR,
    &VIOLENCE_FORM,
    &TPKS_FORM,
    &PKDRT_FORM,
    &TPPO_ELEMENT,
    &GBVIMS_TYPE,
    &GBVIMS_CONTEXT,
    &PERPETRATOR_RELATION,
    &RISK_LEVEL,
    &LEGAL_BASIS,
    &PROCEDURAL_REGIME,
    &CONSENT_PURPOSE,
    &CONSENT_METHOD,
    &CLOSURE_REASON,
    &REOPEN_REASON,
    &INCIDENT_PLACE,
    &SPHERE,
    &SERVICE_TYPE,
    &INTAKE_CHANNEL,
    &PERPETRATOR_ROLE,
    &DEBARKATION_POINT,
];

/// The age band (a code of [`AGE_BAND`]) that an age in whole years falls in.
pub fn age_band_of(age: u32) -> Option<&'static str> {
    let code = match age {
        0..=5 => "age_0_5",
        6..=12 => "age_6_12",
        13..=17 => "age_13_17",
        18..=24 => "age_18_24",
        25..=44 => "age_25_44",
        45..=59 => "age_45_59",
        _ => "age_60_plus",
    };
    AGE_BAND.get(code).map(|t| t.code)
}

/// Whether an age band is a child's (under 18, UU 35/2014).
pub fn is_child_band(band: &str) -> bool {
    matches!(band, "age_0_5" | "age_6_12" | "age_13_17")
}

/// The stages of a track.
pub fn stages(track: &str) -> Option<&'static [Term]> {
    TRACKS
        .iter()
        .find(|(term, _)| term.code == track)
        .map(|(_, stages)| *stages)
}

/// Every list and track as Markdown, as in `docs/CLASSIFICATIONS.md` (a test keeps them equal).
pub fn markdown() -> String {
    let mut out = String::new();
    for list in ALL {
        out.push_str(&format!(
            "### `{}`\n\nSource: {}\n\n| code | Bahasa Indonesia | English |\n|---|---|---|\n",
            list.name, list.source
        ));
        for term in list.terms {
            out.push_str(&format!(
                "| `{}` | {} | {} |\n",
                term.code, term.id, term.en
            ));
        }
        out.push('\n');
    }
    for (track, stages) in TRACKS {
        out.push_str(&format!(
            "### Track `{}`: {} / {}\n\n| order | code | Bahasa Indonesia | English |\n|---|---|---|---|\n",
            track.code, track.id, track.en
        ));
        for (i, stage) in stages.iter().enumerate() {
            out.push_str(&format!(
                "| {} | `{}` | {} | {} |\n",
                i + 1,
                stage.code,
                stage.id,
                stage.en
            ));
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// Every list const, named one by one: ALL must hold each exactly once.
    const DECLARED: &[&List] = &[
        &SEX,
        &AGE_BAND,
        &DISABILITY,
        &MIGRATION_STAGE,
        &PLACEMENT_CHANNEL,
        &SECTOR,
        &VIOLENCE_FORM,
        &TPKS_FORM,
        &PKDRT_FORM,
        &TPPO_ELEMENT,
        &GBVIMS_TYPE,
        &GBVIMS_CONTEXT,
        &PERPETRATOR_RELATION,
        &RISK_LEVEL,
        &LEGAL_BASIS,
        &PROCEDURAL_REGIME,
        &CONSENT_PURPOSE,
        &CONSENT_METHOD,
        &CLOSURE_REASON,
        &REOPEN_REASON,
        &INCIDENT_PLACE,
        &SPHERE,
        &SERVICE_TYPE,
        &INTAKE_CHANNEL,
        &PERPETRATOR_ROLE,
        &DEBARKATION_POINT,
    ];

    fn is_snake(code: &str) -> bool {
        let mut bytes = code.bytes();
        matches!(bytes.next(), Some(b'a'..=b'z'))
            && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    }

    fn is_upper(code: &str) -> bool {
        let mut bytes = code.bytes();
        matches!(bytes.next(), Some(b'A'..=b'Z'))
            && bytes.all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
    }

    fn upper_case_list(list: &List) -> bool {
        list.name == LEGAL_BASIS.name || list.name == PROCEDURAL_REGIME.name
    }

    fn label_ok(label: &str) -> bool {
        !label.trim().is_empty() && label.trim() == label
    }

    fn check_terms(what: &str, terms: &[Term], upper: bool) {
        assert!(!terms.is_empty(), "{what}: no terms");
        let mut seen = HashSet::new();
        for term in terms {
            let well_formed = if upper {
                is_upper(term.code)
            } else {
                is_snake(term.code)
            };
            assert!(well_formed, "{what}: malformed code {:?}", term.code);
            assert!(
                seen.insert(term.code),
                "{what}: duplicate code {:?}",
                term.code
            );
            assert!(
                label_ok(term.id),
                "{what}.{}: bad Indonesian label",
                term.code
            );
            assert!(label_ok(term.en), "{what}.{}: bad English label", term.code);
        }
    }

    #[test]
    fn every_list_has_unique_well_formed_codes_and_both_labels() {
        for list in ALL {
            check_terms(list.name, list.terms, upper_case_list(list));
            assert!(label_ok(list.source), "{}: no source", list.name);
        }
    }

    #[test]
    fn every_track_and_stage_is_well_formed() {
        let tracks: Vec<Term> = TRACKS.iter().map(|(track, _)| *track).collect();
        check_terms("tracks", &tracks, false);
        for (track, stages) in TRACKS {
            check_terms(track.code, stages, false);
        }
    }

    #[test]
    fn all_holds_every_list_exactly_once() {
        assert_eq!(ALL.len(), 26);
        assert_eq!(DECLARED.len(), ALL.len());
        for declared in DECLARED {
            let count = ALL.iter().filter(|list| **list == *declared).count();
            assert_eq!(count, 1, "{} appears {count} times in ALL", declared.name);
        }
        let names: HashSet<&str> = ALL.iter().map(|list| list.name).collect();
        assert_eq!(names.len(), ALL.len(), "list names must be unique");
    }

    #[test]
    fn required_codes_are_present() {
        assert!(CLOSURE_REASON.contains("settled_by_mediation"));
        assert!(CONSENT_PURPOSE.contains("police_report"));
        for code in ["TPKS", "PKDRT", "TPPO", "PMI_18_2017"] {
            assert!(LEGAL_BASIS.contains(code), "legal_basis lacks {code}");
        }
        for code in ["KUHAP_1981", "KUHAP_2025"] {
            assert!(
                PROCEDURAL_REGIME.contains(code),
                "procedural_regime lacks {code}"
            );
        }
        assert_eq!(TPKS_FORM.terms.len(), 9 + 10);
        assert_eq!(GBVIMS_TYPE.terms.len(), 6);
        assert_eq!(PKDRT_FORM.terms.len(), 4);
        assert_eq!(AGE_BAND.terms.len(), 7);
    }

    #[test]
    fn tppo_elements_are_prefixed() {
        for term in TPPO_ELEMENT.terms {
            assert!(
                ["process_", "means_", "purpose_"]
                    .iter()
                    .any(|prefix| term.code.starts_with(prefix)),
                "{} has no element prefix",
                term.code
            );
        }
    }

    #[test]
    fn there_are_exactly_the_four_tracks() {
        let codes: Vec<&str> = TRACKS.iter().map(|(track, _)| track.code).collect();
        assert_eq!(
            codes,
            ["service", "justice", "protection", "migrant_complaint"]
        );
        assert!(stages("justice").is_some());
        assert!(stages("nonexistent").is_none());
        let first = |track: &str| stages(track).and_then(|s| s.first()).map(|t| t.code);
        assert_eq!(first("service"), Some("intake_received"));
        assert_eq!(first("justice"), Some("report_decision_pending"));
        assert_eq!(first("protection"), Some("not_started"));
        assert_eq!(first("migrant_complaint"), Some("not_started"));
    }

    #[test]
    fn lookups() {
        assert_eq!(
            VIOLENCE_FORM.get("sexual").map(|term| term.id),
            Some("Kekerasan seksual")
        );
        assert!(VIOLENCE_FORM.get("Sexual").is_none());
        assert!(!SEX.contains(""));
        assert_eq!(SEX.codes(), ["female", "male"]);
        assert_eq!(CLOSURE_REASON.codes().len(), CLOSURE_REASON.terms.len());
    }

    #[test]
    fn the_classification_doc_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/CLASSIFICATIONS.md");
        if std::env::var_os("RUJUKAN_BLESS_DOCS").is_some() {
            let head = "# Classification lists\n\nThe closed lists Rujukan validates at intake and uses in statistics, with their stable codes and\nlabels in Bahasa Indonesia and English (`src/domain/classification.rs`; sources in DOMAIN.md §4, §7.2,\n§7.5, §7.6). Codes are stored and exchanged and are never renamed; labels may be improved. This page is\ngenerated from the code: run `RUJUKAN_BLESS_DOCS=1 cargo nextest run classification` after a change.\n\n";
            let _ = std::fs::write(path, format!("{head}{}", markdown()));
        }
        let doc = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            doc.contains(&markdown()),
            "docs/CLASSIFICATIONS.md is out of date; regenerate it with classification::markdown()"
        );
    }
}
