//! Route maps: the city authors them as whole graphs; everyone reads published ones.

use driehoek_tests::{TestApp, World, small_graph};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test]
async fn the_city_authors_route_maps_and_everyone_reads_published_ones() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let maps = "/v1/tenants/rotterdam/route-maps";
    let body = json!({"name": "Leerroutekaart nieuwkomers", "description": "Voor ISK-leerlingen", "audience": "newcomers"});
    for key in [&w.school_key, &w.business_key, &w.integrator] {
        let refused = app.post(maps, key, body.clone()).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
    }
    let bad = app
        .post(maps, &w.city, json!({"name": "", "audience": "tourists"}))
        .await;
    assert_eq!(
        bad.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        bad.body
    );
    let before = app.all_ids(maps, &w.city, 200).await;
    assert_eq!(
        before,
        std::slice::from_ref(&w.route_map),
        "nothing written"
    );

    let draft = app.post(maps, &w.city, body).await;
    assert_eq!(draft.status, StatusCode::CREATED, "{:?}", draft.body);
    assert_eq!(draft.body["status"], "draft");
    assert_eq!(draft.body["graph_version"], 0);
    let path = format!("{maps}/{}", draft.id());
    // A draft is the city's.
    for key in [&w.school_key, &w.business_key, &w.integrator] {
        assert_eq!(app.get(&path, key).await.status, StatusCode::NOT_FOUND);
        assert_eq!(
            app.all_ids(maps, key, 200).await,
            std::slice::from_ref(&w.route_map)
        );
        assert_eq!(
            app.get(&format!("{maps}?status=draft"), key).await.body["data"],
            json!([])
        );
        assert_eq!(
            app.get(&format!("{path}/graph"), key).await.status,
            StatusCode::NOT_FOUND
        );
    }
    assert_eq!(
        app.all_ids(&format!("{maps}?status=draft"), &w.city, 200)
            .await,
        [draft.id()]
    );
    assert_eq!(
        app.all_ids(&format!("{maps}?audience=newcomers"), &w.city, 200)
            .await,
        [draft.id()]
    );
    assert_eq!(
        app.get(&format!("{maps}?audience=tourists"), &w.city)
            .await
            .code(),
        "invalid_query"
    );

    // Publishing makes it everyone's; it never returns to draft, and is archived, not deleted.
    // Other roles are refused before any lookup: a 403 tells nothing of the draft.
    assert_eq!(
        app.patch(&path, &w.school_key, json!({"status": "published"}))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let published = app
        .patch(&path, &w.city, json!({"status": "published"}))
        .await;
    assert_eq!(published.status, StatusCode::OK, "{:?}", published.body);
    assert_eq!(
        app.get(&path, &w.integrator).await.body["name"],
        "Leerroutekaart nieuwkomers"
    );
    assert_eq!(
        app.patch(&path, &w.school_key, json!({"name": "x"}))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.patch(&path, &w.city, json!({"status": "draft"}))
            .await
            .code(),
        "state_conflict"
    );
    assert_eq!(app.delete(&path, &w.city).await.code(), "state_conflict");
    let archived = app
        .patch(&path, &w.city, json!({"status": "archived"}))
        .await;
    assert_eq!(archived.body["status"], "archived");
    assert_eq!(
        app.get(&path, &w.integrator).await.status,
        StatusCode::NOT_FOUND
    );

    // A draft is deleted, with its graph.
    let scratch = app.route_map("rotterdam", "draft").await;
    assert_eq!(
        app.delete(&format!("{maps}/{scratch}"), &w.school_key)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.delete(&format!("{maps}/{scratch}"), &w.city)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.get(&format!("{maps}/{scratch}"), &w.city).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_whole_graph_round_trips_and_a_bad_one_changes_nothing() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let path = format!("/v1/tenants/rotterdam/route-maps/{}", w.route_map);
    let graph = app.get(&format!("{path}/graph"), &w.integrator).await;
    assert_eq!(graph.status, StatusCode::OK, "{:?}", graph.body);
    assert_eq!(graph.body["graph_version"], 1);
    let sent = small_graph();
    assert_eq!(graph.body["nodes"][1]["prospects"][0]["value"], 5);
    assert_eq!(
        graph.body["nodes"][1]["name"],
        json!({"en": "Software developer (mbo 4)", "nl": null})
    );
    assert_eq!(graph.body["edges"][0]["typical_years"], 3.0);
    assert_eq!(graph.body["edges"][1]["conditions"], "mbo 4 diploma");
    assert_eq!(
        graph.body["nodes"].as_array().unwrap().len(),
        sent["nodes"].as_array().unwrap().len()
    );
    let map = app.get(&path, &w.city).await;
    assert_eq!(
        (
            map.body["node_count"].clone(),
            map.body["edge_count"].clone()
        ),
        (json!(3), json!(2))
    );
    let version = map.body["version"].as_i64().unwrap();

    // Every problem of a bad graph, pointed at; nothing changes.
    let mut bad = sent.clone();
    bad["nodes"].as_array_mut().unwrap().extend([
        json!({"code": "mbo", "kind": "education", "name": {"en": "Twice"}, "education_level": "nl_mbo_4"}),
        json!({"code": "nurse", "kind": "occupation", "name": {"en": "Nurse"}}),
        json!({"code": "bad code!", "kind": "education", "name": {"en": "X"}, "education_level": "nl_mbo_2",
               "prospects": [{"indicator": "job_chances", "value": 9}]}),
    ]);
    bad["edges"].as_array_mut().unwrap().extend([
        json!({"from": "mbo", "to": "ghost", "kind": "progression"}),
        json!({"from": "ict", "to": "mbo", "kind": "qualifies_for"}),
        json!({"from": "vmbo", "to": "mbo", "kind": "progression"}),
        json!({"from": "vmbo", "to": "mbo", "kind": "switch", "typical_years": 12}),
    ]);
    let refused = app.put(&format!("{path}/graph"), &w.city, bad).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        refused.body
    );
    let pointers: Vec<&str> = refused.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_object().unwrap()["pointer"].as_str().unwrap())
        .collect();
    assert_eq!(
        pointers,
        [
            "/nodes/5/code",
            "/nodes/5/prospects/0/value",
            "/edges/5/typical_years"
        ],
        "item problems first"
    );
    // With the items sound, the graph as a whole is judged.
    let mut whole = sent.clone();
    whole["nodes"].as_array_mut().unwrap().extend([
        json!({"code": "mbo", "kind": "education", "name": {"en": "Twice"}, "education_level": "nl_mbo_4"}),
        json!({"code": "nurse", "kind": "occupation", "name": {"en": "Nurse"}}),
    ]);
    whole["edges"].as_array_mut().unwrap().extend([
        json!({"from": "mbo", "to": "ghost", "kind": "progression"}),
        json!({"from": "ict", "to": "mbo", "kind": "qualifies_for"}),
        json!({"from": "vmbo", "to": "mbo", "kind": "progression"}),
    ]);
    let refused = app.put(&format!("{path}/graph"), &w.city, whole).await;
    assert_eq!(refused.code(), "validation_failed");
    let pointers = refused.pointers();
    assert_eq!(
        pointers,
        [
            "/nodes/3/code",
            "/nodes/4/isco_code",
            "/edges/2/to",
            "/edges/3/kind",
            "/edges/4"
        ]
    );
    let after = app.get(&path, &w.city).await;
    assert_eq!(after.body["version"], version);
    assert_eq!(after.body["graph_version"], 1);
    assert_eq!(
        app.get(&format!("{path}/graph"), &w.city).await.body["nodes"],
        graph.body["nodes"]
    );

    // Only the city replaces a graph, at the version it read.
    assert_eq!(
        app.put(&format!("{path}/graph"), &w.school_key, sent.clone())
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let stale = app
        .send(
            Method::PUT,
            &format!("{path}/graph"),
            Some(&w.city),
            Some(sent.clone()),
            &[("if-match", "\"1\"")],
        )
        .await;
    assert_eq!(stale.code(), "version_mismatch");
    let replaced = app
        .send(
            Method::PUT,
            &format!("{path}/graph"),
            Some(&w.city),
            Some(json!({"nodes": [sent["nodes"][0].clone()], "edges": []})),
            &[("if-match", &format!("\"{version}\""))],
        )
        .await;
    assert_eq!(replaced.status, StatusCode::OK, "{:?}", replaced.body);
    assert_eq!(replaced.body["graph_version"], 2);
    assert_eq!(replaced.body["node_count"], 1);
    let now = app.get(&format!("{path}/graph"), &w.integrator).await;
    assert_eq!(now.body["edges"], json!([]));
    assert_eq!(now.body["graph_version"], 2);
}

