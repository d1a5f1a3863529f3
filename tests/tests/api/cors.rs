//! Browser apps (DESIGN.md §3.11): CORS from the tenant's allowed origins only.

use driehoek_tests::{Key, Reply, TestApp, World};
use reqwest::{Method, StatusCode};
use serde_json::json;

const APP: &str = "https://portfolio.rotterdam.nl";

async fn set_origins(app: &TestApp, key: &Key, slug: &str, origins: &[&str]) -> Reply {
    app.patch(
        &format!("/v1/tenants/{slug}"),
        key,
        json!({"settings": {"allowed_origins": origins}}),
    )
    .await
}

async fn preflight(app: &TestApp, path: &str, origin: &str) -> Reply {
    app.send(
        Method::OPTIONS,
        path,
        None,
        None,
        &[
            ("origin", origin),
            ("access-control-request-method", "POST"),
            (
                "access-control-request-headers",
                "authorization, content-type, idempotency-key",
            ),
        ],
    )
    .await
}

async fn get_from(app: &TestApp, path: &str, key: Option<&Key>, origin: &str) -> Reply {
    app.send(Method::GET, path, key, None, &[("origin", origin)])
        .await
}

fn no_cors(reply: &Reply, what: &str) {
    for name in [
        "access-control-allow-origin",
        "access-control-allow-methods",
        "access-control-expose-headers",
        "access-control-allow-credentials",
    ] {
        assert!(reply.header(name).is_none(), "{what}: {name}");
    }
}

fn varies_by_origin(reply: &Reply) -> bool {
    reply
        .headers
        .get_all("vary")
        .iter()
        .any(|v| v.to_str().unwrap_or_default().contains("Origin"))
}

#[tokio::test]
async fn a_citys_allowed_origin_gets_cors_and_every_other_origin_none() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let leuven = World::build(&app, "leuven", "BE").await;
    let set = set_origins(&app, &w.city, "rotterdam", &[APP]).await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);
    assert_eq!(set.body["settings"]["allowed_origins"], json!([APP]));
    let other_city = "https://portfolio.leuven.be";
    let set = set_origins(&app, &leuven.city, "leuven", &[other_city]).await;
    assert_eq!(set.status, StatusCode::OK);

    let visits = "/v1/tenants/rotterdam/work-visits";
    let bookings = "/v1/tenants/rotterdam/bookings";
    let pre = preflight(&app, bookings, APP).await;
    assert_eq!(pre.status, StatusCode::NO_CONTENT);
    assert_eq!(pre.header("access-control-allow-origin"), Some(APP));
    let methods = pre.header("access-control-allow-methods").unwrap();
    assert!(
        methods.contains("POST") && methods.contains("GET"),
        "{methods}"
    );
    let allowed = pre.header("access-control-allow-headers").unwrap();
    for name in [
        "Authorization",
        "Content-Type",
        "Idempotency-Key",
        "If-Match",
        "If-None-Match",
        "X-Request-Id",
    ] {
        assert!(allowed.contains(name), "{name} in {allowed}");
    }
    assert!(pre.header("access-control-max-age").is_some());
    assert!(pre.header("access-control-allow-credentials").is_none());
    assert!(varies_by_origin(&pre));

    let list = get_from(&app, visits, Some(&w.integrator), APP).await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(list.header("access-control-allow-origin"), Some(APP));
    let exposed = list.header("access-control-expose-headers").unwrap();
    for name in [
        "ETag",
        "Link",
        "Location",
        "RateLimit",
        "RateLimit-Policy",
        "Retry-After",
        "X-Request-Id",
        "Idempotent-Replayed",
    ] {
        assert!(exposed.contains(name), "{name} in {exposed}");
    }
    assert!(varies_by_origin(&list));
    // Compression adds its own `Vary` beside it.
    let compressed = app
        .send(
            Method::GET,
            visits,
            Some(&w.integrator),
            None,
            &[("origin", APP), ("accept-encoding", "gzip")],
        )
        .await;
    assert_eq!(compressed.header("content-encoding"), Some("gzip"));
    assert!(varies_by_origin(&compressed));
    // Refusals are readable by the app too: it must see the problem to show it.
    let refused = get_from(&app, visits, None, APP).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(refused.header("access-control-allow-origin"), Some(APP));

    // Another origin, a look-alike, another city's origin, and the platform's routes:
    // no CORS, and the request itself is answered as if it had no Origin.
    for origin in [
        "https://evil.example",
        "https://portfolio.rotterdam.nl.evil.example",
        "http://portfolio.rotterdam.nl",
        other_city,
    ] {
        let pre = preflight(&app, bookings, origin).await;
        assert_ne!(pre.status, StatusCode::NO_CONTENT, "{origin}");
        no_cors(&pre, origin);
        let list = get_from(&app, visits, Some(&w.integrator), origin).await;
        assert_eq!(list.status, StatusCode::OK, "{origin}");
        no_cors(&list, origin);
        assert!(varies_by_origin(&list), "{origin}");
    }
    let platform = app
        .send(
            Method::GET,
            "/v1/tenants",
            Some(&app.admin()),
            None,
            &[("origin", APP)],
        )
        .await;
    no_cors(&platform, "/v1/tenants");

    // The public documents: any origin, never credentials.
    for path in [
        "/openapi.json",
        "/v1/vocabularies/education_levels",
        "/problems/forbidden",
    ] {
        let reply = get_from(&app, path, Some(&w.integrator), "https://any.example").await;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
        assert_eq!(
            reply.header("access-control-allow-origin"),
            Some("*"),
            "{path}"
        );
        assert!(reply.header("access-control-allow-credentials").is_none());
        let pre = preflight(&app, path, "https://any.example").await;
        assert_eq!(pre.status, StatusCode::NO_CONTENT, "{path}");
        assert_eq!(pre.header("access-control-allow-origin"), Some("*"));
    }

    // Emptied, the list lets no origin in.
    let set = set_origins(&app, &w.city, "rotterdam", &[]).await;
    assert_eq!(set.status, StatusCode::OK);
    let list = get_from(&app, visits, Some(&w.integrator), APP).await;
    no_cors(&list, "after emptying");
}

