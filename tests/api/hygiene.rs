//! Input that cannot reach the database as garbage, on both backends: control characters in every
//! kind of input, strict dates, page sizes, uploads judged by their content, oversized heads,
//! stalled bodies, redirects that stay on the site, and the client address behind proxies.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::*;
use crate::pages::{client, cookie, count, hidden_csrf, web_session};
use crate::{assert_problem_snapshot, both_backends};

async fn setup(backend: Backend) -> TestApp {
    let app = TestApp::spawn(backend).await;
    app.agency("UPTD-PPA-JATENG", "service_unit", "33");
    app.user("siti.cw", "UPTD-PPA-JATENG", &["caseworker"]);
    app
}

/// `POST path` with a raw body of `media` type and an optional bearer token.
async fn post_raw(
    app: &TestApp,
    path: &str,
    token: Option<&str>,
    media: &str,
    body: impl Into<reqwest::Body>,
) -> reqwest::Response {
    let mut request = app
        .client
        .post(format!("{}{path}", app.address))
        .header("content-type", media)
        .body(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

async fn control_characters_are_refused_in_every_input_and_change_nothing(backend: Backend) {
    let app = setup(backend).await;
    let token = app.token("siti.cw").await;
    let case = app
        .intake("siti.cw", json!({"survivor": {"full_name": "Ratna Dewi"}}))
        .await;
    let audit_before = count(&app, "audit_events");

    // JSON bodies: 422 naming the field by its dotted path (the login one without signing in).
    let bodies: [(&str, Option<&str>, Value, &str); 5] = [
        (
            "/api/v1/auth/login",
            None,
            json!({"username": "siti\u{0}", "password": "x"}),
            "username",
        ),
        (
            "/api/v1/cases",
            Some(&token),
            json!({"survivor": {"full_name": "Siti\u{0}Aminah"}}),
            "survivor.full_name",
        ),
        (
            "/api/v1/cases",
            Some(&token),
            json!({
                "survivor": {"full_name": "Siti"},
                "incidents": [{"date": "2026-01-02"}, {"description": "x\u{1b}[31m"}],
            }),
            "incidents[1].description",
        ),
        (
            &format!("/api/v1/cases/{case}/notes"),
            Some(&token),
            json!({"body": "catatan\u{7}"}),
            "body",
        ),
        (
            &format!("/api/v1/cases/{case}/reveal-identity"),
            Some(&token),
            json!({"purpose": "\u{0}"}),
            "purpose",
        ),
    ];
    for (path, token, body, field) in bodies {
        let answer = app.post_json(path, token, body).await;
        assert_eq!(answer.status(), 422, "{path}");
        let problem = problem(answer).await;
        assert_eq!(problem["code"], "validation.failed");
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
        assert!(
            problem["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("control character")
        );
    }

    // Query strings: 400 naming the parameter.
    for (path, parameter) in [
        ("/api/v1/cases?number=JT%00", "number"),
        ("/api/v1/audit/events?user=a%01b", "user"),
        ("/cases?status=open&number=%1B", "number"),
    ] {
        let answer = app.get_as(path, &token).await;
        assert_eq!(answer.status(), 400, "{path}");
        let problem = problem(answer).await;
        assert_eq!(problem["code"], "request.invalid_query");
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .starts_with(&format!("{parameter}: ")),
            "{problem}"
        );
    }
    let upload = post_raw(
        &app,
        &format!("/api/v1/cases/{case}/documents?filename=visum%00.pdf"),
        Some(&token),
        "application/pdf",
        b"%PDF-1.4\n".to_vec(),
    )
    .await;
    assert_eq!(upload.status(), 400);
    assert!(
        problem(upload).await["detail"]
            .as_str()
            .unwrap()
            .starts_with("filename: ")
    );

    // Path segments.
    let answer = app.get_as("/api/v1/stats/cases%00", &token).await;
    assert_eq!(answer.status(), 400);
    assert_eq!(problem(answer).await["code"], "request.invalid_path");

    // Web forms: the login form and a case form.
    let form = client()
        .get(format!("{}/login", app.address))
        .send()
        .await
        .unwrap();
    let login_csrf = cookie(&form, "rujukan_login_csrf").unwrap();
    let csrf = hidden_csrf(&form.text().await.unwrap());
    let answer = client()
        .post(format!("{}/login", app.address))
        .header("cookie", &login_csrf)
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("username", "siti\u{0}"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 422);
    assert_eq!(problem(answer).await["errors"][0]["field"], "username");
    let (session, csrf) = web_session(&app, "siti.cw").await;
    let answer = client()
        .post(format!("{}/cases/{case}/notes", app.address))
        .header("cookie", &session)
        .form(&[("csrf_token", csrf.as_str()), ("body", "catatan\u{0}")])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 422);
    assert_eq!(problem(answer).await["errors"][0]["field"], "body");

    // Multipart: a file name with a NUL is refused next to the file field.
    let multipart = format!(
        "--XyZ\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{csrf}\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"visum\u{0}.txt\"\r\nContent-Type: text/plain\r\n\r\nhasil visum\r\n--XyZ--\r\n"
    );
    let answer = client()
        .post(format!("{}/cases/{case}/documents", app.address))
        .header("cookie", &session)
        .header("content-type", "multipart/form-data; boundary=XyZ")
        .body(multipart)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 422);
    assert!(answer.text().await.unwrap().contains("err-document-file"));

    assert_eq!(count(&app, "cases"), 1, "only the case taken in before");
    assert_eq!(count(&app, "case_notes") + count(&app, "documents"), 0);
    assert_eq!(
        count(
            &app,
            &format!(
                "audit_events WHERE id > {audit_before} AND action NOT IN ('case.viewed', 'auth.login', 'auth.login_failed')"
            )
        ),
        0,
        "nothing but logins on the record"
    );

    // Tabs and line breaks are text.
    let note = app
        .post_json(
            &format!("/api/v1/cases/{case}/notes"),
            Some(&token),
            json!({"body": "baris satu\r\n\tbaris dua"}),
        )
        .await;
    assert_eq!(note.status(), 201);
}
both_backends!(control_characters_are_refused_in_every_input_and_change_nothing);