#[tokio::test]
async fn next_steps_come_with_their_prospects() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let nodes = format!("/v1/tenants/rotterdam/route-maps/{}/nodes", w.route_map);
    let next = app.get(&format!("{nodes}/vmbo/next"), &w.school_key).await;
    assert_eq!(next.status, StatusCode::OK, "{:?}", next.body);
    assert_eq!(next.body["node"]["code"], "vmbo");
    let steps = next.body["next"].as_array().unwrap();
    assert_eq!(steps.len(), 1);
    assert_eq!(steps[0]["edge"]["kind"], "progression");
    assert_eq!(steps[0]["node"]["code"], "mbo");
    assert_eq!(steps[0]["node"]["prospects"][0]["value"], 5);
    let last: Value = app
        .get(&format!("{nodes}/ict/next"), &w.integrator)
        .await
        .body;
    assert_eq!(last["next"], json!([]));
    assert_eq!(
        app.get(&format!("{nodes}/nowhere/next"), &w.integrator)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&format!("{nodes}/bad%20code/next"), &w.integrator)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let draft = app.route_map("rotterdam", "draft").await;
    let hidden = app
        .get(
            &format!("/v1/tenants/rotterdam/route-maps/{draft}/nodes/vmbo/next"),
            &w.school_key,
        )
        .await;
    assert_eq!(
        hidden.status,
        StatusCode::NOT_FOUND,
        "a draft is the city's"
    );
}

