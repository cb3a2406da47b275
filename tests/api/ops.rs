//! Operations endpoints: health, readiness (also through a database outage), metrics,
//! the OpenAPI document and its offline browser, request ids, graceful stop.

use std::time::{Duration, Instant};

use crate::both_backends;
use crate::helpers::*;

async fn health_and_readiness_answer(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let health = app.get("/healthz").await;
    assert_eq!(health.status(), 200);
    let body: serde_json::Value = health.json().await.unwrap();
    assert_eq!(body["status"], "ok");

    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), 200);
    let body: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(body["status"], "ready");
    let expected = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    assert_eq!(body["database"], expected);
}
both_backends!(health_and_readiness_answer);

async fn every_response_carries_a_request_id(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let first = app.get("/healthz").await;
    let second = app.get("/no/such/page").await;
    let id = |r: &reqwest::Response| {
        r.headers()
            .get("x-request-id")
            .map(|v| v.to_str().unwrap().to_owned())
    };
    let (a, b) = (
        id(&first).expect("id on 200"),
        id(&second).expect("id on 404"),
    );
    assert_ne!(a, b, "each request gets its own id");
    let body = problem(second).await;
    assert_eq!(
        body["request_id"], b,
        "the problem names the same id as the header"
    );

    let relayed = app
        .client
        .get(format!("{}/healthz", app.address))
        .header("x-request-id", "lb-7f3a9c")
        .send()
        .await
        .unwrap();
    assert_eq!(
        relayed.headers()["x-request-id"],
        "lb-7f3a9c",
        "a load balancer's id is kept"
    );
}
both_backends!(every_response_carries_a_request_id);

async fn metrics_count_requests_by_route_and_status_and_show_the_pool(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for _ in 0..3 {
        assert_eq!(app.get("/healthz").await.status(), 200);
    }
    assert_eq!(app.get("/cases/123/secret").await.status(), 404);
    let response = app.get("/metrics").await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = response.text().await.unwrap();
    assert!(
        text.contains(
            r#"rujukan_http_requests_total{method="GET",route="/healthz",status="200"} 3"#
        ),
        "{text}"
    );
    assert!(
        text.contains(
            r#"rujukan_http_requests_total{method="GET",route="unmatched",status="404"} 1"#
        ),
        "{text}"
    );
    assert!(
        !text.contains("/cases/123/secret"),
        "raw paths never become labels"
    );
    let healthz_bucket = r#"rujukan_http_request_duration_seconds_bucket{method="GET",route="/healthz",status="200",le="+Inf"} 3"#;
    assert!(text.contains(healthz_bucket), "{text}");
    assert!(text.contains("rujukan_db_pool_connections "), "{text}");
    assert!(text.contains("rujukan_db_pool_idle_connections "), "{text}");
    let backend_name = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    assert!(
        text.contains(&format!(r#"rujukan_info{{backend="{backend_name}""#)),
        "{text}"
    );
}
both_backends!(metrics_count_requests_by_route_and_status_and_show_the_pool);

async fn openapi_document_describes_the_endpoints(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = app.get("/api/v1/openapi.json").await;
    assert_eq!(response.status(), 200);
    let doc: serde_json::Value = response.json().await.unwrap();
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3."),
        "OpenAPI 3: {}",
        doc["openapi"]
    );
    assert_eq!(doc["info"]["title"], "Rujukan API");
    for path in ["/healthz", "/readyz", "/metrics"] {
        let op = &doc["paths"][path]["get"];
        assert!(op.is_object(), "{path} documented");
        assert!(op["responses"]["200"].is_object(), "{path} documents 200");
    }
    assert!(doc["paths"]["/readyz"]["get"]["responses"]["503"].is_object());
    for (path, method) in [
        ("/api/v1/auth/login", "post"),
        ("/api/v1/auth/refresh", "post"),
        ("/api/v1/auth/logout", "post"),
        ("/api/v1/me", "get"),
        ("/api/v1/agencies", "get"),
        ("/api/v1/users", "post"),
        ("/api/v1/cases/{id}", "get"),
    ] {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} documented"
        );
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    let mut operation_ids = std::collections::BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{method} {path} has an operationId"))
                .to_owned();
            assert!(
                operation_ids.insert(id.clone()),
                "operationId {id} is not unique"
            );
        }
    }
    // Every $ref points at a schema that exists.
    let text = doc.to_string();
    for reference in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
        let name = reference.split('"').next().unwrap();
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "dangling $ref {name}"
        );
    }
}
both_backends!(openapi_document_describes_the_endpoints);