async fn dates_are_strictly_yyyy_mm_dd_and_limits_at_least_one(backend: Backend) {
    let app = setup(backend).await;
    let token = app.token("siti.cw").await;
    for bad in ["1994-3-17", "+1994-03-17", "1994-03-7", "17-03-1994"] {
        let answer = app
            .post_json(
                "/api/v1/cases",
                Some(&token),
                json!({"survivor": {"full_name": "Siti", "date_of_birth": bad}}),
            )
            .await;
        assert_eq!(answer.status(), 422, "{bad}");
        assert_eq!(
            problem(answer).await["errors"][0]["field"],
            "survivor.date_of_birth"
        );
    }
    for (query, field) in [("from=2026-1-1", "from"), ("to=%2B2026-01-01", "to")] {
        let answer = app.get_as(&format!("/api/v1/cases?{query}"), &token).await;
        assert_eq!(answer.status(), 422, "{query}");
        assert_eq!(problem(answer).await["errors"][0]["field"], field);
    }
    assert_eq!(count(&app, "cases"), 0);
    let good = app
        .post_json(
            "/api/v1/cases",
            Some(&token),
            json!({"survivor": {"full_name": "Siti", "date_of_birth": "1994-03-17"}}),
        )
        .await;
    assert_eq!(good.status(), 201);
    assert_eq!(
        app.get_as("/api/v1/cases?from=2026-01-01", &token)
            .await
            .status(),
        200
    );

    for path in [
        "/api/v1/cases?limit=0",
        "/api/v1/cases?limit=-5",
        "/api/v1/agencies?limit=0",
        "/api/v1/handoffs?box=incoming&limit=-1",
    ] {
        let answer = app.get_as(path, &token).await;
        assert_eq!(answer.status(), 400, "{path}");
        let problem = problem(answer).await;
        assert_eq!(problem["code"], "request.invalid_query");
        assert!(
            problem["detail"].as_str().unwrap().contains("limit"),
            "{problem}"
        );
    }
    let one: Value = app
        .get_as("/api/v1/cases?limit=1", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(one["items"].as_array().unwrap().len(), 1);
}
both_backends!(dates_are_strictly_yyyy_mm_dd_and_limits_at_least_one);

/// A ZIP of `entries` (name, content), stored without compression.
fn zip_of(entries: &[(&str, &str)]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, text) in entries {
        writer.start_file(*name, options).unwrap();
        writer.write_all(text.as_bytes()).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
const ODT: &str = "application/vnd.oasis.opendocument.text";

async fn uploads_are_judged_by_their_content(backend: Backend) {
    let app = setup(backend).await;
    let token = app.token("siti.cw").await;
    let case = app
        .intake("siti.cw", json!({"survivor": {"full_name": "Ratna Dewi"}}))
        .await;
    let upload = |name: &'static str, media: &'static str, body: Vec<u8>| {
        let token = token.clone();
        let path = format!("/api/v1/cases/{case}/documents");
        let client = app.client.clone();
        let address = app.address.clone();
        async move {
            client
                .post(format!("{address}{path}"))
                .query(&[("filename", name)])
                .bearer_auth(token)
                .header("content-type", media)
                .body(body)
                .send()
                .await
                .unwrap()
        }
    };

    // A program sent as a PDF, a PDF sent as text, text sent as a PNG: 415, nothing stored.
    for (media, body, found) in [
        (
            "application/pdf",
            b"MZ\x90\x00\x03\x00\x00\x00\x04\x00".to_vec(),
            "portable-executable",
        ),
        (
            "text/plain",
            b"%PDF-1.4\n%%EOF\n".to_vec(),
            "application/pdf",
        ),
        ("image/png", b"just words".to_vec(), "text/plain"),
        (DOCX, zip_of(&[("readme.txt", "hello")]), "application/zip"),
    ] {
        let answer = upload("surat.pdf", media, body).await;
        assert_eq!(answer.status(), 415, "{media}");
        let problem = problem(answer).await;
        assert_eq!(problem["code"], "request.unsupported_media_type");
        let detail = problem["detail"].as_str().unwrap();
        assert!(
            detail.contains(found) && detail.contains(&format!("not {media}")),
            "{detail}"
        );
    }
    assert_eq!(count(&app, "documents"), 0);
    assert_eq!(
        std::fs::read_dir(app.db.dir().join("data"))
            .unwrap()
            .filter(|e| e.as_ref().unwrap().file_name() == "documents")
            .count(),
        0,
        "no file written"
    );

    // Office documents travel as official letters.
    let docx = zip_of(&[
        ("[Content_Types].xml", "<Types/>"),
        ("_rels/.rels", "<Relationships/>"),
        ("word/document.xml", "<w:document/>"),
    ]);
    let stored = upload("Surat Kejaksaan.docx", DOCX, docx.clone()).await;
    assert_eq!(stored.status(), 201);
    let stored: Value = stored.json().await.unwrap();
    assert_eq!(stored["content_type"], DOCX);
    let odt = zip_of(&[
        ("mimetype", ODT),
        ("content.xml", "<office:document-content/>"),
    ]);
    assert_eq!(upload("berita-acara.odt", ODT, odt).await.status(), 201);

    // A file name that hides its real ending behind a direction control is cleaned.
    let tricky = upload(
        "visum\u{202E}fdp.exe\u{200F}",
        "application/pdf",
        b"%PDF-1.4\n%%EOF\n".to_vec(),
    )
    .await;
    assert_eq!(tricky.status(), 201);
    let tricky: Value = tricky.json().await.unwrap();
    assert_eq!(tricky["filename"], "visumfdp.exe");

    // Downloads are never sniffed by the browser.
    let download = app
        .get_as(
            &format!("/api/v1/cases/{case}/documents/{}", stored["id"]),
            &token,
        )
        .await;
    assert_eq!(download.status(), 200);
    assert_eq!(download.headers()["x-content-type-options"], "nosniff");
    assert_eq!(download.headers()["content-type"], DOCX);
    assert_eq!(download.bytes().await.unwrap().to_vec(), docx);

    // The web form says so next to the file field.
    let (session, csrf) = web_session(&app, "siti.cw").await;
    let multipart = format!(
        "--XyZ\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{csrf}\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"visum.pdf\"\r\nContent-Type: application/pdf\r\n\r\nnot a pdf at all\r\n--XyZ--\r\n"
    );
    let answer = client()
        .post(format!("{}/cases/{case}/documents", app.address))
        .header("cookie", &session)
        .header("content-type", "multipart/form-data; boundary=XyZ")
        .body(multipart)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 415);
    let page = answer.text().await.unwrap();
    assert!(
        page.contains("err-document-file") && page.contains("Isi berkas tidak sesuai"),
        "{page}"
    );
    assert!(
        page.contains(".docx"),
        "the form's accept list names the office formats"
    );
    assert_eq!(count(&app, "documents"), 3);
}
both_backends!(uploads_are_judged_by_their_content);

async fn oversized_uris_and_headers_are_problems(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let long = format!("/api/v1/cases?number={}", "A".repeat(9 * 1024));
    let answer = app.get(&long).await;
    assert_eq!(answer.status(), 414);
    let body = problem(answer).await;
    assert_eq!(body["code"], "request.uri_too_long");
    assert_problem_snapshot!("uri_too_long", body);

    let answer = app
        .client
        .get(format!("{}/healthz", app.address))
        .header("x-padding", "p".repeat(40 * 1024))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 431);
    assert_eq!(problem(answer).await["code"], "request.headers_too_large");

    // A normal request still passes.
    assert_eq!(app.get("/healthz").await.status(), 200);
}
both_backends!(oversized_uris_and_headers_are_problems);