#[tokio::test]
async fn a_route_search_answers_ranked_routes_over_http() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let routes = format!("/v1/tenants/rotterdam/route-maps/{}/routes", w.route_map);
    for query in ["from=vmbo&to=ict", "from=vmbo&to_occupation=2512"] {
        let found = app.get(&format!("{routes}?{query}"), &w.integrator).await;
        assert_eq!(found.status, StatusCode::OK, "{query}: {:?}", found.body);
        assert_eq!(found.body["complete"], true);
        let all = found.body["routes"].as_array().unwrap();
        assert_eq!(all.len(), 1, "{query}");
        let route = &all[0];
        assert_eq!(route["steps"], 2);
        assert_eq!(route["total_years"], 3.0);
        assert_eq!(route["weakest_prospect"], 4);
        let codes: Vec<&str> = route["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["code"].as_str().unwrap())
            .collect();
        assert_eq!(codes, ["vmbo", "mbo", "ict"]);
        assert_eq!(route["edges"][1]["kind"], "qualifies_for");
    }
    // The start has no prospect data and is not judged; every node after it has data.
    let required = app
        .get(
            &format!("{routes}?from=vmbo&to=ict&require_prospects=true&min_prospect=4"),
            &w.integrator,
        )
        .await;
    assert_eq!(
        required.body["routes"].as_array().unwrap().len(),
        1,
        "{:?}",
        required.body
    );
    for query in [
        "from=vmbo&to=ict&min_prospect=5",
        "from=vmbo&to=ict&max_steps=1",
        "from=ict&to=vmbo",
    ] {
        let none = app.get(&format!("{routes}?{query}"), &w.school_key).await;
        assert_eq!(none.status, StatusCode::OK, "{query}");
        assert_eq!(none.body["routes"], json!([]), "{query}");
    }
    for query in [
        "to=ict",
        "from=vmbo",
        "from=vmbo&to=ict&to_occupation=2512",
        "from=vmbo&to_occupation=25",
        "from=vmbo&to=ict&max_steps=0",
        "from=vmbo&to=ict&max_steps=13",
        "from=vmbo&to=ict&min_prospect=6",
        "from=vmbo&to=ict&require_prospects=yes",
        "from=vmbo&to=ict&limit=21",
        "from=bad%20code&to=ict",
    ] {
        let bad = app.get(&format!("{routes}?{query}"), &w.school_key).await;
        assert_eq!(
            bad.status,
            StatusCode::BAD_REQUEST,
            "{query}: {:?}",
            bad.body
        );
    }
    for query in [
        "from=nowhere&to=ict",
        "from=vmbo&to=nowhere",
        "from=vmbo&to_occupation=1111",
    ] {
        let missing = app.get(&format!("{routes}?{query}"), &w.school_key).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND, "{query}");
    }
    let draft = app.route_map("rotterdam", "draft").await;
    let hidden = app
        .get(
            &format!("/v1/tenants/rotterdam/route-maps/{draft}/routes?from=vmbo&to=ict"),
            &w.business_key,
        )
        .await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    let city = app
        .get(
            &format!("/v1/tenants/rotterdam/route-maps/{draft}/routes?from=vmbo&to=ict"),
            &w.city,
        )
        .await;
    assert_eq!(
        city.body["routes"].as_array().unwrap().len(),
        1,
        "the city tries its drafts"
    );
}

