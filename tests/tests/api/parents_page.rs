//! Guardian invitations and the parents' page (DESIGN.md §3.10): the school invites a
//! parent by link; the page (HTML, no JavaScript, nothing from elsewhere) records the
//! parent's decisions as the guardian's, with the invitation as evidence, and the
//! agreement to the plan version it showed. Over HTTP, and in a real browser.

use driehoek_tests::{Reply, TestApp, World};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn plan_path(w: &World) -> String {
    format!("/v1/tenants/{}/students/{}/route-plan", w.tenant, w.student)
}

fn invitations_path(w: &World, student: &str) -> String {
    format!(
        "/v1/tenants/{}/students/{student}/guardian-invitations",
        w.tenant
    )
}

/// The world's pupil with a plan, and an invitation asking two purposes and the plan:
/// the invitation's reply.
async fn invited(app: &TestApp, w: &World, language: &str) -> Reply {
    let plan = app
        .put(
            &plan_path(w),
            &w.school_key,
            json!({"route_map_id": w.route_map, "steps": ["vmbo", "mbo", "ict"]}),
        )
        .await;
    assert_eq!(plan.status, StatusCode::OK, "{:?}", plan.body);
    let reply = app
        .post(
            &invitations_path(w, &w.student),
            &w.school_key,
            json!({"purposes": ["share_with_business", "media"], "route_plan": true,
                   "language": language, "expires_in_days": 14}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    reply
}

/// The page's path from an invitation's url.
fn page_path(invitation: &Reply) -> String {
    let url = invitation.body["url"].as_str().unwrap();
    let at = url.find("/invitations/").unwrap();
    url[at..].to_owned()
}

struct Html {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    text: String,
}

impl Html {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The value of the hidden form token.
    fn form_token(&self) -> String {
        let at = self.text.find("name=\"form_token\" value=\"").unwrap() + 25;
        self.text[at..].split('"').next().unwrap().to_owned()
    }

    fn plan_version(&self) -> String {
        let at = self.text.find("name=\"plan_version\" value=\"").unwrap() + 27;
        self.text[at..].split('"').next().unwrap().to_owned()
    }
}

async fn get_page(app: &TestApp, path: &str) -> Html {
    let reply = app
        .http
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .unwrap();
    Html {
        status: reply.status(),
        headers: reply.headers().clone(),
        text: reply.text().await.unwrap(),
    }
}

async fn post_page(app: &TestApp, path: &str, cookie: Option<&str>, form: &[(&str, &str)]) -> Html {
    let mut request = app
        .http
        .post(format!("{}{path}", app.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(
            url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(form)
                .finish(),
        );
    if let Some(token) = cookie {
        request = request.header("cookie", format!("dh_form={token}"));
    }
    let reply = request.send().await.unwrap();
    Html {
        status: reply.status(),
        headers: reply.headers().clone(),
        text: reply.text().await.unwrap(),
    }
}

async fn ledger(app: &TestApp, w: &World) -> Vec<Value> {
    app.get(
        &format!("/v1/tenants/{}/students/{}/consents", w.tenant, w.student),
        &w.school_key,
    )
    .await
    .body["ledger"]
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn a_school_invites_lists_and_revokes_and_no_one_else_may() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let made = invited(&app, &w, "nl").await;
    assert_eq!(made.header("cache-control"), Some("no-store"));
    assert_eq!(made.body["status"], "open");
    assert_eq!(made.body["language"], "nl");
    let url = made.body["url"].as_str().unwrap();
    assert!(
        url.starts_with(&app.base) && url.contains("/invitations/dhi_"),
        "{url}"
    );
    let path = invitations_path(&w, &w.student);
    let listed = app.get(&path, &w.school_key).await;
    assert_eq!(listed.status, StatusCode::OK);
    assert_eq!(listed.body["data"].as_array().unwrap().len(), 1);
    assert!(
        !listed.body.to_string().contains("dhi_"),
        "no link is listed"
    );

    // Bad input: a clear problem, nothing made.
    for (body, pointer) in [
        (json!({"purposes": []}), "/purposes"),
        (
            json!({"purposes": ["media"], "expires_in_days": 0}),
            "/expires_in_days",
        ),
        (
            json!({"purposes": ["media"], "expires_in_days": 31}),
            "/expires_in_days",
        ),
        (json!({"purposes": ["homework"]}), "/purposes/0"),
        (
            json!({"purposes": ["media"], "language": "de"}),
            "/language",
        ),
    ] {
        let reply = app.post(&path, &w.school_key, body.clone()).await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {:?}",
            reply.body
        );
        assert!(
            reply.pointers().iter().any(|p| p.starts_with(pointer)),
            "{body}: {:?}",
            reply.body
        );
    }
    // Only the pupil's school.
    let other = w.other_school_key(&app).await;
    let elsewhere = World::build(&app, "leuven", "BE").await;
    for (key, status) in [
        (&other, StatusCode::NOT_FOUND),
        (&w.city, StatusCode::FORBIDDEN),
        (&w.business_key, StatusCode::FORBIDDEN),
        (&w.integrator, StatusCode::FORBIDDEN),
        (&w.pupil, StatusCode::FORBIDDEN),
        (&w.guardian, StatusCode::FORBIDDEN),
        (&elsewhere.school_key, StatusCode::FORBIDDEN),
    ] {
        let tried = app.post(&path, key, json!({"purposes": ["media"]})).await;
        assert_eq!(tried.status, status, "{:?}", tried.body);
        assert_eq!(app.get(&path, key).await.status, status);
        let revoke = app.delete(&format!("{path}/{}", made.id()), key).await;
        assert_eq!(revoke.status, status);
    }
    assert_eq!(
        app.get(&path, &w.school_key).await.body["data"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "nothing made by the refused"
    );

    // Revoked: the link answers the page for unknown links.
    let page = page_path(&made);
    assert_eq!(get_page(&app, &page).await.status, StatusCode::OK);
    let revoked = app
        .delete(&format!("{path}/{}", made.id()), &w.school_key)
        .await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT);
    let gone = get_page(&app, &page).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert!(gone.text.contains("lang=\"nl\""));
    let listed = app.get(&path, &w.school_key).await;
    assert_eq!(listed.body["data"][0]["status"], "revoked");
}

#[tokio::test]
async fn the_page_is_private_accessible_and_self_contained() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let made = invited(&app, &w, "en").await;
    let page = get_page(&app, &page_path(&made)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.header("content-type").starts_with("text/html"));
    assert_eq!(page.header("cache-control"), "no-store");
    assert_eq!(page.header("referrer-policy"), "no-referrer");
    let csp = page.header("content-security-policy");
    assert!(
        csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert!(csp.contains("form-action 'self'"), "{csp}");
    let cookie = page.header("set-cookie");
    assert!(
        cookie.starts_with("dh_form=")
            && cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let html = &page.text;
    assert!(html.contains("<html lang=\"en\">"));
    assert!(html.contains("Sara"), "the pupil's display name");
    assert!(html.contains("Da Vinci College"), "the school");
    assert!(!html.contains("<script"), "no JavaScript");
    assert!(
        !html.contains("http://") && !html.contains("https://") && !html.contains("//"),
        "nothing from elsewhere"
    );
    // Every control has a label.
    let mut inputs = 0;
    for input in html.split("<input").skip(1) {
        let tag = input.split('>').next().unwrap();
        if tag.contains("type=\"hidden\"") {
            continue;
        }
        inputs += 1;
        let id = tag
            .split("id=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        assert!(
            html.contains(&format!("<label for=\"{id}\"")),
            "no label for {id}"
        );
    }
    assert_eq!(inputs, 5, "grant and refuse for two purposes, and agree");
    // The plan by its steps' names; nothing of another pupil or of the school's
    // internals.
    assert!(html.contains("<ol>"));
    assert!(
        !html.contains(&w.student) && !html.contains("LL-0001"),
        "no ids, no school number"
    );
    // Dutch when the invitation is.
    let dutch = app
        .post(
            &invitations_path(&w, &w.student),
            &w.school_key,
            json!({"purposes": ["participation"], "language": "nl"}),
        )
        .await;
    let nl = get_page(&app, &page_path(&dutch)).await;
    assert!(nl.text.contains("<html lang=\"nl\">") && nl.text.contains("Keuzes opslaan"));
    // An unknown link.
    let unknown = get_page(&app, "/invitations/dhi_nothing_like_it").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.header("cache-control"), "no-store");
}

#[tokio::test]
async fn a_post_without_its_form_token_records_nothing() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let made = invited(&app, &w, "en").await;
    let path = page_path(&made);
    let page = get_page(&app, &path).await;
    let token = page.form_token();
    let before = ledger(&app, &w).await;
    let choose = [("media", "grant"), ("share_with_business", "grant")];
    for (cookie, field) in [
        (None, None),
        (Some(token.as_str()), None),
        (None, Some(token.as_str())),
        (Some("1.00"), Some("1.00")),
        (Some(token.as_str()), Some("1.00")),
    ] {
        let mut form: Vec<(&str, &str)> = choose.to_vec();
        if let Some(field) = field {
            form.push(("form_token", field));
        }
        let answer = post_page(&app, &path, cookie, &form).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{cookie:?} {field:?}");
        assert!(answer.text.contains("Nothing was saved"));
    }
    // A token of another invitation's page does not do either.
    let other = app
        .post(
            &invitations_path(&w, &w.student),
            &w.school_key,
            json!({"purposes": ["media"]}),
        )
        .await;
    let foreign = get_page(&app, &page_path(&other)).await.form_token();
    let mut form = choose.to_vec();
    form.push(("form_token", &foreign));
    let answer = post_page(&app, &path, Some(&foreign), &form).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    // A stale one neither.
    app.clock.advance(chrono::Duration::hours(3));
    let mut form = choose.to_vec();
    form.push(("form_token", &token));
    assert_eq!(
        post_page(&app, &path, Some(&token), &form).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(ledger(&app, &w).await, before, "nothing written");
}

#[tokio::test]
async fn a_parents_answer_is_the_guardians_with_the_invitation_as_evidence() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let made = invited(&app, &w, "en").await;
    let invitation = made.id();
    let path = page_path(&made);
    let page = get_page(&app, &path).await;
    let token = page.form_token();
    let version = page.plan_version();
    let form = [
        ("form_token", token.as_str()),
        ("share_with_business", "grant"),
        ("media", "refuse"),
        // Not asked by the invitation: ignored.
        ("recruitment_contact", "grant"),
        ("agree", "yes"),
        ("plan_version", version.as_str()),
    ];
    let answer = post_page(&app, &path, Some(&token), &form).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert!(answer.text.contains("Saved"));
    assert!(answer.text.contains("Agreed to the route plan"));
    let lines = ledger(&app, &w).await;
    let by_page: Vec<&Value> = lines
        .iter()
        .filter(|c| c["recorded_via"] == "invitation")
        .collect();
    assert_eq!(by_page.len(), 2, "{lines:?}");
    for line in &by_page {
        assert_eq!(line["given_by"], "guardian");
        assert_eq!(line["recorded_by_role"], "guardian");
        assert_eq!(line["recorded_by_key_id"], invitation.as_str());
    }
    let decided: Vec<(&str, &str)> = by_page
        .iter()
        .map(|c| {
            (
                c["purpose"].as_str().unwrap(),
                c["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        decided,
        [("share_with_business", "granted"), ("media", "refused")]
    );
    let plan = app.get(&plan_path(&w), &w.school_key).await;
    let agreement = &plan.body["agreements"][0];
    assert_eq!(agreement["party"], "guardian");
    assert_eq!(agreement["evidence"], "invitation");
    assert_eq!(agreement["evidence_id"], invitation.as_str());
    // The same answer again adds nothing; the invitation is used.
    let again = post_page(&app, &path, Some(&token), &form).await;
    assert!(again.text.contains("Nothing had changed"), "{}", again.text);
    assert_eq!(ledger(&app, &w).await.len(), lines.len());
    let listed = app
        .get(&invitations_path(&w, &w.student), &w.school_key)
        .await;
    assert_eq!(listed.body["data"][0]["status"], "used");
    // The page is in the audit log, as the invitation.
    let log = app
        .get(
            &format!("/v1/tenants/{}/audit-events?key_id={invitation}", w.tenant),
            &w.city,
        )
        .await;
    let actions: Vec<&str> = log.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"guardian_invitation.open")
            && actions.contains(&"guardian_invitation.answer"),
        "{actions:?}"
    );
}

#[tokio::test]
async fn a_plan_changed_meanwhile_is_not_agreed_to_and_an_expired_link_is_gone() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let made = invited(&app, &w, "en").await;
    let path = page_path(&made);
    let page = get_page(&app, &path).await;
    let token = page.form_token();
    let changed = app
        .put(
            &plan_path(&w),
            &w.pupil,
            json!({"route_map_id": w.route_map, "steps": ["vmbo", "mbo"]}),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK);
    let answer = post_page(
        &app,
        &path,
        Some(&token),
        &[
            ("form_token", &token),
            ("agree", "yes"),
            ("plan_version", &page.plan_version()),
        ],
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(
        answer.text.contains("The route plan changed"),
        "{}",
        answer.text
    );
    let plan = app.get(&plan_path(&w), &w.school_key).await;
    assert_eq!(plan.body["agreements"], json!([]));

    // Expired: the 404 page, and nothing recorded.
    app.advance_days(15);
    assert_eq!(get_page(&app, &path).await.status, StatusCode::NOT_FOUND);
    let late = post_page(
        &app,
        &path,
        Some(&token),
        &[("form_token", &token), ("media", "grant")],
    )
    .await;
    assert_eq!(late.status, StatusCode::NOT_FOUND);
    let listed = app
        .get(&invitations_path(&w, &w.student), &w.school_key)
        .await;
    assert_eq!(listed.body["data"][0]["status"], "expired");
}

#[tokio::test]
async fn a_link_ends_with_the_pupils_move_and_is_rate_limited() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let made = invited(&app, &w, "en").await;
    let path = page_path(&made);
    for _ in 0..30 {
        assert_eq!(get_page(&app, &path).await.status, StatusCode::OK);
    }
    let limited = get_page(&app, &path).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    app.clock.advance(chrono::Duration::seconds(61));
    assert_eq!(get_page(&app, &path).await.status, StatusCode::OK);
    let moved = app
        .post(
            &format!("/v1/tenants/{}/students/{}/transfer", w.tenant, w.student),
            &w.school_key,
            json!({"to_school_id": w.other_school}),
        )
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{:?}", moved.body);
    assert_eq!(get_page(&app, &path).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_parent_answers_the_page_in_a_real_browser() {
    let Some((chromium, driver)) = driehoek_tests::webdriver_claim("parents_page_browser") else {
        return;
    };
    use fantoccini::Locator;
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let made = invited(&app, &w, "en").await;
    let url = made.body["url"].as_str().unwrap().to_owned();
    let browser = driehoek_tests::Browser::start(&chromium, &driver).await;
    let c = &browser.client;
    c.goto(&url).await.unwrap();
    for id in ["share_with_business-grant", "media-refuse", "agree"] {
        c.find(Locator::Id(id))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }
    if let Ok(path) = std::env::var("DRIEHOEK_SCREENSHOT") {
        std::fs::write(path, c.screenshot().await.unwrap()).unwrap();
    }
    c.find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // The answer page comes after the post: wait for it, not for the next instant.
    let done = c
        .wait()
        .for_element(Locator::Css(".done"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(done.contains("Saved"), "{done}");
    browser.close().await;

    // The ledger and the plan hold exactly what was chosen.
    let by_page: Vec<(String, String)> = ledger(&app, &w)
        .await
        .iter()
        .filter(|c| c["recorded_via"] == "invitation")
        .map(|c| {
            (
                c["purpose"].as_str().unwrap().to_owned(),
                c["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        by_page,
        [
            ("share_with_business".to_owned(), "granted".to_owned()),
            ("media".to_owned(), "refused".to_owned())
        ]
    );
    let plan = app.get(&plan_path(&w), &w.school_key).await;
    assert_eq!(plan.body["agreements"][0]["evidence"], "invitation");
    assert_eq!(plan.body["agreements"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_suspended_citys_links_record_nothing() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let made = invited(&app, &w, "en").await;
    let path = page_path(&made);
    let page = get_page(&app, &path).await;
    let token = page.form_token();
    let suspended = app
        .patch(
            "/v1/tenants/rotterdam",
            &app.admin(),
            json!({"status": "suspended"}),
        )
        .await;
    assert_eq!(suspended.status, StatusCode::OK, "{:?}", suspended.body);
    assert_eq!(get_page(&app, &path).await.status, StatusCode::NOT_FOUND);
    let answer = post_page(
        &app,
        &path,
        Some(&token),
        &[("form_token", &token), ("media", "grant")],
    )
    .await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    let resumed = app
        .patch(
            "/v1/tenants/rotterdam",
            &app.admin(),
            json!({"status": "active"}),
        )
        .await;
    assert_eq!(resumed.status, StatusCode::OK);
    let by_page = ledger(&app, &w)
        .await
        .into_iter()
        .filter(|c| c["recorded_via"] == "invitation")
        .count();
    assert_eq!(
        by_page, 0,
        "nothing was recorded while the city was suspended"
    );
}
