//! Places by name: the provinces of Indonesia by their Kemendagri codes (Kepmendagri
//! 100.1.1-6117/2022, 38 provinces), the regencies and cities of Jawa Tengah (33xx) and Nusa
//! Tenggara Barat (52xx), and countries by their ISO 3166 alpha-2 codes with Indonesian and English
//! names, the main destinations of Indonesian migrant workers first. Pages show these names
//! instead of codes; the forms offer them as select lists.

/// A place: its code and its names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    /// The stored code (`33`, `3374`, `MY`).
    pub code: &'static str,
    /// Indonesian name.
    pub id: &'static str,
    /// English name.
    pub en: &'static str,
}

const fn p(code: &'static str, name: &'static str) -> Place {
    Place {
        code,
        id: name,
        en: name,
    }
}

const fn c(code: &'static str, id: &'static str, en: &'static str) -> Place {
    Place { code, id, en }
}

/// The 38 provinces, by Kemendagri code.
pub const PROVINCES: &[Place] = &[
    p("11", "Aceh"),
    p("12", "Sumatera Utara"),
    p("13", "Sumatera Barat"),
    p("14", "Riau"),
    p("15", "Jambi"),
    p("16", "Sumatera Selatan"),
    p("17", "Bengkulu"),
    p("18", "Lampung"),
    p("19", "Kepulauan Bangka Belitung"),
    p("21", "Kepulauan Riau"),
    p("31", "DKI Jakarta"),
    p("32", "Jawa Barat"),
    p("33", "Jawa Tengah"),
    p("34", "DI Yogyakarta"),
    p("35", "Jawa Timur"),
    p("36", "Banten"),
    p("51", "Bali"),
    p("52", "Nusa Tenggara Barat"),
    p("53", "Nusa Tenggara Timur"),
    p("61", "Kalimantan Barat"),
    p("62", "Kalimantan Tengah"),
    p("63", "Kalimantan Selatan"),
    p("64", "Kalimantan Timur"),
    p("65", "Kalimantan Utara"),
    p("71", "Sulawesi Utara"),
    p("72", "Sulawesi Tengah"),
    p("73", "Sulawesi Selatan"),
    p("74", "Sulawesi Tenggara"),
    p("75", "Gorontalo"),
    p("76", "Sulawesi Barat"),
    p("81", "Maluku"),
    p("82", "Maluku Utara"),
    p("91", "Papua"),
    p("92", "Papua Barat"),
    p("93", "Papua Selatan"),
    p("94", "Papua Tengah"),
    p("95", "Papua Pegunungan"),
    p("96", "Papua Barat Daya"),
];

/// The regencies (kabupaten) and cities (kota) of Jawa Tengah and Nusa Tenggara Barat.
pub const REGENCIES: &[Place] = &[
    p("3301", "Kabupaten Cilacap"),
    p("3302", "Kabupaten Banyumas"),
    p("3303", "Kabupaten Purbalingga"),
    p("3304", "Kabupaten Banjarnegara"),
    p("3305", "Kabupaten Kebumen"),
    p("3306", "Kabupaten Purworejo"),
    p("3307", "Kabupaten Wonosobo"),
    p("3308", "Kabupaten Magelang"),
    p("3309", "Kabupaten Boyolali"),
    p("3310", "Kabupaten Klaten"),
    p("3311", "Kabupaten Sukoharjo"),
    p("3312", "Kabupaten Wonogiri"),
    p("3313", "Kabupaten Karanganyar"),
    p("3314", "Kabupaten Sragen"),
    p("3315", "Kabupaten Grobogan"),
    p("3316", "Kabupaten Blora"),
    p("3317", "Kabupaten Rembang"),
    p("3318", "Kabupaten Pati"),
    p("3319", "Kabupaten Kudus"),
    p("3320", "Kabupaten Jepara"),
    p("3321", "Kabupaten Demak"),
    p("3322", "Kabupaten Semarang"),
    p("3323", "Kabupaten Temanggung"),
    p("3324", "Kabupaten Kendal"),
    p("3325", "Kabupaten Batang"),
    p("3326", "Kabupaten Pekalongan"),
    p("3327", "Kabupaten Pemalang"),
    p("3328", "Kabupaten Tegal"),
    p("3329", "Kabupaten Brebes"),
    p("3371", "Kota Magelang"),
    p("3372", "Kota Surakarta"),
    p("3373", "Kota Salatiga"),
    p("3374", "Kota Semarang"),
    p("3375", "Kota Pekalongan"),
    p("3376", "Kota Tegal"),
    p("5201", "Kabupaten Lombok Barat"),
    p("5202", "Kabupaten Lombok Tengah"),
    p("5203", "Kabupaten Lombok Timur"),
    p("5204", "Kabupaten Sumbawa"),
    p("5205", "Kabupaten Dompu"),
    p("5206", "Kabupaten Bima"),
    p("5207", "Kabupaten Sumbawa Barat"),
    p("5208", "Kabupaten Lombok Utara"),
    p("5271", "Kota Mataram"),
    p("5272", "Kota Bima"),
];