#[tokio::test]
async fn a_pupils_route_plan_follows_the_map_keeps_its_versions_and_says_when_the_map_changed() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let plan_path = format!("/v1/tenants/rotterdam/students/{}/route-plan", w.student);
    let plan = |steps: Value, plan_b: Value| {
        json!({"route_map_id": w.route_map, "steps": steps, "plan_b": plan_b, "target_occupation": "2512",
               "helpers": ["Oom Karim", "Mentor Jansen"], "notes": "Eerst mbo, dan kijken."})
    };
    assert_eq!(
        app.get(&plan_path, &w.school_key).await.status,
        StatusCode::NOT_FOUND,
        "no plan yet"
    );
    let first = app
        .put(
            &plan_path,
            &w.school_key,
            plan(json!(["vmbo", "mbo", "ict"]), json!([])),
        )
        .await;
    assert_eq!(first.status, StatusCode::OK, "{:?}", first.body);
    assert_eq!(first.body["version"], 1);
    assert_eq!(first.body["route_status"], "valid");
    assert_eq!(first.header("etag"), Some("\"1\""));
    assert_eq!(
        first.body["agreed_by"],
        json!([]),
        "agreed to by no one yet"
    );

    // Steps that leave the map are refused at the first one, and nothing changes.
    for (steps, plan_b, pointer) in [
        (json!(["vmbo", "ict"]), json!([]), "/steps/1"),
        (json!(["vmbo", "ghost"]), json!([]), "/steps/1"),
        (json!(["mbo", "ict"]), json!(["mbo", "vmbo"]), "/plan_b/1"),
    ] {
        let refused = app
            .put(&plan_path, &w.school_key, plan(steps, plan_b))
            .await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{pointer}: {:?}",
            refused.body
        );
        assert_eq!(refused.code(), "route_not_in_map");
        assert_eq!(refused.body["errors"][0]["pointer"], pointer);
    }
    let bad = app
        .put(
            &plan_path,
            &w.school_key,
            json!({"route_map_id": w.route_map, "steps": ["bad code!"]}),
        )
        .await;
    assert_eq!(bad.code(), "validation_failed");
    let draft = app.route_map("rotterdam", "draft").await;
    let on_draft = app
        .put(
            &plan_path,
            &w.school_key,
            json!({"route_map_id": draft, "steps": ["vmbo"]}),
        )
        .await;
    assert_eq!(on_draft.body["errors"][0]["pointer"], "/route_map_id");
    assert_eq!(
        app.get(&plan_path, &w.school_key).await.body["version"],
        1,
        "nothing changed"
    );

    // Only the pupil's school; a change keeps the version before it.
    for key in [&w.city, &w.business_key, &w.integrator] {
        assert_eq!(app.get(&plan_path, key).await.status, StatusCode::FORBIDDEN);
        assert_eq!(
            app.put(&plan_path, key, plan(json!(["vmbo"]), json!([])))
                .await
                .status,
            StatusCode::FORBIDDEN
        );
    }
    let other = w.other_school_key(&app).await;
    assert_eq!(
        app.get(&plan_path, &other).await.status,
        StatusCode::NOT_FOUND
    );
    let second = app
        .send(
            Method::PUT,
            &plan_path,
            Some(&w.school_key),
            Some(plan(json!(["mbo", "ict"]), json!([]))),
            &[("if-match", "\"1\"")],
        )
        .await;
    assert_eq!(second.status, StatusCode::OK, "{:?}", second.body);
    assert_eq!(second.body["version"], 2);
    let stale = app
        .send(
            Method::PUT,
            &plan_path,
            Some(&w.school_key),
            Some(plan(json!(["vmbo"]), json!([]))),
            &[("if-match", "\"1\"")],
        )
        .await;
    assert_eq!(stale.code(), "version_mismatch");
    let versions = app
        .get(&format!("{plan_path}/versions"), &w.school_key)
        .await;
    let listed: Vec<i64> = versions.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_i64().unwrap())
        .collect();
    assert_eq!(listed, [2, 1]);
    assert_eq!(
        versions.body["data"][1]["steps"],
        json!(["vmbo", "mbo", "ict"])
    );

    // When the map changes so that the route no longer exists, reading the plan says so.
    let map = format!("/v1/tenants/rotterdam/route-maps/{}", w.route_map);
    let mut changed = small_graph();
    changed["edges"].as_array_mut().unwrap().remove(1);
    assert_eq!(
        app.put(&format!("{map}/graph"), &w.city, changed)
            .await
            .status,
        StatusCode::OK
    );
    let broken = app.get(&plan_path, &w.school_key).await;
    assert_eq!(broken.body["route_status"], "broken");
    assert_eq!(broken.body["route_problem"]["pointer"], "/steps/1");
    assert_eq!(
        app.patch(&map, &w.city, json!({"status": "archived"}))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.get(&plan_path, &w.school_key).await.body["route_status"],
        "map_unavailable"
    );

    // The plan is the pupil's: in the export, and audited.
    let export = app
        .get(
            &format!("/v1/tenants/rotterdam/students/{}/export", w.student),
            &w.school_key,
        )
        .await;
    assert_eq!(export.body["route_plan"]["version"], 2);
    assert_eq!(
        export.body["route_plan_versions"].as_array().unwrap().len(),
        2
    );
    let audit = app
        .get(
            &format!(
                "/v1/tenants/rotterdam/audit-events?student_id={}&action=route_plan.write",
                w.student
            ),
            &w.city,
        )
        .await;
    assert_eq!(audit.body["data"].as_array().unwrap().len(), 2);
}

