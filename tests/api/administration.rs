//! Administrators administer; they do not read cases or climb (docs/ACCESS.md, "Roles and
//! agencies"), on both backends.

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::*;

struct World {
    app: TestApp,
    case: i64,
}

/// KemenPPPA (designated to audit) with an agency administrator and the system administrator, a
/// UPTD PPA with an administrator, a supervisor, a second administrator and a case, a police
/// agency and a legal-aid NGO with its administrator.
async fn world(backend: Backend) -> World {
    let app = TestApp::spawn(backend).await;
    app.agency("KEMENPPPA", "service_unit", "33");
    app.designate_audits("KEMENPPPA");
    app.agency("UPTD-PPA-JATENG", "service_unit", "33");
    app.agency("POLDA-JATENG", "police", "33");
    app.agency("LBH-SEMARANG", "legal_aid", "33");
    app.user("kem.admin", "KEMENPPPA", &["agency_admin"]);
    app.user("demo.sysadmin", "KEMENPPPA", &["sysadmin"]);
    app.user("ppa.admin", "UPTD-PPA-JATENG", &["agency_admin"]);
    app.user("ppa.admin2", "UPTD-PPA-JATENG", &["agency_admin"]);
    app.user("ppa.sup", "UPTD-PPA-JATENG", &["supervisor"]);
    app.user("ppa.cw", "UPTD-PPA-JATENG", &["caseworker"]);
    app.user("lbh.admin", "LBH-SEMARANG", &["agency_admin"]);
    let case = app
        .intake("ppa.cw", json!({"survivor": {"full_name": "Nur Aini"}}))
        .await;
    World { app, case }
}

impl World {
    async fn send(
        &self,
        method: reqwest::Method,
        token: &str,
        path: &str,
        body: Option<Value>,
    ) -> reqwest::Response {
        let mut request = self
            .app
            .client
            .request(method, format!("{}{path}", self.app.address))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.unwrap()
    }