/// Operations that answer without a signed-in caller.
const OPEN_OPERATIONS: [&str; 6] = [
    "get /healthz",
    "get /readyz",
    "get /metrics",
    "post /api/v1/auth/login",
    "post /api/v1/auth/refresh",
    "post /api/v1/auth/session",
];

async fn every_operation_documents_its_refusals_as_problems(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let doc: serde_json::Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    let mut missing = Vec::new();
    let mut signed_in_operations = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let name = format!("{method} {path}");
            let problem = |status: &str| {
                op["responses"][status]["content"]["application/problem+json"]["schema"]["$ref"]
                    == "#/components/schemas/Problem"
            };
            let mut need = |status: &str, why: &str| {
                if !problem(status) {
                    missing.push(format!("{name}: no problem+json {status} ({why})"));
                }
            };
            let signed_in = op["security"].as_array().is_some_and(|s| !s.is_empty());
            if signed_in {
                signed_in_operations += 1;
                need("401", "it needs a signed-in caller");
                for scheme in ["bearer", "session"] {
                    assert!(
                        op["security"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .any(|s| s.get(scheme).is_some()),
                        "{name} lists the {scheme} security scheme"
                    );
                }
            } else {
                assert!(
                    OPEN_OPERATIONS.contains(&name.as_str()),
                    "{name} declares no security: a new endpoint that needs a caller must say so"
                );
            }
            if path.contains('{') {
                need("404", "its path names a resource");
            }
            for status in ["400", "408", "413", "414", "422", "431"] {
                need(status, "every request is screened");
            }
            if path.starts_with("/api/v1/") {
                need("503", "it reads the database");
            }
            for (status, response) in op["responses"].as_object().unwrap() {
                if status.starts_with('4') || status.starts_with('5') {
                    let types: Vec<&String> = response["content"]
                        .as_object()
                        .map(|c| c.keys().collect())
                        .unwrap_or_default();
                    assert_eq!(
                        types,
                        ["application/problem+json"],
                        "{name} {status} is a problem and nothing else"
                    );
                }
            }
        }
    }
    assert!(
        signed_in_operations > 40,
        "most operations need a caller: {signed_in_operations}"
    );
    assert!(
        missing.is_empty(),
        "undocumented refusals:\n{}",
        missing.join("\n")
    );
    assert_eq!(
        doc["components"]["securitySchemes"]["session"]["in"],
        "cookie"
    );
    assert_eq!(
        doc["components"]["securitySchemes"]["session"]["name"],
        "rujukan_session"
    );
    // Downloads name what they send.
    let content = |path: &str, status: &str| -> Vec<String> {
        let mut types: Vec<String> = doc["paths"][path]["get"]["responses"][status]["content"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        types.sort();
        types
    };
    assert_eq!(
        content("/api/v1/cases/{id}/audit-export", "200"),
        ["application/json", "text/csv"]
    );
    assert_eq!(
        content("/api/v1/stats/{indicator}/export", "200"),
        ["application/json", "text/csv"]
    );
    let documents = content("/api/v1/cases/{id}/documents/{document_id}", "200");
    for media in rujukan::domain::document::ACCEPTED {
        assert!(
            documents.iter().any(|d| d == media),
            "downloads declare {media}: {documents:?}"
        );
    }
}
both_backends!(every_operation_documents_its_refusals_as_problems);

async fn api_browser_works_offline(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let redirect = app.get("/api/docs").await;
    assert_eq!(redirect.status(), 308);
    assert_eq!(redirect.headers()["location"], "/api/docs/");

    let page = app.get("/api/docs/").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("swagger-ui"), "{html}");
    for attr in ["src=\"", "href=\""] {
        for value in html.split(attr).skip(1) {
            let target = value.split('"').next().unwrap();
            assert!(!target.contains("//"), "external asset {target}");
            let local = format!("/api/docs/{}", target.trim_start_matches("./"));
            assert_eq!(
                app.get(&local).await.status(),
                200,
                "asset {local} is served"
            );
        }
    }
    let init = app
        .get("/api/docs/swagger-initializer.js")
        .await
        .text()
        .await
        .unwrap();
    assert!(init.contains("/api/v1/openapi.json"), "{init}");
}
both_backends!(api_browser_works_offline);