/// A `multipart/form-data` body with the two CSV files.
fn csv_upload(nodes: &str, edges: &str) -> (String, String) {
    let boundary = "driehoek-test-boundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"nodes\"; filename=\"nodes.csv\"\r\nContent-Type: text/csv\r\n\r\n{nodes}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"edges\"; filename=\"edges.csv\"\r\nContent-Type: text/csv\r\n\r\n{edges}\r\n\
         --{boundary}--\r\n"
    );
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::test]
async fn a_city_authors_its_graph_in_a_spreadsheet() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let map = app.route_map("rotterdam", "draft").await;
    let graph = format!("/v1/tenants/rotterdam/route-maps/{map}/graph");
    let nodes = "code,kind,name_en,name_nl,education_level,isco_code,sector,prospect_indicator,prospect_value,prospect_region\n\
                 havo,education,HAVO,havo,nl_havo,,,,,\n\
                 hbo:ict,education,ICT (hbo),hbo-ict,nl_hbo_bachelor,,J,job_chances,5,Rijnmond\n\
                 isco:2512,occupation,Software developer,Softwareontwikkelaar,,2512,J,job_chances,5,\n";
    let edges = "from,to,kind,typical_years,conditions\n\
                 havo,hbo:ict,progression,4,\"havo diploma, with maths\"\n\
                 hbo:ict,isco:2512,qualifies_for,,\n";
    let (content_type, body) = csv_upload(nodes, edges);
    let done = app
        .send_raw(Method::PUT, &graph, &w.city, &content_type, &body)
        .await;
    assert_eq!(done.status, StatusCode::OK, "{:?}", done.body);
    assert_eq!(
        (
            done.body["node_count"].clone(),
            done.body["edge_count"].clone()
        ),
        (json!(3), json!(2))
    );
    let read = app.get(&graph, &w.city).await;
    assert_eq!(
        read.body["nodes"][1]["name"],
        json!({"en": "ICT (hbo)", "nl": "hbo-ict"})
    );
    assert_eq!(read.body["nodes"][1]["prospects"][0]["value"], 5);
    assert_eq!(read.body["nodes"][1]["prospects"][0]["region"], "Rijnmond");
    assert_eq!(read.body["nodes"][0]["prospects"], json!([]));
    assert_eq!(
        read.body["edges"][0]["conditions"],
        "havo diploma, with maths"
    );
    assert_eq!(read.body["edges"][0]["typical_years"], 4.0);

    // A bad spreadsheet is refused whole, pointing at the row; nothing changes.
    let bad_rows = app
        .send_raw(
            Method::PUT,
            &graph,
            &w.city,
            &content_type,
            &csv_upload(
                "code,kind,name_en\nhavo,education,HAVO\n",
                "from,to,kind\nhavo,ghost,progression\n",
            )
            .1,
        )
        .await;
    assert_eq!(
        bad_rows.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        bad_rows.body
    );
    let pointers = bad_rows.pointers();
    assert_eq!(pointers, ["/nodes/0/education_level", "/edges/0/to"]);
    let unknown = app
        .send_raw(
            Method::PUT,
            &graph,
            &w.city,
            &content_type,
            &csv_upload("code,kind,name_en,colour\n", "from,to,kind\n").1,
        )
        .await;
    assert_eq!(unknown.body["errors"][0]["pointer"], "/nodes/header/3");
    let one_file = "--driehoek-test-boundary\r\nContent-Disposition: form-data; name=\"nodes\"\r\n\r\ncode,kind,name_en\r\n--driehoek-test-boundary--\r\n";
    let missing = app
        .send_raw(Method::PUT, &graph, &w.city, &content_type, one_file)
        .await;
    assert_eq!(missing.body["errors"][0]["pointer"], "/edges");
    let garbled = app
        .send_raw(
            Method::PUT,
            &graph,
            &w.city,
            "multipart/form-data",
            "nonsense",
        )
        .await;
    assert_eq!(garbled.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        app.get(&graph, &w.city).await.body["graph_version"],
        read.body["graph_version"]
    );
    // Only the city.
    let refused = app
        .send_raw(Method::PUT, &graph, &w.school_key, &content_type, &body)
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