/// How many of [`COUNTRIES`] are the main destinations, listed first.
pub const MAIN_DESTINATIONS: usize = 10;

/// Countries by ISO 3166 alpha-2 code: the main destinations of Indonesian migrant workers first
/// (Malaysia, Taiwan, Hong Kong, Saudi Arabia, Singapore, Korea, Japan, UAE, Qatar, Kuwait), then
/// Indonesia and the others in Indonesian alphabetical order.
pub const COUNTRIES: &[Place] = &[
    c("MY", "Malaysia", "Malaysia"),
    c("TW", "Taiwan", "Taiwan"),
    c("HK", "Hong Kong", "Hong Kong"),
    c("SA", "Arab Saudi", "Saudi Arabia"),
    c("SG", "Singapura", "Singapore"),
    c("KR", "Korea Selatan", "South Korea"),
    c("JP", "Jepang", "Japan"),
    c("AE", "Uni Emirat Arab", "United Arab Emirates"),
    c("QA", "Qatar", "Qatar"),
    c("KW", "Kuwait", "Kuwait"),
    c("ID", "Indonesia", "Indonesia"),
    c("AF", "Afganistan", "Afghanistan"),
    c("ZA", "Afrika Selatan", "South Africa"),
    c("US", "Amerika Serikat", "United States"),
    c("AU", "Australia", "Australia"),
    c("AT", "Austria", "Austria"),
    c("BH", "Bahrain", "Bahrain"),
    c("BD", "Bangladesh", "Bangladesh"),
    c("NL", "Belanda", "Netherlands"),
    c("BE", "Belgia", "Belgium"),
    c("BN", "Brunei Darussalam", "Brunei Darussalam"),
    c("DK", "Denmark", "Denmark"),
    c("PH", "Filipina", "Philippines"),
    c("FI", "Finlandia", "Finland"),
    c("IN", "India", "India"),
    c("GB", "Inggris (Britania Raya)", "United Kingdom"),
    c("IQ", "Irak", "Iraq"),
    c("IR", "Iran", "Iran"),
    c("IT", "Italia", "Italy"),
    c("DE", "Jerman", "Germany"),
    c("KH", "Kamboja", "Cambodia"),
    c("CA", "Kanada", "Canada"),
    c("KP", "Korea Utara", "North Korea"),
    c("LA", "Laos", "Laos"),
    c("LB", "Lebanon", "Lebanon"),
    c("LY", "Libia", "Libya"),
    c("MO", "Makau", "Macao"),
    c("MV", "Maladewa", "Maldives"),
    c("EG", "Mesir", "Egypt"),
    c("MM", "Myanmar", "Myanmar"),
    c("NP", "Nepal", "Nepal"),
    c("NO", "Norwegia", "Norway"),
    c("OM", "Oman", "Oman"),
    c("PK", "Pakistan", "Pakistan"),
    c("PG", "Papua Nugini", "Papua New Guinea"),
    c("FR", "Prancis", "France"),
    c("PL", "Polandia", "Poland"),
    c("RU", "Rusia", "Russia"),
    c("NZ", "Selandia Baru", "New Zealand"),
    c("ES", "Spanyol", "Spain"),
    c("LK", "Sri Lanka", "Sri Lanka"),
    c("SE", "Swedia", "Sweden"),
    c("CH", "Swiss", "Switzerland"),
    c("SY", "Suriah", "Syria"),
    c("TH", "Thailand", "Thailand"),
    c("TL", "Timor-Leste", "Timor-Leste"),
    c("CN", "Tiongkok", "China"),
    c("TR", "Turki", "Türkiye"),
    c("VN", "Vietnam", "Viet Nam"),
    c("YE", "Yaman", "Yemen"),
    c("JO", "Yordania", "Jordan"),
];