async fn graceful_stop_finishes_and_returns(backend: Backend) {
    // A new installation: start-up applies every migration before serving.
    let db = TestDb::empty(backend);
    let settings = db.settings();
    let app = rujukan::startup::Application::build(&settings).unwrap();
    assert_eq!(
        rujukan::db::migrate::applied(&mut db.connect())
            .unwrap()
            .len(),
        std::fs::read_dir(repo_dir().join("migrations/sqlite"))
            .unwrap()
            .count(),
        "start-up applied every migration"
    );
    let address = format!("http://127.0.0.1:{}/healthz", app.port());
    let handle = app.handle();
    let server = actix_web::rt::spawn(app.run_until_stopped());
    assert_eq!(reqwest::get(&address).await.unwrap().status(), 200);
    handle.stop(true).await;
    let outcome = tokio::time::timeout(Duration::from_secs(10), server).await;
    assert!(
        matches!(outcome, Ok(Ok(Ok(())))),
        "server stopped cleanly: {outcome:?}"
    );
    assert!(reqwest::get(&address).await.is_err(), "no longer listening");
}
both_backends!(graceful_stop_finishes_and_returns);

/// A web page whose session cannot be checked because the database is unreachable answers 503
/// (with `Retry-After`), and does not send its user to the login page: the session is intact and
/// works again when the database does. PostgreSQL only, as above.
#[actix_web::test]
async fn a_page_during_an_outage_is_503_not_the_login_page() {
    if !postgres_available() {
        return;
    }
    let db = TestDb::new(Backend::Postgres);
    let proxy = DbProxy::start(postgres_authority(&postgres_base_url()));
    let mut settings = db.settings();
    let through_proxy = with_authority(db.url(), &format!("127.0.0.1:{}", proxy.port()));
    settings.database.url = secrecy::SecretString::from(through_proxy);
    let app = TestApp::spawn_with(db, settings).await;
    app.agency("SU-ALPHA", "service_unit", "33");
    app.user("alpha.cw", "SU-ALPHA", &["caseworker"]);
    let (session, _) = crate::pages::web_session(&app, "alpha.cw").await;

    proxy.cut();
    let (status, html) = crate::pages::web_get(&app, &session, "/inbox").await;
    assert_eq!(status, 503, "{html}");
    assert!(html.contains("basis data"), "{html}");

    proxy.restore();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, _) = crate::pages::web_get(&app, &session, "/inbox").await;
        if status == 200 {
            break;
        }
        assert_eq!(
            status, 503,
            "only 503 while recovering, never the login page"
        );
        assert!(Instant::now() < deadline, "the page did not come back");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Stopping PostgreSQL under a running server: `/readyz` turns 503 (a problem, promptly, not a
/// hang or a 500) and comes back by itself when the database does. PostgreSQL only: SQLite is a
/// file inside the process and has no server to stop.
#[actix_web::test]
async fn readiness_follows_a_postgres_outage_without_restart() {
    if !postgres_available() {
        return;
    }
    let db = TestDb::new(Backend::Postgres);
    let proxy = DbProxy::start(postgres_authority(&postgres_base_url()));
    let mut settings = db.settings();
    let through_proxy = with_authority(db.url(), &format!("127.0.0.1:{}", proxy.port()));
    settings.database.url = secrecy::SecretString::from(through_proxy);
    let app = TestApp::spawn_with(db, settings).await;

    assert_eq!(app.get("/readyz").await.status(), 200);

    proxy.cut();
    let started = Instant::now();
    let down = app.get("/readyz").await;
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "answered promptly: {:?}",
        started.elapsed()
    );
    assert_eq!(down.status(), 503);
    assert!(down.headers().contains_key("retry-after"));
    let body = problem(down).await;
    assert_eq!(body["code"], "service.unavailable");
    assert_eq!(
        app.get("/healthz").await.status(),
        200,
        "liveness does not depend on the database"
    );

    proxy.restore();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let status = app.get("/readyz").await.status();
        if status == 200 {
            break;
        }
        assert_eq!(status, 503, "only 503 while recovering");
        assert!(Instant::now() < deadline, "readiness did not come back");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Once ready, requests find live connections: the dead ones were dropped, not handed out.
    for i in 0..8 {
        let login = app
            .post_json(
                "/api/v1/auth/login",
                None,
                serde_json::json!({"username": format!("nobody{i}"), "password": "wrong password here"}),
            )
            .await;
        assert_eq!(login.status(), 401, "answered from the database again");
    }
}
