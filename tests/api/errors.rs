//! Bad input gets a precise problem and changes nothing: unknown routes and methods, bodies
//! that are too large, not JSON, or JSON of the wrong shape; database errors mapped to stable
//! codes on both backends.

use actix_web::http::StatusCode;
use actix_web::{App, HttpResponse, test as atest, web};
use chrono::Utc;
use rujukan::db::meta;
use rujukan::error::AppError;
use serde::Deserialize;

use crate::helpers::*;
use crate::{assert_problem_snapshot, both_backends};

async fn unknown_route_is_a_404_problem(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = app.get("/api/v1/nothing-here").await;
    assert_eq!(response.status(), 404);
    let body = problem(response).await;
    assert_eq!(body["code"], "route.not_found");
    assert_problem_snapshot!("route_not_found", body);
}
both_backends!(unknown_route_is_a_404_problem);

async fn wrong_method_is_a_405_problem_with_allow(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = app
        .client
        .delete(format!("{}/readyz", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["allow"], "GET");
    let body = problem(response).await;
    assert_eq!(body["code"], "method.not_allowed");
    assert_problem_snapshot!("method_not_allowed", body);
}
both_backends!(wrong_method_is_a_405_problem_with_allow);

/// A body type as every Rujukan API body is declared: unknown fields refused.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Probe {
    #[allow(dead_code)]
    name: String,
    #[allow(dead_code)]
    count: u32,
}

async fn probe(_body: web::Json<Probe>) -> HttpResponse {
    HttpResponse::NoContent().finish()
}

async fn post_json(
    limit: usize,
    content_type: &str,
    body: &str,
) -> (StatusCode, serde_json::Value) {
    // The crate's own extractor configuration in front of a JSON handler.
    let app = atest::init_service(
        App::new()
            .app_data(rujukan::http::extract::json_config(limit))
            .route("/probe", web::post().to(probe)),
    )
    .await;
    let request = atest::TestRequest::post()
        .uri("/probe")
        .insert_header(("content-type", content_type))
        .set_payload(body.to_owned())
        .to_request();
    let response = atest::call_service(&app, request).await;
    let status = response.status();
    let media = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned());
    let bytes = atest::read_body(response).await;
    if status.is_success() {
        return (status, serde_json::Value::Null);
    }
    assert_eq!(media.as_deref(), Some("application/problem+json"));
    (status, serde_json::from_slice(&bytes).unwrap())
}