/// With Redis, a graph built on one node reaches the others through the shared cache:
/// a second node answers a route search even once the database's copy is gone
/// (removed here behind the API's back, to show where the graph came from). Without
/// Redis a second node has only the database, and finds no graph.
#[tokio::test]
async fn a_graph_imported_on_one_node_is_shared_through_redis() {
    let app = TestApp::spawn().await;
    app.tenant("rotterdam", "NL").await;
    let map = app.route_map("rotterdam", "published").await;
    let search =
        format!("/v1/tenants/rotterdam/route-maps/{map}/routes?from=vmbo&to_occupation=2512");
    let here = app.get(&search, &app.admin()).await;
    assert_eq!(here.status, StatusCode::OK, "{:?}", here.body);
    assert_eq!(here.body["routes"].as_array().unwrap().len(), 1);

    let db = app.database().await;
    use driehoek_infra::db::entities::route_map_graph_parts as g;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let removed = g::Entity::delete_many()
        .filter(g::Column::RouteMapId.eq(uuid::Uuid::parse_str(&map).unwrap()))
        .exec(&db)
        .await
        .unwrap();
    assert_eq!(removed.rows_affected, 1);

    let shared = app.peer("route_map_graphs_are_shared").await.is_some();
    let other = app.spawn_node().await;
    let there = other.get(&search, &other.admin()).await;
    if shared {
        assert_eq!(there.status, StatusCode::OK, "{:?}", there.body);
        assert_eq!(there.body["routes"], here.body["routes"]);
    } else {
        assert_ne!(there.status, StatusCode::OK, "{:?}", there.body);
    }
}

/// A graph too large for one stored part (half a mebibyte) is cut into several, never
/// inside a character, and the database alone gives it back whole: what a new node
/// reads after a restart is what the city sent.
#[tokio::test]
async fn a_large_graph_is_stored_in_parts_and_reads_back_whole() {
    use driehoek_domain::ids::{RouteMapId, TenantId};
    use driehoek_domain::route_maps::RouteMapRepository;
    use driehoek_infra::db::SeaOrmRouteMapRepository;
    use driehoek_infra::db::entities::route_map_graph_parts as parts;
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

    let app = TestApp::spawn().await;
    app.tenant("rotterdam", "NL").await;
    let map = app.route_map("rotterdam", "published").await;
    let count = 3_000;
    let nodes: Vec<Value> = (0..count)
        .map(|i| {
            json!({"code": format!("p{i}"), "kind": "education", "education_level": "nl_mbo_4",
                   "name": {"en": format!("Programme {i}, a long name that fills the document up"),
                            "nl": format!("Opleiding {i}: één van de vele, met café-, crèche- en reïntegratiewerk")},
                   "prospects": [{"indicator": "job_chances", "value": 1 + i % 5, "region": "Rijnmond"}]})
        })
        .collect();
    let edges: Vec<Value> = (1..count)
        .map(|i| json!({"from": format!("p{}", i - 1), "to": format!("p{i}"), "kind": "progression", "typical_years": 1.5}))
        .chain((2..count).step_by(7).map(|i| {
            json!({"from": format!("p{i}"), "to": format!("p{}", i - 2), "kind": "switch",
                   "conditions": format!("na overleg met de decaan ({i})")})
        }))
        .collect();
    let path = format!("/v1/tenants/rotterdam/route-maps/{map}");
    let put = app
        .put(
            &format!("{path}/graph"),
            &app.admin(),
            json!({"nodes": nodes, "edges": edges}),
        )
        .await;
    assert_eq!(put.status, StatusCode::OK, "{:?}", put.body);

    let db = app.database().await;
    let map_id = uuid::Uuid::parse_str(&map).unwrap();
    let stored_parts = parts::Entity::find()
        .filter(parts::Column::RouteMapId.eq(map_id))
        .count(&db)
        .await
        .unwrap();
    assert!(stored_parts >= 2, "{stored_parts} part(s)");

    let tenant = app.get("/v1/tenants/rotterdam", &app.admin()).await;
    let tenant_id = uuid::Uuid::parse_str(tenant.body["id"].as_str().unwrap()).unwrap();
    let graph = SeaOrmRouteMapRepository::new(db, app.clock.clone())
        .graph(
            TenantId::from_uuid(tenant_id),
            RouteMapId::from_uuid(map_id),
        )
        .await
        .unwrap();
    assert_eq!(graph.nodes().len(), nodes.len());
    assert_eq!(graph.edges().len(), edges.len());
    for (stored, sent) in graph.nodes().iter().zip(&nodes) {
        assert_eq!(stored.code.as_str(), sent["code"]);
        assert_eq!(
            stored.name_nl.as_ref().map(|n| n.as_str()),
            sent["name"]["nl"].as_str()
        );
        assert_eq!(
            i64::from(stored.prospects[0].value),
            sent["prospects"][0]["value"]
        );
    }
    for (stored, sent) in graph.edges().iter().zip(&edges) {
        assert_eq!(
            (stored.from.as_str(), stored.to.as_str()),
            (sent["from"].as_str().unwrap(), sent["to"].as_str().unwrap())
        );
        assert_eq!(
            stored.conditions.as_ref().map(|c| c.as_str()),
            sent["conditions"].as_str()
        );
    }

    // And the export over HTTP agrees.
    let exported = app.get(&format!("{path}/graph"), &app.admin()).await;
    assert_eq!(exported.body["nodes"].as_array().unwrap().len(), count);
    assert_eq!(
        exported.body["nodes"][count - 1]["name"]["nl"],
        nodes[count - 1]["name"]["nl"]
    );
    assert_eq!(
        exported.body["edges"][edges.len() - 1]["conditions"],
        edges[edges.len() - 1]["conditions"]
    );
}