    async fn id_of(&self, username: &str) -> i64 {
        let sysadmin = self.app.token("demo.sysadmin").await;
        let mut cursor = String::new();
        loop {
            let page: Value = self
                .app
                .get_as(&format!("/api/v1/users?limit=200{cursor}"), &sysadmin)
                .await
                .json()
                .await
                .unwrap();
            if let Some(u) = page["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|u| u["username"] == username)
            {
                return u["id"].as_i64().unwrap();
            }
            cursor = format!(
                "&cursor={}",
                page["next_cursor"].as_str().expect("user listed")
            );
        }
    }
}

async fn code(r: reqwest::Response) -> (u16, String) {
    let status = r.status().as_u16();
    (
        status,
        problem(r).await["code"].as_str().unwrap().to_owned(),
    )
}

async fn an_agency_administrator_cannot_take_over_a_system_administrator(backend: Backend) {
    let w = world(backend).await;
    let admin = w.app.token("kem.admin").await;
    let sysadmin_id = w.id_of("demo.sysadmin").await;
    let reset = w
        .app
        .post_json(
            &format!("/api/v1/users/{sysadmin_id}/password"),
            Some(&admin),
            json!({"new_password": "kapal layar menuju pulau seribu"}),
        )
        .await;
    assert_eq!(
        reset.status(),
        403,
        "no reset of a system administrator's password"
    );
    for patch in [
        json!({"active": false}),
        json!({"display_name": "Mallory"}),
        json!({"email": "mallory@example.org"}),
    ] {
        let r = w
            .send(
                reqwest::Method::PATCH,
                &admin,
                &format!("/api/v1/users/{sysadmin_id}"),
                Some(patch.clone()),
            )
            .await;
        assert_eq!(r.status(), 403, "{patch}");
    }
    // The system administrator still signs in with the old password, and nothing changed.
    let sysadmin = w.app.token("demo.sysadmin").await;
    let me: Value = w
        .app
        .get_as("/api/v1/me", &sysadmin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["roles"], json!(["sysadmin"]));
    let user: Value = w
        .app
        .get_as(&format!("/api/v1/users/{sysadmin_id}"), &sysadmin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (user["active"].as_bool(), user["display_name"].as_str()),
        (Some(true), Some("demo.sysadmin"))
    );
    // It still manages the agency's other users.
    let ok = w
        .app
        .post_json(
            "/api/v1/users",
            Some(&admin),
            json!({
                "username": "kem.staff",
                "agency": "KEMENPPPA",
                "roles": ["agency_admin"],
                "password": PASSWORD,
            }),
        )
        .await;
    assert_eq!(ok.status(), 201);
}
both_backends!(an_agency_administrator_cannot_take_over_a_system_administrator);

async fn nobody_grants_themselves_a_role(backend: Backend) {
    let w = world(backend).await;
    let admin = w.app.token("ppa.admin").await;
    let me = w.id_of("ppa.admin").await;
    for roles in [
        json!(["agency_admin", "caseworker"]),
        json!(["agency_admin", "supervisor"]),
        json!(["caseworker"]),
    ] {
        let r = w
            .send(
                reqwest::Method::PATCH,
                &admin,
                &format!("/api/v1/users/{me}"),
                Some(json!({"roles": roles.clone()})),
            )
            .await;
        assert_eq!(
            code(r).await,
            (403, "role.separation_of_duties".to_owned()),
            "{roles}"
        );
    }
    let sysadmin = w.app.token("demo.sysadmin").await;
    let own = w.id_of("demo.sysadmin").await;
    let r = w
        .send(
            reqwest::Method::PATCH,
            &sysadmin,
            &format!("/api/v1/users/{own}"),
            Some(json!({"roles": ["sysadmin", "supervisor"]})),
        )
        .await;
    assert_eq!(
        code(r).await,
        (403, "role.separation_of_duties".to_owned()),
        "system administrators neither"
    );
    let me_now: Value = w
        .app
        .get_as("/api/v1/me", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me_now["roles"], json!(["agency_admin"]));
}
both_backends!(nobody_grants_themselves_a_role);

async fn a_case_role_granted_by_whoever_set_the_password_waits_for_someone_else(backend: Backend) {
    let w = world(backend).await;
    let admin = w.app.token("ppa.admin").await;
    let created = w
        .app
        .post_json(
            "/api/v1/users",
            Some(&admin),
            json!({
                "username": "mallory",
                "agency": "UPTD-PPA-JATENG",
                "roles": ["caseworker"],
                "password": PASSWORD,
            }),
        )
        .await;
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.unwrap();
    assert_eq!(
        (created["roles"].clone(), created["pending_roles"].clone()),
        (json!([]), json!(["caseworker"]))
    );
    let id = created["id"].as_i64().unwrap();

    // The administrator signs in as the account it made: it reads no case.
    let mallory = w.app.token("mallory").await;
    assert_eq!(
        w.app
            .get_as(&format!("/api/v1/cases/{}", w.case), &mallory)
            .await
            .status(),
        404
    );
    let listed = w.app.get_as("/api/v1/cases", &mallory).await;
    assert_eq!(listed.status(), 403);
    let me: Value = w
        .app
        .get_as("/api/v1/me", &mallory)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["pending_roles"], json!(["caseworker"]));
    // It cannot confirm the grant itself, nor can the user.
    let r = w
        .app
        .post_json(
            &format!("/api/v1/users/{id}/roles/confirm"),
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(code(r).await, (403, "role.separation_of_duties".to_owned()));
    let r = w
        .app
        .post_json(
            &format!("/api/v1/users/{id}/roles/confirm"),
            Some(&mallory),
            json!({}),
        )
        .await;
    assert_eq!(r.status(), 404, "a caseworker-to-be administers no users");
    // Someone else does: the agency's supervisor.
    let sup = w.app.token("ppa.sup").await;
    let confirmed = w
        .app
        .post_json(
            &format!("/api/v1/users/{id}/roles/confirm"),
            Some(&sup),
            json!({}),
        )
        .await;
    assert_eq!(confirmed.status(), 200);
    let confirmed: Value = confirmed.json().await.unwrap();
    assert_eq!(
        (
            confirmed["roles"].clone(),
            confirmed["pending_roles"].clone()
        ),
        (json!(["caseworker"]), json!([]))
    );
    let mallory = w.app.token("mallory").await;
    assert_eq!(
        w.app
            .get_as(&format!("/api/v1/cases/{}", w.case), &mallory)
            .await
            .status(),
        200
    );

    // A reset by an administrator puts the role back to waiting; another administrator confirms.
    let reset = w
        .app
        .post_json(
            &format!("/api/v1/users/{id}/password"),
            Some(&admin),
            json!({"new_password": "kapal layar menuju pulau seribu"}),
        )
        .await;
    assert_eq!(reset.status(), 204);
    let after: Value = w
        .app
        .get_as(&format!("/api/v1/users/{id}"), &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(after["pending_roles"], json!(["caseworker"]));
    let r = w
        .app
        .post_json(
            &format!("/api/v1/users/{id}/roles/confirm"),
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(r.status(), 403);
    let admin2 = w.app.token("ppa.admin2").await;
    assert_eq!(
        w.app
            .post_json(
                &format!("/api/v1/users/{id}/roles/confirm"),
                Some(&admin2),
                json!({})
            )
            .await
            .status(),
        200
    );

    // A role granted to an account whose password its holder set is in force at once.
    let cw = w.id_of("ppa.cw").await;
    let r = w
        .send(
            reqwest::Method::PATCH,
            &admin,
            &format!("/api/v1/users/{cw}"),
            Some(json!({"roles": ["caseworker", "supervisor"]})),
        )
        .await;
    let r: Value = r.json().await.unwrap();
    assert_eq!(
        (r["roles"].clone(), r["pending_roles"].clone()),
        (json!(["caseworker", "supervisor"]), json!([]))
    );

    // Each grant is on the record with who granted it.
    let events: Vec<(String, Value)> = w
        .app
        .system_audit()
        .into_iter()
        .map(|e| (e.action, serde_json::from_str(&e.details).unwrap()))
        .collect();
    let created = events
        .iter()
        .find(|(a, d)| a == "user.created" && d["username"] == "mallory")
        .unwrap();
    assert_eq!(
        (
            created.1["granted_by"].as_str(),
            created.1["pending_confirmation"].clone()
        ),
        (Some("ppa.admin"), json!(["caseworker"]))
    );
    assert_eq!(
        events
            .iter()
            .filter(|(a, _)| a == "user.roles_confirmed")
            .count(),
        2
    );
    let reset = events
        .iter()
        .find(|(a, d)| a == "user.password_changed" && d["by_self"] == false)
        .unwrap();
    assert_eq!(reset.1["roles_suspended"], json!(["caseworker"]));
}
both_backends!(a_case_role_granted_by_whoever_set_the_password_waits_for_someone_else);

async fn roles_fit_the_kind_of_agency(backend: Backend) {
    let w = world(backend).await;
    let admin = w.app.token("ppa.admin").await;
    for role in ["investigator", "prosecutor", "court_clerk", "auditor"] {
        let r = w
            .app
            .post_json(
                "/api/v1/users",
                Some(&admin),
                json!({
                    "username": format!("x.{role}"),
                    "agency": "UPTD-PPA-JATENG",
                    "roles": [role],
                    "password": PASSWORD,
                }),
            )
            .await;
        assert_eq!(r.status(), 422, "{role} at a service unit");
        assert_eq!(problem(r).await["errors"][0]["field"], "roles");
    }
    let lbh = w.app.token("lbh.admin").await;
    let r = w
        .app
        .post_json(
            "/api/v1/users",
            Some(&lbh),
            json!({
                "username": "lbh.auditor",
                "agency": "LBH-SEMARANG",
                "roles": ["auditor"],
                "password": PASSWORD,
            }),
        )
        .await;
    assert_eq!(r.status(), 422, "a legal-aid NGO makes no auditors");
    let sysadmin = w.app.token("demo.sysadmin").await;
    let r = w
        .app
        .post_json(
            "/api/v1/users",
            Some(&sysadmin),
            json!({
                "username": "pol.inv",
                "agency": "POLDA-JATENG",
                "roles": ["investigator"],
                "password": PASSWORD,
            }),
        )
        .await;
    assert_eq!(r.status(), 201, "investigators at the police");
    let cw = w.id_of("ppa.cw").await;
    let r = w
        .send(
            reqwest::Method::PATCH,
            &admin,
            &format!("/api/v1/users/{cw}"),
            Some(json!({"roles": ["caseworker", "investigator"]})),
        )
        .await;
    assert_eq!(r.status(), 422, "not by a change either");

    // Auditors only at agencies a system administrator designated to audit.
    let r = w
        .app
        .post_json(
            "/api/v1/users",
            Some(&sysadmin),
            json!({
                "username": "ppa.auditor",
                "agency": "UPTD-PPA-JATENG",
                "roles": ["auditor"],
                "password": PASSWORD,
            }),
        )
        .await;
    assert_eq!(r.status(), 422);
    let designate = |token: String, audits: bool| {
        let w = &w;
        async move {
            w.send(
                reqwest::Method::PATCH,
                &token,
                "/api/v1/agencies/UPTD-PPA-JATENG",
                Some(json!({"audits": audits})),
            )
            .await
        }
    };
    assert_eq!(
        designate(admin.clone(), true).await.status(),
        403,
        "agency administrators do not designate"
    );
    let r = designate(sysadmin.clone(), true).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["audits"], true);
    let r = w
        .app
        .post_json(
            "/api/v1/users",
            Some(&sysadmin),
            json!({
                "username": "ppa.auditor",
                "agency": "UPTD-PPA-JATENG",
                "roles": ["auditor"],
                "password": PASSWORD,
            }),
        )
        .await;
    assert_eq!(r.status(), 201);
    assert_eq!(
        designate(sysadmin.clone(), false).await.status(),
        409,
        "not while an auditor remains"
    );
    assert_eq!(
        w.send(
            reqwest::Method::PATCH,
            &sysadmin,
            "/api/v1/agencies/NO-SUCH",
            Some(json!({"audits": true}))
        )
        .await
        .status(),
        404
    );
    assert!(
        w.app
            .system_audit()
            .iter()
            .any(|e| e.action == "agency.updated")
    );
}
both_backends!(roles_fit_the_kind_of_agency);

async fn user_ids_tell_nothing_to_those_who_administer_no_users(backend: Backend) {
    let w = world(backend).await;
    let cw = w.app.token("ppa.cw").await;
    let existing = w.id_of("ppa.admin").await;
    for path in [
        format!("/api/v1/users/{existing}"),
        "/api/v1/users/987654".to_owned(),
    ] {
        let r = w.app.get_as(&path, &cw).await;
        assert_eq!(code(r).await, (404, "not_found".to_owned()), "{path}");
        let r = w
            .send(
                reqwest::Method::PATCH,
                &cw,
                &path,
                Some(json!({"active": false})),
            )
            .await;
        assert_eq!(r.status(), 404, "PATCH {path}");
        let r = w
            .app
            .post_json(
                &format!("{path}/password"),
                Some(&cw),
                json!({"new_password": "kapal layar menuju pulau seribu"}),
            )
            .await;
        assert_eq!(r.status(), 404, "password {path}");
    }
}
both_backends!(user_ids_tell_nothing_to_those_who_administer_no_users);

async fn deactivation_stays_within_the_rules(backend: Backend) {
    let w = world(backend).await;
    let ppa_admin = w.app.token("ppa.admin").await;
    let sysadmin = w.app.token("demo.sysadmin").await;
    let lbh_admin = w.app.token("lbh.admin").await;
    let cw = w.id_of("ppa.cw").await;
    let patch = |token: String, id: i64, active: bool| {
        let w = &w;
        async move {
            w.send(
                reqwest::Method::PATCH,
                &token,
                &format!("/api/v1/users/{id}"),
                Some(json!({"active": active})),
            )
            .await
            .status()
            .as_u16()
        }
    };
    // Nobody deactivates their own account, so the last system administrator stays active.
    for (name, token) in [
        ("ppa.admin", ppa_admin.clone()),
        ("demo.sysadmin", sysadmin.clone()),
    ] {
        let own = w.id_of(name).await;
        assert_eq!(patch(token, own, false).await, 422, "{name}");
    }
    // To another agency's administrator the caseworker is outside their scope (404).
    assert_eq!(patch(lbh_admin, cw, false).await, 404);
    assert!(!w.app.token("ppa.cw").await.is_empty());
    // Her own agency's administrator deactivates and reactivates her.
    assert_eq!(patch(ppa_admin.clone(), cw, false).await, 200);
    let refused = w
        .app
        .post_json(
            "/api/v1/auth/login",
            None,
            json!({"username": "ppa.cw", "password": PASSWORD}),
        )
        .await;
    assert_eq!(refused.status(), 401);
    assert_eq!(patch(ppa_admin, cw, true).await, 200);
    assert!(!w.app.token("ppa.cw").await.is_empty());
    let updates: Vec<Value> = w
        .app
        .system_audit()
        .into_iter()
        .filter(|e| e.action == "user.updated" && e.actor_username.as_deref() == Some("ppa.admin"))
        .map(|e| serde_json::from_str(&e.details).unwrap())
        .collect();
    assert_eq!(
        updates
            .iter()
            .map(|d| d["active"].clone())
            .collect::<Vec<_>>(),
        [json!(false), json!(true)],
        "both on the record"
    );
}
both_backends!(deactivation_stays_within_the_rules);
