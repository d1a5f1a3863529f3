use driehoek_tests::{TestApp, World};
use reqwest::StatusCode;

#[tokio::test]
async fn vocabularies_list_codes_with_both_labels() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let all = app.get("/v1/vocabularies", &w.integrator).await;
    let names: Vec<&str> = all.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    for required in [
        "competences",
        "education_levels",
        "school_kinds",
        "business_kinds",
        "nace_sections",
        "work_visit_formats",
        "consent_purposes",
        "screening_kinds",
    ] {
        assert!(names.contains(&required), "{required}");
    }
    let levels = app
        .get("/v1/vocabularies/education_levels", &w.school_key)
        .await;
    let mbo4 = levels.body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["code"] == "nl_mbo_4")
        .unwrap()
        .clone();
    assert_eq!(mbo4["eqf"], 4);
    assert_eq!(mbo4["label_nl"], "mbo niveau 4");
    assert_eq!(
        app.get("/v1/vocabularies/nope", &w.integrator).await.status,
        StatusCode::NOT_FOUND
    );
    let anonymous = app
        .send(reqwest::Method::GET, "/v1/vocabularies", None, None, &[])
        .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
}