/// A graph stored before graphs were kept in parts (one document per map, its edges
/// named by code) is carried over by the migration and reads back as it was.
#[tokio::test]
async fn a_graph_stored_before_parts_survives_the_migration() {
    use driehoek_domain::ids::{RouteMapId, TenantId};
    use driehoek_domain::route_maps::RouteMapRepository;
    use driehoek_infra::db::SeaOrmRouteMapRepository;
    use driehoek_infra::db::entities::route_map_graph_parts as parts;
    use driehoek_migration::MigratorTrait;
    use sea_orm::sea_query::{Alias, ColumnDef, Query, Table};
    use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

    let app = TestApp::spawn().await;
    app.tenant("rotterdam", "NL").await;
    let map = app.route_map("rotterdam", "published").await;
    let tenant = app.get("/v1/tenants/rotterdam", &app.admin()).await;
    let tenant_id = uuid::Uuid::parse_str(tenant.body["id"].as_str().unwrap()).unwrap();
    let map_id = uuid::Uuid::parse_str(&map).unwrap();

    // The database as it was before: the old table, holding the old document shape.
    let db = app.database().await;
    let old = Alias::new("route_map_graphs");
    db.execute(
        &Table::create()
            .table(old.clone())
            .col(ColumnDef::new(Alias::new("tenant_id")).uuid().not_null())
            .col(ColumnDef::new(Alias::new("route_map_id")).uuid().not_null())
            .col(
                ColumnDef::new(Alias::new("graph_version"))
                    .big_integer()
                    .not_null(),
            )
            .col(ColumnDef::new(Alias::new("document")).text().not_null())
            .to_owned(),
    )
    .await
    .unwrap();
    let document = json!({
        "nodes": [
            {"code": "vmbo", "kind": "education", "name_en": "VMBO (stored long ago)", "name_nl": null,
             "education_level": "nl_vmbo_tl", "sector": null, "isco_code": null, "esco_uri": null, "prospects": []},
            {"code": "ict", "kind": "occupation", "name_en": "Software developer", "name_nl": "Softwareontwikkelaar",
             "education_level": null, "sector": "J", "isco_code": "2512", "esco_uri": null,
             "prospects": [{"indicator": "job_chances", "value": 4, "label": null, "region": null, "year": 2025, "source": null}]}
        ],
        "edges": [
            {"from": "vmbo", "to": "ict", "kind": "qualifies_for", "conditions": "with a diploma", "typical_years": 40}
        ]
    });
    db.execute(
        &Query::insert()
            .into_table(old)
            .columns(["tenant_id", "route_map_id", "graph_version", "document"].map(Alias::new))
            .values_panic([
                tenant_id.into(),
                map_id.into(),
                1i64.into(),
                document.to_string().into(),
            ])
            .to_owned(),
    )
    .await
    .unwrap();
    parts::Entity::delete_many()
        .filter(parts::Column::RouteMapId.eq(map_id))
        .exec(&db)
        .await
        .unwrap();
    db.execute_unprepared(
        "DELETE FROM seaql_migrations WHERE version = 'm20261124_000012_route_map_graph_parts'",
    )
    .await
    .unwrap();

    driehoek_migration::Migrator::up(&db, None).await.unwrap();

    let graph = SeaOrmRouteMapRepository::new(db.clone(), app.clock.clone())
        .graph(
            TenantId::from_uuid(tenant_id),
            RouteMapId::from_uuid(map_id),
        )
        .await
        .unwrap();
    let names: Vec<&str> = graph.nodes().iter().map(|n| n.name_en.as_str()).collect();
    assert_eq!(names, ["VMBO (stored long ago)", "Software developer"]);
    assert_eq!(graph.nodes()[1].prospects[0].year, Some(2025));
    let edge = &graph.edges()[0];
    assert_eq!((edge.from.as_str(), edge.to.as_str()), ("vmbo", "ict"));
    assert_eq!(edge.typical_years.map(|y| y.tenths()), Some(40));
    assert_eq!(
        edge.conditions.as_ref().map(|c| c.as_str()),
        Some("with a diploma")
    );
    // The old table is gone.
    assert!(
        db.execute_unprepared("SELECT 1 FROM route_map_graphs")
            .await
            .is_err()
    );
}