#[actix_web::test]
async fn valid_json_passes() {
    let (status, _) = post_json(1024, "application/json", r#"{"name":"a","count":1}"#).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
}

#[actix_web::test]
async fn malformed_json_is_400() {
    let (status, body) = post_json(1024, "application/json", r#"{"name":"a","#).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["code"], "request.malformed_json");
}

#[actix_web::test]
async fn unknown_field_is_422_naming_it() {
    let (status, body) = post_json(
        1024,
        "application/json",
        r#"{"name":"a","count":1,"nmae":"b"}"#,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["code"], "validation.failed");
    assert_eq!(body["errors"][0]["field"], "nmae");
}

#[actix_web::test]
async fn wrong_type_and_missing_field_are_422() {
    let (status, body) =
        post_json(1024, "application/json", r#"{"name":"a","count":"many"}"#).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["detail"].as_str().unwrap().contains("invalid type"),
        "{body}"
    );
    let (status, body) = post_json(1024, "application/json", r#"{"name":"a"}"#).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["errors"][0]["field"], "count");
}

#[actix_web::test]
async fn oversized_json_is_413() {
    let big = format!(r#"{{"name":"{}","count":1}}"#, "x".repeat(5000));
    let (status, body) = post_json(1024, "application/json", &big).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(body["code"], "request.too_large");
}

#[actix_web::test]
async fn non_json_media_type_is_415() {
    let (status, body) = post_json(1024, "text/plain", r#"{"name":"a","count":1}"#).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(body["code"], "request.unsupported_media_type");
}

async fn database_errors_map_to_stable_codes(backend: Backend) {
    let db = TestDb::new(backend);
    let mut conn = db.migrated();
    let now = Utc::now().naive_utc();
    meta::insert(&mut conn, "installation", "pilot-kendal", now).unwrap();

    let duplicate = meta::insert(&mut conn, "installation", "other", now).unwrap_err();
    let error = AppError::from(duplicate);
    assert_eq!(error.code().as_str(), "conflict.duplicate");
    assert_eq!(
        actix_web::ResponseError::status_code(&error),
        StatusCode::CONFLICT
    );
    let kept = meta::get(&mut conn, "installation").unwrap().unwrap();
    assert_eq!(
        kept.value, "pilot-kendal",
        "the refused insert changed nothing"
    );

    let missing = diesel::QueryDsl::filter(
        rujukan::db::schema::system_meta::table,
        diesel::ExpressionMethods::eq(rujukan::db::schema::system_meta::key, "absent"),
    );
    let not_found =
        diesel::RunQueryDsl::first::<(String, String, chrono::NaiveDateTime)>(missing, &mut conn)
            .unwrap_err();
    assert_eq!(AppError::from(not_found).code().as_str(), "not_found");

    let too_long = "k".repeat(101);
    let refused = meta::insert(&mut conn, &too_long, "v", now).unwrap_err();
    assert_eq!(
        AppError::from(refused).code().as_str(),
        "internal",
        "a CHECK failure is a bug, not user input"
    );
    assert!(meta::get(&mut conn, &too_long).unwrap().is_none());
}
both_backends!(database_errors_map_to_stable_codes);

#[actix_web::test]
async fn unavailable_database_is_503_with_retry_after() {
    let response =
        actix_web::ResponseError::error_response(&AppError::Unavailable("pool timed out".into()));
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.headers().get("retry-after").unwrap(), "5");
    let body = atest::read_body(actix_web::dev::ServiceResponse::new(
        atest::TestRequest::default().to_http_request(),
        response,
    ))
    .await;
    let value: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(value["code"], "service.unavailable");
    assert!(
        !value["detail"].as_str().unwrap().contains("pool timed out"),
        "internal cause not exposed"
    );
}

#[actix_web::test]
async fn internal_errors_hide_their_cause() {
    let error = AppError::Internal(anyhow::anyhow!("password=hunter2 in connection string"));
    let response = actix_web::ResponseError::error_response(&error);
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body = atest::read_body(actix_web::dev::ServiceResponse::new(
        atest::TestRequest::default().to_http_request(),
        response,
    ))
    .await;
    assert!(!String::from_utf8_lossy(&body).contains("hunter2"));
}

#[test]
fn every_error_code_is_in_the_catalogue_of_docs_api_md() {
    use rujukan::error::ErrorCode;
    let catalogue = std::fs::read_to_string(repo_dir().join("docs/API.md")).unwrap();
    let codes: std::collections::BTreeSet<&str> =
        ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
    for expected in [
        "storage.unavailable",
        "request.uri_too_long",
        "request.headers_too_large",
        "request.timeout",
        "validation.failed",
    ] {
        assert!(codes.contains(expected), "{expected} is a code: {codes:?}");
    }
    let missing: Vec<&&str> = codes
        .iter()
        .filter(|code| !catalogue.contains(&format!("| `{code}` |")))
        .collect();
    assert!(
        missing.is_empty(),
        "codes missing from the catalogue in docs/API.md: {missing:?}"
    );
    // And the other way: the catalogue names no code Rujukan never answers with.
    let table = catalogue
        .split("| code | status | when |")
        .nth(1)
        .expect("the catalogue table in docs/API.md");
    let listed: Vec<&str> = table
        .lines()
        .skip(2)
        .take_while(|line| line.starts_with("| `"))
        .filter_map(|line| line.split('`').nth(1))
        .collect();
    assert_eq!(
        listed.len(),
        codes.len(),
        "one catalogue row per code: {listed:?}"
    );
    let unknown: Vec<&&str> = listed
        .iter()
        .filter(|code| !codes.contains(**code))
        .collect();
    assert!(
        unknown.is_empty(),
        "the catalogue lists codes that are not ErrorCode values: {unknown:?}"
    );
}

#[test]
fn the_api_document_lists_the_codes_as_they_are_sent() {
    use rujukan::error::ErrorCode;
    let document = serde_json::to_value(rujukan::http::openapi_document()).unwrap();
    let listed: Vec<String> = document["components"]["schemas"]["ErrorCode"]["enum"]
        .as_array()
        .unwrap_or_else(|| panic!("an ErrorCode enum in the document"))
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_owned())
        .collect();
    let sent: Vec<String> = ErrorCode::ALL
        .iter()
        .map(|c| c.as_str().to_owned())
        .collect();
    assert_eq!(listed, sent);
    // Every closed vocabulary is documented by its stored names, e.g. the handoff statuses.
    let statuses = &document["components"]["schemas"]["HandoffStatus"]["enum"];
    assert!(
        statuses
            .as_array()
            .is_some_and(|s| s.contains(&serde_json::json!("pending"))),
        "{statuses}"
    );
}