#[tokio::test]
async fn allowed_origins_are_exact_https_origins_and_bad_ones_write_nothing() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let before = app.get("/v1/tenants/rotterdam", &w.city).await;
    let bad = set_origins(
        &app,
        &w.city,
        "rotterdam",
        &[
            APP,
            "http://portfolio.rotterdam.nl",
            "https://portfolio.rotterdam.nl/",
            "https://Portfolio.rotterdam.nl",
            "*",
            APP,
            "http://localhost:5173",
        ],
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert_eq!(bad.code(), "validation_failed");
    let pointers = bad.pointers();
    for index in 1..=5 {
        let pointer = format!("/settings/allowed_origins/{index}");
        assert!(
            pointers.contains(&pointer.as_str()),
            "{pointer} in {pointers:?}"
        );
    }
    let too_many: Vec<String> = (0..21)
        .map(|i| format!("https://app{i}.rotterdam.nl"))
        .collect();
    let many = app
        .patch(
            "/v1/tenants/rotterdam",
            &w.city,
            json!({"settings": {"allowed_origins": too_many}}),
        )
        .await;
    assert_eq!(many.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Development origins need the operator's flag; this server has none.
    let local = set_origins(&app, &w.city, "rotterdam", &["http://localhost:5173"]).await;
    assert_eq!(local.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        local.body["errors"][0]["pointer"],
        "/settings/allowed_origins/0"
    );
    let after = app.get("/v1/tenants/rotterdam", &w.city).await;
    assert_eq!(after.body, before.body, "nothing written");
}

#[tokio::test]
async fn only_the_citys_administrators_and_the_platform_set_a_tenants_origins() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let leuven = World::build(&app, "leuven", "BE").await;
    for key in [&w.school_key, &w.business_key, &w.integrator] {
        let reply = set_origins(&app, key, "rotterdam", &[APP]).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN);
        assert_eq!(reply.code(), "forbidden");
    }
    let reply = set_origins(&app, &leuven.city, "rotterdam", &[APP]).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.code(), "tenant_forbidden");
    // The rest of the tenant is the platform's, even beside the origins.
    for patch in [
        json!({"settings": {"allowed_origins": [APP], "rate_limit_per_minute": 100000}}),
        json!({"settings": {"consent_age": 12}}),
        json!({"status": "suspended"}),
    ] {
        let reply = app
            .patch("/v1/tenants/rotterdam", &w.city, patch.clone())
            .await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{patch}");
    }
    let tenant = app.get("/v1/tenants/rotterdam", &w.city).await;
    assert_eq!(tenant.body["settings"]["allowed_origins"], json!([]));
    assert_eq!(tenant.body["status"], "active");
    let platform = set_origins(&app, &app.admin(), "rotterdam", &[APP]).await;
    assert_eq!(platform.status, StatusCode::OK);
}