/// The document's own shape is checked as strictly as its items: an unknown field or a
/// missing list is refused, and a document with many bad items
/// lists the first hundred. Nothing changes.
#[tokio::test]
async fn a_graph_document_is_read_strictly() {
    let app = TestApp::spawn().await;
    app.tenant("rotterdam", "NL").await;
    let map = app.route_map("rotterdam", "draft").await;
    let path = format!("/v1/tenants/rotterdam/route-maps/{map}");
    let before = app.get(&format!("{path}/graph"), &app.admin()).await;

    let mut unknown = small_graph();
    unknown["layout"] = json!("circular");
    let refused = app
        .put(&format!("{path}/graph"), &app.admin(), unknown)
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.body["code"], "unknown_field", "{:?}", refused.body);

    let no_edges = json!({"nodes": small_graph()["nodes"].clone()});
    let refused = app
        .put(&format!("{path}/graph"), &app.admin(), no_edges)
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        refused.body
    );

    let mut many = small_graph();
    many["edges"] = (0..150)
        .map(|_| json!({"from": "vmbo", "to": "mbo", "kind": "progression", "typical_years": 99}))
        .collect();
    let refused = app.put(&format!("{path}/graph"), &app.admin(), many).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let errors = refused.body["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 100, "{:?}", refused.body);
    assert_eq!(errors[99]["pointer"], "/edges/99/typical_years");

    let after = app.get(&format!("{path}/graph"), &app.admin()).await;
    assert_eq!(after.body, before.body);
}

#[tokio::test]
async fn a_node_without_prospect_data_is_unknown_not_poor_over_http() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    // The world's map with the programme's prospects taken away: only the occupation
    // has data.
    let mut graph = driehoek_tests::small_graph();
    graph["nodes"][1]
        .as_object_mut()
        .unwrap()
        .remove("prospects");
    let map = format!("/v1/tenants/rotterdam/route-maps/{}", w.route_map);
    let replaced = app
        .send(
            Method::PUT,
            &format!("{map}/graph"),
            Some(&app.admin()),
            Some(graph),
            &[],
        )
        .await;
    assert_eq!(replaced.status, StatusCode::OK, "{:?}", replaced.body);
    let routes = format!("{map}/routes?from=vmbo&to=ict");
    let found = app
        .get(&format!("{routes}&min_prospect=3"), &w.integrator)
        .await;
    let all = found.body["routes"].as_array().unwrap();
    assert_eq!(all.len(), 1, "{:?}", found.body);
    assert_eq!(all[0]["weakest_prospect"], 4, "over the nodes with data");
    let demanding = app
        .get(&format!("{routes}&require_prospects=true"), &w.integrator)
        .await;
    assert_eq!(demanding.body["routes"], json!([]), "mbo has no data");
    let too_high = app
        .get(&format!("{routes}&min_prospect=5"), &w.integrator)
        .await;
    assert_eq!(too_high.body["routes"], json!([]), "ict is known to be 4");
}

#[tokio::test]
async fn the_readme_route_search_on_the_demo_map_finds_routes() {
    let app = TestApp::spawn().await;
    let keys = app.seed_demo().await;
    let integrator = keys
        .iter()
        .find(|(t, role, _)| t == "rotterdam" && role == "integrator")
        .map(|(_, _, key)| key.clone())
        .unwrap();
    let maps = app
        .get("/v1/tenants/rotterdam/route-maps", &integrator)
        .await;
    let map = maps.body["data"][0]["id"].as_str().unwrap().to_owned();
    let routes = format!("/v1/tenants/rotterdam/route-maps/{map}/routes");
    let all = app
        .get(
            &format!("{routes}?from=vmbo_tl:ict&to_occupation=2512"),
            &integrator,
        )
        .await;
    assert_eq!(all.status, StatusCode::OK, "{:?}", all.body);
    let every = all.body["routes"].as_array().unwrap().len();
    assert!(every > 0, "{:?}", all.body);
    let good = app
        .get(
            &format!("{routes}?from=vmbo_tl:ict&to_occupation=2512&min_prospect=3"),
            &integrator,
        )
        .await;
    let kept = good.body["routes"].as_array().unwrap();
    assert!(!kept.is_empty(), "unknown is not poor: {:?}", good.body);
    for route in kept {
        for node in route["nodes"].as_array().unwrap().iter().skip(1) {
            let known: Vec<i64> = node["prospects"]
                .as_array()
                .map(|p| p.iter().filter_map(|x| x["value"].as_i64()).collect())
                .unwrap_or_default();
            assert!(known.iter().all(|v| *v >= 3), "{node}");
        }
        let weakest = &route["weakest_prospect"];
        assert!(
            weakest.is_null() || weakest.as_i64().unwrap() >= 3,
            "{route}"
        );
    }
}