fn find(list: &'static [Place], code: &str) -> Option<&'static Place> {
    list.iter().find(|place| place.code == code)
}

/// The province with this code.
pub fn province(code: &str) -> Option<&'static Place> {
    find(PROVINCES, code)
}

/// The regency or city with this code.
pub fn regency(code: &str) -> Option<&'static Place> {
    find(REGENCIES, code)
}

/// The country with this ISO 3166 alpha-2 code (upper case).
pub fn country(code: &str) -> Option<&'static Place> {
    find(COUNTRIES, code)
}

/// The name of any place code: a province (2 digits), regency (4 digits) or country (2 letters);
/// the code itself when unknown.
pub fn name(code: &str, english: bool) -> String {
    let place = if code.bytes().all(|b| b.is_ascii_digit()) {
        province(code).or_else(|| regency(code))
    } else {
        country(code)
    };
    match place {
        Some(place) if english => place.en.to_owned(),
        Some(place) => place.id.to_owned(),
        None => code.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn unique(what: &str, list: &[Place]) {
        let codes: BTreeSet<&str> = list.iter().map(|place| place.code).collect();
        assert_eq!(codes.len(), list.len(), "{what}: codes are unique");
        let names: BTreeSet<&str> = list.iter().map(|place| place.id).collect();
        assert_eq!(names.len(), list.len(), "{what}: names are unique");
    }

    #[test]
    fn codes_are_unique_and_well_formed() {
        unique("provinces", PROVINCES);
        unique("regencies", REGENCIES);
        unique("countries", COUNTRIES);
        assert_eq!(PROVINCES.len(), 38);
        assert!(
            PROVINCES
                .iter()
                .all(|p| p.code.len() == 2 && p.code.bytes().all(|b| b.is_ascii_digit()))
        );
        assert!(
            REGENCIES.iter().all(
                |r| r.code.len() == 4 && (r.code.starts_with("33") || r.code.starts_with("52"))
            )
        );
        assert_eq!(
            REGENCIES
                .iter()
                .filter(|r| r.code.starts_with("33"))
                .count(),
            35
        );
        assert_eq!(
            REGENCIES
                .iter()
                .filter(|r| r.code.starts_with("52"))
                .count(),
            10
        );
        assert!(
            COUNTRIES
                .iter()
                .all(|c| c.code.len() == 2 && c.code.bytes().all(|b| b.is_ascii_uppercase()))
        );
        let main: Vec<&str> = COUNTRIES[..MAIN_DESTINATIONS]
            .iter()
            .map(|c| c.code)
            .collect();
        assert_eq!(
            main,
            ["MY", "TW", "HK", "SA", "SG", "KR", "JP", "AE", "QA", "KW"]
        );
    }

    #[test]
    fn names_of_codes() {
        assert_eq!(name("33", false), "Jawa Tengah");
        assert_eq!(name("3374", false), "Kota Semarang");
        assert_eq!(name("5271", true), "Kota Mataram");
        assert_eq!(name("SA", false), "Arab Saudi");
        assert_eq!(name("SA", true), "Saudi Arabia");
        assert_eq!(name("ZZ", false), "ZZ");
    }
}