#[tokio::test]
async fn local_origins_count_only_where_the_operator_allows_them() {
    let app = TestApp::spawn_with_local_origins().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let dev = "http://localhost:5173";
    let set = set_origins(&app, &w.city, "rotterdam", &[dev, APP]).await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);
    let path = "/v1/tenants/rotterdam/work-visits";
    let pre = preflight(&app, path, dev).await;
    assert_eq!(pre.status, StatusCode::NO_CONTENT);
    assert_eq!(pre.header("access-control-allow-origin"), Some(dev));

    // A node whose operator gives no flag keeps the stored entry but honours it not.
    let production = app.spawn_node_without_local_origins().await;
    let pre = preflight(&production, path, dev).await;
    no_cors(&pre, "local origin without the flag");
    let pre = preflight(&production, path, APP).await;
    assert_eq!(pre.header("access-control-allow-origin"), Some(APP));
}

/// Serves `page` as `text/html` to every request on a port of its own; returns the port.
async fn serve_page(page: String) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let page = page.clone();
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buffer = [0u8; 4096];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buffer).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buffer[..n]),
                    }
                }
                let answer = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{page}",
                    page.len()
                );
                let _ = stream.write_all(answer.as_bytes()).await;
            });
        }
    });
    port
}

#[tokio::test]
async fn a_browser_app_on_an_allowed_origin_lists_work_visits_and_reads_the_link_header() {
    let Some(chromium) = driehoek_tests::browser_claim("browser_cors") else {
        return;
    };
    let app = TestApp::spawn_with_local_origins().await;
    let keys = app.seed_demo().await;
    let key = |role: &str| {
        keys.iter()
            .find(|(tenant, r, _)| tenant == "rotterdam" && r == role)
            .map(|(_, _, key)| key.clone())
            .expect("a demo key")
    };
    let page = format!(
        r#"<!doctype html><html><body><pre id="result">pending</pre><script>
fetch("{base}/v1/tenants/rotterdam/work-visits?limit=1", {{headers: {{"Authorization": "Bearer {key}"}}}})
  .then(async (r) => {{
    const body = await r.json();
    document.getElementById("result").textContent = JSON.stringify({{
      status: r.status, items: body.data.length, title: body.data[0].title,
      link: r.headers.get("Link"), request_id: r.headers.get("X-Request-Id")}});
  }})
  .catch((e) => {{ document.getElementById("result").textContent = "blocked: " + e; }});
</script></body></html>"#,
        base = app.base,
        key = key("integrator").0,
    );
    let port = serve_page(page).await;
    let origin = format!("http://localhost:{port}");
    let set = set_origins(&app, &key("city_admin"), "rotterdam", &[&origin]).await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);

    let dom = driehoek_tests::rendered_dom(&chromium, &format!("{origin}/")).await;
    let result = dom
        .split("<pre id=\"result\">")
        .nth(1)
        .and_then(|rest| rest.split("</pre>").next())
        .unwrap_or_else(|| panic!("no result in {dom}"))
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">");
    let result: serde_json::Value =
        serde_json::from_str(&result).unwrap_or_else(|_| panic!("the page says {result}"));
    assert_eq!(result["status"], 200);
    assert_eq!(result["items"], 1);
    assert!(result["title"].is_string());
    let link = result["link"].as_str().expect("the page read Link");
    assert!(
        link.contains("rel=\"next\"") && link.contains("cursor="),
        "{link}"
    );
    assert!(result["request_id"].is_string());

    // The same page from an origin the city did not list: the browser refuses to
    // hand the answer to the page.
    let dom = driehoek_tests::rendered_dom(&chromium, &format!("http://127.0.0.1:{port}/")).await;
    assert!(dom.contains("blocked: TypeError"), "{dom}");
}
