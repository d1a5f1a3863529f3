//! Portable credentials (DESIGN.md §4 "credentials"): a pupil's school, the pupil or a
//! guardian has a visit the pupil went to issued as an Open Badges 3.0 credential,
//! signed by the city; anyone verifies it with the city's published keys and reads its
//! revocation from the city's status list, without a key.

use std::io::Read;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use driehoek_tests::{Key, Reply, TestApp, World};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// The day of the visit, after today.
const DAY: i64 = 10;

/// A completed visit naming Sara (the world's pupil) and Daan, both present, and
/// Mila, absent; and a booking of a later visit naming Sara, not held yet. With
/// Sara's and a guardian's tokens made after the visit (the world's have expired).
struct Visit {
    booking: String,
    daan: String,
    mila: String,
    later: String,
    pupil: Key,
    guardian: Key,
}

async fn token(app: &TestApp, w: &World, role: &str) -> Key {
    let reply = app
        .post(
            &format!(
                "/v1/tenants/{}/students/{}/access-tokens",
                w.tenant, w.student
            ),
            &w.school_key,
            json!({"role": role, "expires_in": 3600}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    Key(reply.body["token"].as_str().unwrap().to_owned())
}

async fn pupil(app: &TestApp, w: &World, reference: &str, name: &str) -> String {
    let id = app
        .student(&w.tenant, &w.school_key, reference, name, app.born(15))
        .await;
    let reply = app
        .consent(&w.tenant, &w.school_key, &id, "participation", "granted")
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    id
}

async fn book(app: &TestApp, w: &World, slot: &str, pupils: &[&String]) -> String {
    let booking = app
        .post(
            &format!("/v1/tenants/{}/bookings", w.tenant),
            &w.school_key,
            json!({"slot_id": slot, "group_name": "4H", "seats": pupils.len(),
                   "contact": {"name": "Mevr. Jansen"}, "student_ids": pupils}),
        )
        .await;
    assert_eq!(booking.status, StatusCode::CREATED, "{:?}", booking.body);
    booking.id()
}

async fn visit(app: &TestApp, w: &World) -> Visit {
    let t = &w.tenant;
    let daan = pupil(app, w, "LL-0002", "Daan").await;
    let mila = pupil(app, w, "LL-0003", "Mila").await;
    let (_, slots) = w
        .offering(
            app,
            "Een dag met de loods",
            json!({"min_age": 12, "max_age": 18, "occupations": ["3152"], "sectors": ["H"],
                   "competences": ["work_exploration", "networking"]}),
            &[(DAY, 6), (DAY + 30, 6)],
        )
        .await;
    let booking = book(app, w, &slots[0], &[&w.student, &daan, &mila]).await;
    let later = book(app, w, &slots[1], &[&w.student]).await;
    app.advance_days(DAY + 1);
    let attendance = app
        .put(
            &format!("/v1/tenants/{t}/bookings/{booking}/attendance"),
            &w.school_key,
            json!({"present": 2, "absent": 1, "students": [
                {"student_id": w.student, "present": true},
                {"student_id": daan, "present": true},
                {"student_id": mila, "present": false}]}),
        )
        .await;
    assert_eq!(attendance.status, StatusCode::OK, "{:?}", attendance.body);
    Visit {
        booking,
        daan,
        mila,
        later,
        pupil: token(app, w, "pupil").await,
        guardian: token(app, w, "guardian").await,
    }
}

fn credentials_path(w: &World, student: &str) -> String {
    format!("/v1/tenants/{}/students/{student}/credentials", w.tenant)
}

/// A test's server and world, with the visit held.
async fn held() -> (TestApp, World, Visit) {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let v = visit(&app, &w).await;
    (app, w, v)
}

/// The school has `student`'s credential for the visit issued.
async fn issued(app: &TestApp, w: &World, v: &Visit, student: &str) -> Reply {
    let reply = issue(
        app,
        w,
        &w.school_key,
        student,
        json!({"booking_id": v.booking}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    reply
}

async fn issue(app: &TestApp, w: &World, key: &Key, student: &str, body: Value) -> Reply {
    app.post(&credentials_path(w, student), key, body).await
}

async fn public_get(app: &TestApp, path: &str, accept: &str) -> Reply {
    app.send(Method::GET, path, None, None, &[("accept", accept)])
        .await
}

/// The served JWK Set's key `kid` as 32 raw bytes.
async fn published_key(app: &TestApp, w: &World, kid: &str) -> Vec<u8> {
    let jwks = public_get(
        app,
        &format!("/v1/tenants/{}/issuer/jwks.json", w.tenant),
        "application/json",
    )
    .await;
    assert_eq!(jwks.status, StatusCode::OK, "{:?}", jwks.body);
    let key = jwks.body["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == kid)
        .unwrap_or_else(|| panic!("{kid} in {:?}", jwks.body));
    assert_eq!(
        (key["kty"].as_str(), key["crv"].as_str()),
        (Some("OKP"), Some("Ed25519"))
    );
    URL_SAFE_NO_PAD.decode(key["x"].as_str().unwrap()).unwrap()
}

/// A compact JWS checked with ring's Ed25519 (not the signer's ed25519-dalek) against
/// the served key its header names: its header and payload.
async fn verified(app: &TestApp, w: &World, jwt: &str) -> (Value, Value) {
    let parts: Vec<&str> = jwt.split('.').collect();
    assert_eq!(parts.len(), 3, "a compact JWS: {jwt}");
    let json = |part: &str| -> Value {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
    };
    let header = json(parts[0]);
    assert_eq!(header["alg"], "EdDSA");
    assert_eq!(header["typ"], "vc+jwt");
    let public = published_key(app, w, header["kid"].as_str().unwrap()).await;
    let signature = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
    ring::signature::UnparsedPublicKey::new(&ring::signature::ED25519, &public)
        .verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &signature)
        .expect("the signature verifies under the published key");
    (header, json(parts[1]))
}

/// Bit `index` of a status list credential's `encodedList`.
fn status_bit(list: &Value, index: usize) -> bool {
    let encoded = list["credentialSubject"]["encodedList"].as_str().unwrap();
    let compressed = URL_SAFE_NO_PAD
        .decode(encoded.strip_prefix('u').expect("multibase base64url"))
        .unwrap();
    let mut bits = Vec::new();
    flate2::read::GzDecoder::new(&compressed[..])
        .read_to_end(&mut bits)
        .unwrap();
    assert!(bits.len() >= 16_384, "at least 131 072 entries");
    bits[index / 8] & (0x80 >> (index % 8)) != 0
}

/// The list and index a credential's `credentialStatus` names, with the list fetched
/// (as a VC-JWT, the default) and its signature checked.
async fn status_of(app: &TestApp, w: &World, credential: &Value) -> (Value, usize) {
    let status = &credential["credentialStatus"];
    assert_eq!(status["type"], "BitstringStatusListEntry");
    assert_eq!(status["statusPurpose"], "revocation");
    let url = status["statusListCredential"].as_str().unwrap();
    let path = url.strip_prefix(&app.base).expect("under the server");
    let index: usize = status["statusListIndex"].as_str().unwrap().parse().unwrap();
    let list = public_get(app, path, "*/*").await;
    assert_eq!(list.status, StatusCode::OK, "{:?}", list.body);
    assert_eq!(list.header("content-type"), Some("application/vc+jwt"));
    let (_, payload) = verified(app, w, list.body.as_str().unwrap()).await;
    assert_eq!(
        payload["type"],
        json!(["VerifiableCredential", "BitstringStatusListCredential"])
    );
    assert_eq!(payload["id"], url);
    (payload, index)
}

async fn verify(app: &TestApp, jwt: &str) -> Reply {
    app.send(
        Method::POST,
        "/v1/credentials/verify",
        None,
        Some(json!({"credential": jwt})),
        &[],
    )
    .await
}

#[tokio::test]
async fn an_issued_credential_verifies_with_the_published_key_under_another_ed25519_implementation()
{
    let (app, w, v) = held().await;
    let issued = issued(&app, &w, &v, &w.student).await;
    let c = &issued.body;
    let location = issued.header("location").unwrap().to_owned();
    assert!(
        location.starts_with(&credentials_path(&w, &w.student)),
        "{location}"
    );

    let as_jwt = app
        .send(
            Method::GET,
            &location,
            Some(&w.school_key),
            None,
            &[("accept", "application/vc+jwt")],
        )
        .await;
    assert_eq!(as_jwt.status, StatusCode::OK);
    assert_eq!(as_jwt.header("content-type"), Some("application/vc+jwt"));
    let (header, payload) = verified(&app, &w, as_jwt.body.as_str().unwrap()).await;
    assert_eq!(&payload, c, "the JSON is the JWT's payload");
    assert!(header["kid"].is_string());

    let tenant_url = format!("{}/v1/tenants/{}", app.base, w.tenant);
    assert_eq!(
        c["@context"],
        json!([
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
        ])
    );
    assert_eq!(
        c["type"],
        json!(["VerifiableCredential", "OpenBadgeCredential"])
    );
    assert!(
        c["id"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{tenant_url}/credentials/"))
    );
    assert_eq!(c["issuer"]["id"], format!("{tenant_url}/issuer"));
    assert_eq!(c["issuer"]["type"], json!(["Profile"]));
    assert!(c["issuer"]["name"].is_string() && c["issuer"]["url"].is_string());
    assert!(chrono::DateTime::parse_from_rfc3339(c["validFrom"].as_str().unwrap()).is_ok());
    assert!(c["name"].as_str().unwrap().contains("Een dag met de loods"));
    let subject = &c["credentialSubject"];
    assert_eq!(subject["type"], json!(["AchievementSubject"]));
    assert!(subject["id"].as_str().unwrap().starts_with("urn:uuid:"));
    assert!(subject.get("identifier").is_none(), "no name unless asked");
    let text = c.to_string();
    assert!(
        !text.contains("Sara") && !text.contains(&w.student),
        "nothing that names the pupil"
    );
    let achievement = &subject["achievement"];
    assert_eq!(achievement["type"], json!(["Achievement"]));
    assert_eq!(achievement["name"], "Een dag met de loods");
    assert!(achievement["description"].is_string());
    assert!(
        achievement["criteria"]["narrative"]
            .as_str()
            .unwrap()
            .contains("Havenbedrijf")
    );
    assert!(achievement["achievementType"].is_string());
    let aligned: Vec<(&str, &str)> = achievement["alignment"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            assert_eq!(a["type"], json!(["Alignment"]));
            assert!(a["targetUrl"].is_string() && a["targetName"].is_string());
            (
                a["targetFramework"].as_str().unwrap(),
                a["targetCode"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(aligned.contains(&("ISCO-08", "3152")), "{aligned:?}");
    assert!(aligned.contains(&("NACE Rev. 2", "H")), "{aligned:?}");
    assert!(
        aligned.contains(&("Career competences (Kuijpers)", "networking")),
        "{aligned:?}"
    );
    let isco = achievement["alignment"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["targetCode"] == "3152")
        .unwrap();
    assert_eq!(isco["targetUrl"], "http://data.europa.eu/esco/isco/C3152");
    let evidence = &c["evidence"][0];
    assert_eq!(evidence["type"], json!(["Evidence"]));
    let narrative = evidence["narrative"].as_str().unwrap();
    assert!(
        narrative.contains("Havenbedrijf") && narrative.contains("hours"),
        "{narrative}"
    );
    let (list, index) = status_of(&app, &w, c).await;
    assert!(!status_bit(&list, index), "not revoked");

    let checked = verify(&app, as_jwt.body.as_str().unwrap()).await;
    assert_eq!(checked.status, StatusCode::OK, "{:?}", checked.body);
    assert_eq!(checked.body["verified"], true, "{:?}", checked.body);
    assert_eq!(checked.body["status"], "active");
    assert_eq!(checked.body["issuer"]["id"], format!("{tenant_url}/issuer"));

    let again = issue(
        &app,
        &w,
        &w.school_key,
        &w.student,
        json!({"booking_id": v.booking}),
    )
    .await;
    assert_eq!(
        again.status,
        StatusCode::OK,
        "the first, not a second: {:?}",
        again.body
    );
    assert_eq!(again.body["id"], c["id"]);

    let named = issue(
        &app,
        &w,
        &w.school_key,
        &v.daan,
        json!({"booking_id": v.booking, "include_name": true}),
    )
    .await;
    assert_eq!(named.status, StatusCode::CREATED, "{:?}", named.body);
    let identifier = &named.body["credentialSubject"]["identifier"][0];
    assert_eq!(identifier["identityType"], "name");
    assert_eq!(identifier["identityHash"], "Daan");
    assert_ne!(
        named.body["credentialSubject"]["id"], subject["id"],
        "subjects are not linkable"
    );

    let profile = public_get(
        &app,
        &format!("/v1/tenants/{}/issuer", w.tenant),
        "application/json",
    )
    .await;
    assert_eq!(profile.status, StatusCode::OK);
    assert_eq!(profile.body, c["issuer"]);
    let listed = app
        .get(&credentials_path(&w, &w.student), &w.school_key)
        .await;
    assert_eq!(listed.status, StatusCode::OK);
    assert_eq!(listed.body["data"].as_array().unwrap().len(), 1);
    assert_eq!(listed.body["data"][0]["credential"], *c);
    assert_eq!(listed.header("cache-control"), Some("no-store"));
}

#[tokio::test]
async fn a_revoked_credential_is_set_in_the_status_list_and_the_verifier_says_so() {
    let (app, w, v) = held().await;
    let issued = issued(&app, &w, &v, &w.student).await;
    let listed = app
        .get(&credentials_path(&w, &w.student), &w.school_key)
        .await;
    let record = &listed.body["data"][0];
    let (id, jwt) = (
        record["id"].as_str().unwrap(),
        record["jwt"].as_str().unwrap(),
    );
    let revoke = format!("{}/{id}/revoke", credentials_path(&w, &w.student));
    for key in [&v.pupil, &v.guardian, &w.city, &w.business_key] {
        let refused = app.post(&revoke, key, json!({})).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{:?}", refused.body);
    }
    let revoked = app.post(&revoke, &w.school_key, json!({})).await;
    assert_eq!(revoked.status, StatusCode::OK, "{:?}", revoked.body);
    assert!(revoked.body["revoked_at"].is_string());
    let (list, index) = status_of(&app, &w, &issued.body).await;
    assert!(status_bit(&list, index), "the bit is set");
    let as_json = public_get(
        &app,
        issued.body["credentialStatus"]["statusListCredential"]
            .as_str()
            .unwrap()
            .strip_prefix(&app.base)
            .unwrap(),
        "application/json",
    )
    .await;
    assert_eq!(
        as_json.body["credentialSubject"]["encodedList"],
        list["credentialSubject"]["encodedList"]
    );
    let checked = verify(&app, jwt).await;
    assert_eq!(checked.body["status"], "revoked", "{:?}", checked.body);
    assert_eq!(checked.body["verified"], false);
    assert_eq!(checked.body["signature_valid"], true);
    let again = app.post(&revoke, &w.school_key, json!({})).await;
    assert_eq!(
        again.body["revoked_at"], revoked.body["revoked_at"],
        "revoking again changes nothing"
    );
}

#[tokio::test]
async fn a_rotated_key_signs_from_then_on_and_what_the_old_one_signed_still_verifies() {
    let (app, w, v) = held().await;
    issued(&app, &w, &v, &w.student).await;
    let keys = format!("/v1/tenants/{}/issuer/keys", w.tenant);
    for key in [&w.school_key, &w.business_key, &w.integrator, &v.pupil] {
        assert_eq!(
            app.post(&keys, key, json!({})).await.status,
            StatusCode::FORBIDDEN
        );
    }
    let rotated = app.post(&keys, &w.city, json!({})).await;
    assert_eq!(rotated.status, StatusCode::CREATED, "{:?}", rotated.body);
    issued(&app, &w, &v, &v.daan).await;
    let records = app
        .get(&credentials_path(&w, &w.student), &w.school_key)
        .await;
    let old_jwt = records.body["data"][0]["jwt"].as_str().unwrap().to_owned();
    let daans = app.get(&credentials_path(&w, &v.daan), &w.school_key).await;
    let new_jwt = daans.body["data"][0]["jwt"].as_str().unwrap().to_owned();
    let (old_header, _) = verified(&app, &w, &old_jwt).await;
    let (new_header, _) = verified(&app, &w, &new_jwt).await;
    assert_eq!(new_header["kid"], rotated.body["kid"]);
    assert_ne!(old_header["kid"], new_header["kid"]);
    for jwt in [&old_jwt, &new_jwt] {
        assert_eq!(verify(&app, jwt).await.body["verified"], true);
    }
    let jwks = public_get(
        &app,
        &format!("/v1/tenants/{}/issuer/jwks.json", w.tenant),
        "*/*",
    )
    .await;
    assert_eq!(jwks.body["keys"].as_array().unwrap().len(), 2);
    assert!(
        !jwks.body.to_string().contains("\"d\""),
        "never a private part"
    );
}

#[tokio::test]
async fn only_a_visit_the_pupil_went_to_is_issued_and_only_to_those_who_reach_the_pupil() {
    let (app, w, v) = held().await;
    let other = World::build(&app, "leuven", "BE").await;
    let body = json!({"booking_id": v.booking});
    for key in [&w.city, &w.business_key, &w.integrator] {
        let refused = issue(&app, &w, key, &w.student, body.clone()).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{:?}", refused.body);
        assert_eq!(
            app.get(&credentials_path(&w, &w.student), key).await.status,
            StatusCode::FORBIDDEN
        );
    }
    let elsewhere = issue(&app, &w, &other.school_key, &w.student, body.clone()).await;
    assert_eq!(
        elsewhere.status,
        StatusCode::FORBIDDEN,
        "{:?}",
        elsewhere.body
    );
    let other_tenants_pupil =
        issue(&app, &other, &other.school_key, &w.student, body.clone()).await;
    assert_eq!(other_tenants_pupil.status, StatusCode::NOT_FOUND);
    let other_school = app
        .key(&w.tenant, "school", Some(("school_id", &w.other_school)))
        .await;
    let not_theirs = issue(&app, &w, &other_school, &w.student, body.clone()).await;
    assert_eq!(
        not_theirs.status,
        StatusCode::NOT_FOUND,
        "{:?}",
        not_theirs.body
    );
    let other_pupil = issue(&app, &w, &v.pupil, &v.daan, body.clone()).await;
    assert_eq!(
        other_pupil.status,
        StatusCode::NOT_FOUND,
        "a pupil's token reaches that pupil only"
    );
    assert_eq!(
        app.get(&credentials_path(&w, &v.daan), &v.guardian)
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    let absent = issue(&app, &w, &w.school_key, &v.mila, body.clone()).await;
    assert_eq!(
        absent.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        absent.body
    );
    assert_eq!(absent.code(), "not_attended");
    let not_named = issue(
        &app,
        &w,
        &w.school_key,
        &v.daan,
        json!({"booking_id": v.later}),
    )
    .await;
    assert_eq!(not_named.code(), "not_attended", "{:?}", not_named.body);
    let unknown = issue(
        &app,
        &w,
        &w.school_key,
        &w.student,
        json!({"booking_id": "01900000-0000-7000-8000-00000000abcd"}),
    )
    .await;
    assert_eq!(unknown.code(), "not_attended");
    let not_held = issue(
        &app,
        &w,
        &w.school_key,
        &w.student,
        json!({"booking_id": v.later}),
    )
    .await;
    assert_eq!(not_held.status, StatusCode::CONFLICT, "{:?}", not_held.body);
    assert_eq!(not_held.code(), "state_conflict");
    for (bad, code) in [
        (json!({}), "validation_failed"),
        (json!({"booking_id": "nope"}), "validation_failed"),
        (
            json!({"booking_id": v.booking, "extra": 1}),
            "unknown_field",
        ),
        (
            json!({"booking_id": v.booking, "include_name": "yes"}),
            "validation_failed",
        ),
    ] {
        let refused = issue(&app, &w, &w.school_key, &w.student, bad.clone()).await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}: {:?}",
            refused.body
        );
        assert_eq!(refused.code(), code, "{bad}");
    }
    for student in [&w.student, &v.daan, &v.mila] {
        let held = app.get(&credentials_path(&w, student), &w.school_key).await;
        assert_eq!(held.body["data"], json!([]), "nothing issued");
    }
    let jwks = public_get(
        &app,
        &format!("/v1/tenants/{}/issuer/jwks.json", w.tenant),
        "*/*",
    )
    .await;
    assert_eq!(
        jwks.body["keys"],
        json!([]),
        "no key made for refused requests"
    );

    // The pupil and a guardian may ask for the pupil's own.
    let by_pupil = issue(&app, &w, &v.pupil, &w.student, body.clone()).await;
    assert_eq!(by_pupil.status, StatusCode::CREATED, "{:?}", by_pupil.body);
    let by_guardian = issue(&app, &w, &v.guardian, &w.student, body.clone()).await;
    assert_eq!(by_guardian.status, StatusCode::OK, "the same one");
    let id = by_pupil
        .header("location")
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let one = format!("{}/{id}", credentials_path(&w, &w.student));
    assert_eq!(app.get(&one, &v.guardian).await.status, StatusCode::OK);
    assert_eq!(
        app.get(&one, &other_school).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&one, &other.school_key).await.status,
        StatusCode::FORBIDDEN
    );
    let daans = format!("{}/{id}", credentials_path(&w, &v.daan));
    assert_eq!(
        app.get(&daans, &w.school_key).await.status,
        StatusCode::NOT_FOUND,
        "not Daan's"
    );
    for list in ["0", "2", "abc", "99999999999"] {
        let none = public_get(
            &app,
            &format!("/v1/tenants/rotterdam/credential-status/{list}"),
            "*/*",
        )
        .await;
        assert_eq!(none.status, StatusCode::NOT_FOUND, "list {list}");
        assert_eq!(none.code(), "not_found");
    }
    let foreign_list = public_get(&app, "/v1/tenants/leuven/credential-status/1", "*/*").await;
    assert_eq!(
        foreign_list.status,
        StatusCode::NOT_FOUND,
        "Leuven issued nothing"
    );
}

#[tokio::test]
async fn the_export_holds_the_credentials_and_erasure_revokes_them() {
    let (app, w, v) = held().await;
    let issued = issued(&app, &w, &v, &v.daan).await;
    let export = app
        .get(
            &format!("/v1/tenants/{}/students/{}/export", w.tenant, v.daan),
            &w.school_key,
        )
        .await;
    assert_eq!(export.status, StatusCode::OK);
    assert_eq!(export.body["credentials"][0]["credential"], issued.body);
    let jwt = export.body["credentials"][0]["jwt"]
        .as_str()
        .unwrap()
        .to_owned();
    let erased = app
        .delete(
            &format!("/v1/tenants/{}/students/{}", w.tenant, v.daan),
            &w.school_key,
        )
        .await;
    assert_eq!(erased.status, StatusCode::NO_CONTENT, "{:?}", erased.body);
    let checked = verify(&app, &jwt).await;
    assert_eq!(checked.body["status"], "revoked", "{:?}", checked.body);
    let (list, index) = status_of(&app, &w, &issued.body).await;
    assert!(status_bit(&list, index));
}

#[tokio::test]
async fn the_verifier_answers_what_it_cannot_vouch_for_and_refuses_what_is_not_a_jwt() {
    let (app, w, v) = held().await;
    issued(&app, &w, &v, &w.student).await;
    let records = app
        .get(&credentials_path(&w, &w.student), &w.school_key)
        .await;
    let jwt = records.body["data"][0]["jwt"].as_str().unwrap().to_owned();
    let parts: Vec<&str> = jwt.split('.').collect();
    // The payload changed (the name), the signature kept.
    let mut payload: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    payload["name"] = json!("Work visit: something else");
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(payload.to_string()),
        parts[2]
    );
    let checked = verify(&app, &forged).await;
    assert_eq!(checked.status, StatusCode::OK);
    assert_eq!(
        (
            checked.body["verified"].as_bool(),
            checked.body["signature_valid"].as_bool()
        ),
        (Some(false), Some(false))
    );
    assert!(checked.body["credential"].is_null(), "nothing vouched for");
    payload["issuer"] = json!("https://elsewhere.example/issuer");
    let foreign = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(payload.to_string()),
        parts[2]
    );
    let checked = verify(&app, &foreign).await;
    assert_eq!(checked.body["issuer"], Value::Null);
    assert_eq!(checked.body["verified"], false);
    for bad in [
        json!({"credential": "not a jwt"}),
        json!({"credential": ""}),
        json!({}),
        json!({"credential": jwt, "x": 1}),
    ] {
        let refused = app
            .send(
                Method::POST,
                "/v1/credentials/verify",
                None,
                Some(bad.clone()),
                &[],
            )
            .await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}: {:?}",
            refused.body
        );
    }
}

#[tokio::test]
async fn the_demo_pupil_holds_a_credential_that_verifies() {
    let app = TestApp::spawn().await;
    let keys = app.seed_demo().await;
    let find = |role: &str| {
        keys.iter()
            .find(|(t, r, _)| t == "rotterdam" && r == role)
            .map(|(_, _, k)| k.0.clone())
            .unwrap_or_else(|| panic!("a Rotterdam demo {role}"))
    };
    let (school, path) = (Key(find("school")), find("credential"));
    let jwt = app
        .send(
            Method::GET,
            &path,
            Some(&school),
            None,
            &[("accept", "application/vc+jwt")],
        )
        .await;
    assert_eq!(jwt.status, StatusCode::OK, "{:?}", jwt.body);
    let checked = verify(&app, jwt.body.as_str().unwrap()).await;
    assert_eq!(checked.body["verified"], true, "{:?}", checked.body);
    assert!(
        checked.body["issuer"]["id"]
            .as_str()
            .unwrap()
            .starts_with(&app.base),
        "issued under the address the demo was told"
    );
}