/// Sends `head` and `body` over a raw connection, then waits for the answer (at most `wait`).
fn raw_exchange(address: &str, head: &str, body: &[u8], wait: Duration) -> (String, Duration) {
    let authority = address.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(authority).unwrap();
    stream.set_read_timeout(Some(wait)).unwrap();
    let started = Instant::now();
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    while let Ok(n) = stream.read(&mut buffer) {
        if n == 0 {
            break;
        }
        answer.extend_from_slice(&buffer[..n]);
        if String::from_utf8_lossy(&answer).contains("\r\n\r\n{") && answer.ends_with(b"}") {
            break;
        }
    }
    (
        String::from_utf8_lossy(&answer).into_owned(),
        started.elapsed(),
    )
}

async fn a_stalled_body_is_cut_after_the_configured_time(backend: Backend) {
    let db = TestDb::new(backend);
    let mut settings = db.settings();
    settings.server.client_request_timeout_secs = std::num::NonZeroU64::new(1).unwrap();
    let app = TestApp::spawn_with(db, settings).await;
    let address = app.address.clone();
    // A JSON body that promises 200 bytes and sends 20, and an upload that stops half-way.
    let (json_answer, json_took) = actix_web::rt::task::spawn_blocking({
        let address = address.clone();
        let head = "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\n\
                    Content-Type: application/json\r\nContent-Length: 200\r\n\r\n";
        move || {
            raw_exchange(
                &address,
                head,
                br#"{"username": "siti","#,
                Duration::from_secs(10),
            )
        }
    })
    .await
    .unwrap();
    assert!(json_answer.starts_with("HTTP/1.1 408"), "{json_answer}");
    assert!(
        json_answer.contains("request.timeout") && json_answer.contains("application/problem+json"),
        "{json_answer}"
    );
    assert!(
        json_took >= Duration::from_millis(900) && json_took < Duration::from_secs(5),
        "{json_took:?}"
    );

    let (upload_answer, _) = actix_web::rt::task::spawn_blocking(move || {
        let head = "POST /api/v1/cases/1/documents?filename=a.pdf HTTP/1.1\r\nHost: x\r\n\
                    Content-Type: application/pdf\r\nContent-Length: 5000\r\n\r\n";
        raw_exchange(&address, head, b"%PDF-1.4\n", Duration::from_secs(10))
    })
    .await
    .unwrap();
    // Not signed in: refused at once or cut after a second, never left hanging.
    assert!(
        upload_answer.starts_with("HTTP/1.1 401") || upload_answer.starts_with("HTTP/1.1 408"),
        "{upload_answer}"
    );
}
both_backends!(a_stalled_body_is_cut_after_the_configured_time);

async fn redirects_stay_on_the_site(backend: Backend) {
    let app = setup(backend).await;
    for (back, to) in [
        ("/cases/7", "/cases/7"),
        ("//evil.example", "/inbox"),
        ("/\\evil.example", "/inbox"),
        ("/\tevil.example", "/inbox"),
        ("/%09/evil.example", "/inbox"),
        ("https://evil.example", "/inbox"),
        ("", "/inbox"),
    ] {
        let switched = client()
            .get(format!("{}/lang/en", app.address))
            .query(&[("back", back)])
            .send()
            .await
            .unwrap();
        assert_eq!(switched.status(), 303);
        assert_eq!(switched.headers()["location"], to, "back={back:?}");
    }
    for (next, to) in [
        ("/cases/7", "/cases/7"),
        ("//evil.example", "/inbox"),
        ("/%5Cevil.example", "/inbox"),
        ("/%09/evil.example", "/inbox"),
        ("/login", "/inbox"),
    ] {
        let form = client()
            .get(format!("{}/login", app.address))
            .send()
            .await
            .unwrap();
        let login_csrf = cookie(&form, "rujukan_login_csrf").unwrap();
        let token = hidden_csrf(&form.text().await.unwrap());
        let signed = client()
            .post(format!("{}/login", app.address))
            .header("cookie", format!("{login_csrf}; rujukan_next={next}"))
            .form(&[
                ("csrf_token", token.as_str()),
                ("username", "siti.cw"),
                ("password", PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(signed.status(), 303);
        assert_eq!(signed.headers()["location"], to, "next={next:?}");
    }
}
both_backends!(redirects_stay_on_the_site);

/// A failed API login from the test client with `X-Forwarded-For: forwarded`.
async fn login_from(app: &TestApp, forwarded: &str) -> u16 {
    app.client
        .post(format!("{}/api/v1/auth/login", app.address))
        .header("x-forwarded-for", forwarded)
        .json(&json!({"username": format!("nobody-{forwarded}"), "password": "wrong"}))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn forwarded_addresses_count_only_from_trusted_proxies(backend: Backend) {
    // No proxy trusted: a client cannot escape the limit by forging the header.
    let db = TestDb::new(backend);
    let mut settings = db.settings();
    settings.auth.login_per_ip_per_minute = 2;
    let direct = TestApp::spawn_with(db, settings).await;
    assert_eq!(login_from(&direct, "198.51.100.1").await, 401);
    assert_eq!(login_from(&direct, "198.51.100.2").await, 401);
    assert_eq!(
        login_from(&direct, "198.51.100.3").await,
        429,
        "the forged header is ignored"
    );
    let recorded: Vec<Option<String>> = direct
        .system_audit()
        .into_iter()
        .filter(|e| e.action == "auth.login_failed")
        .map(|e| e.client_ip)
        .collect();
    assert!(
        recorded.iter().all(|ip| ip.as_deref() == Some("127.0.0.1")),
        "{recorded:?}"
    );

    // Behind a trusted proxy (the test client on 127.0.0.1 plays it): the forwarded client counts.
    let db = TestDb::new(backend);
    let mut settings = db.settings();
    settings.auth.login_per_ip_per_minute = 2;
    settings.server.trusted_proxies = vec![rujukan::config::parse_proxy("127.0.0.1").unwrap()];
    let proxied = TestApp::spawn_with(db, settings).await;
    assert_eq!(login_from(&proxied, "6.6.6.6, 198.51.100.1").await, 401);
    assert_eq!(login_from(&proxied, "198.51.100.1").await, 401);
    assert_eq!(
        login_from(&proxied, "7.7.7.7, 198.51.100.1").await,
        429,
        "the right-most untrusted hop is the client"
    );
    assert_eq!(
        login_from(&proxied, "198.51.100.2").await,
        401,
        "another client has its own limit"
    );
    // IPv6 clients are counted by their /64.
    assert_eq!(login_from(&proxied, "2001:db8:5:6::1").await, 401);
    assert_eq!(login_from(&proxied, "2001:db8:5:6:aaaa::2").await, 401);
    assert_eq!(
        login_from(&proxied, "2001:db8:5:6:ffff::3").await,
        429,
        "same /64"
    );
    assert_eq!(
        login_from(&proxied, "2001:db8:5:7::1").await,
        401,
        "the next /64"
    );
    let recorded: Vec<String> = proxied
        .system_audit()
        .into_iter()
        .filter(|e| e.action == "auth.login_failed")
        .filter_map(|e| e.client_ip)
        .collect();
    assert!(
        recorded.contains(&"198.51.100.2".to_owned())
            && recorded.contains(&"2001:db8:5:7::1".to_owned()),
        "{recorded:?}"
    );
    assert!(
        !recorded
            .iter()
            .any(|ip| ip == "6.6.6.6" || ip == "127.0.0.1"),
        "{recorded:?}"
    );
}
both_backends!(forwarded_addresses_count_only_from_trusted_proxies);
