//! The parents' page (DESIGN.md §3.10): `GET/POST /invitations/{secret}`, served by
//! Driehoek itself as HTML (askama templates, escaped by default), in the invitation's
//! language, working without JavaScript and loading nothing from elsewhere.
//!
//! Every answer is `Cache-Control: no-store`, `Referrer-Policy: no-referrer` and carries
//! a strict `Content-Security-Policy` (nothing but the page's own inline style, by
//! nonce; forms post only to this origin; no framing). The form carries a token bound
//! to the invitation (an HMAC keyed by its digest, two hours), sent also as the one
//! cookie the page sets (`SameSite=Strict`): a post without both, or with a stale one,
//! records nothing. Each secret has its own rate limit. An unknown, expired or revoked
//! link answers a `404` page that says only that.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{DateTime, Utc};
use driehoek_domain::DomainError;
use driehoek_domain::api_keys::digest_secret;
use driehoek_domain::students::{
    ConsentStatus, InvitationAnswer, InvitationAnswered, InvitationView, PageLanguage, PlanAnswer,
    form_token, form_token_is_valid,
};
use driehoek_domain::tenants::{Tenant, TenantStatus};
use driehoek_domain::vocabularies::{ConsentPurpose, Vocabulary};

use crate::error::ApiError;
use crate::state::AppState;

/// Requests a minute one link may make.
const PER_SECRET_PER_MINUTE: u32 = 30;
/// The form token's cookie.
const FORM_COOKIE: &str = "dh_form";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/invitations/{secret}")
            .route(web::get().to(show))
            .route(web::post().to(submit)),
    );
}

/// One purpose as the page asks it.
struct PurposeField {
    code: &'static str,
    title: String,
    explanation: String,
    current: &'static str,
    granted: bool,
    refused: bool,
    grant_label: String,
    refuse_label: &'static str,
}

struct PlanField {
    title: String,
    explanation: String,
    steps: Vec<String>,
    version: i64,
    agreed: bool,
    agreed_text: &'static str,
    agree_label: &'static str,
}

struct Done {
    heading: &'static str,
    lines: Vec<String>,
}

#[derive(Template)]
#[template(path = "parents_page.html")]
struct Page {
    lang: &'static str,
    nonce: String,
    title: String,
    intro: String,
    action: String,
    form_token: String,
    purposes: Vec<PurposeField>,
    plan: Option<PlanField>,
    done: Option<Done>,
    notice: Option<String>,
    submit: &'static str,
    footer: &'static str,
}

#[derive(Template)]
#[template(path = "parents_gone.html")]
struct Gone {
    lang: &'static str,
    nonce: String,
    title: &'static str,
    body: &'static str,
}

/// The words of the page, for parents rather than lawyers.
struct Words {
    lang: &'static str,
    title: &'static str,
    intro: &'static str,
    granted: &'static str,
    refused: &'static str,
    undecided: &'static str,
    grant: &'static str,
    refuse: &'static str,
    plan_title: &'static str,
    plan_explanation: &'static str,
    agree: &'static str,
    agreed: &'static str,
    plan_changed: &'static str,
    saved: &'static str,
    saved_agreement: &'static str,
    nothing_changed: &'static str,
    stale_form: &'static str,
    submit: &'static str,
    footer: &'static str,
}

const NL: Words = Words {
    lang: "nl",
    title: "Toestemming voor {name}",
    intro: "{school} vraagt u, als ouder of verzorger van {name}, om een paar keuzes over \
            werkbezoeken en het loopbaanportfolio dat de school bijhoudt (in Driehoek, voor \
            {city}). U kunt uw keuzes op deze pagina wijzigen tot {until}.",
    granted: "Nu: u heeft toestemming gegeven.",
    refused: "Nu: geen toestemming.",
    undecided: "Nu: nog niet gekozen.",
    grant: "Ja, dat is goed",
    refuse: "Nee, liever niet",
    plan_title: "Het routeplan van {name}",
    plan_explanation: "Dit is de route die {name} met de mentor heeft uitgestippeld, stap \
                       voor stap naar een opleiding en een beroep:",
    agree: "Ik ga akkoord met dit plan",
    agreed: "Er is al akkoord gegeven op dit plan door een ouder of verzorger.",
    plan_changed: "Het routeplan is gewijzigd nadat u deze pagina opende. Uw akkoord is \
                   niet opgeslagen: bekijk het nieuwe plan hieronder.",
    saved: "Opgeslagen. Dank u wel!",
    saved_agreement: "Akkoord met het routeplan",
    nothing_changed: "Er was niets veranderd.",
    stale_form: "Deze pagina was te lang open of kwam niet van ons. Er is niets opgeslagen: \
                 kies opnieuw en sla op.",
    submit: "Keuzes opslaan",
    footer: "Deze pagina is alleen voor u. Deel de link niet. Vragen? Neem contact op met \
             de school.",
};

const EN: Words = Words {
    lang: "en",
    title: "Consent for {name}",
    intro: "{school} asks you, as a parent or guardian of {name}, to make a few choices about \
            work visits and the careers portfolio the school keeps (in Driehoek, for {city}). \
            You can change your choices on this page until {until}.",
    granted: "Now: you have given consent.",
    refused: "Now: no consent.",
    undecided: "Now: not chosen yet.",
    grant: "Yes, that is fine",
    refuse: "No, I would rather not",
    plan_title: "{name}'s route plan",
    plan_explanation: "This is the route {name} has planned with the mentor, step by step \
                       towards a course and an occupation:",
    agree: "I agree to this plan",
    agreed: "A parent or guardian has already agreed to this plan.",
    plan_changed: "The route plan changed after you opened this page. Your agreement was \
                   not saved: please look at the new plan below.",
    saved: "Saved. Thank you!",
    saved_agreement: "Agreed to the route plan",
    nothing_changed: "Nothing had changed.",
    stale_form: "This page was open too long or did not come from us. Nothing was saved: \
                 please choose again and save.",
    submit: "Save my choices",
    footer: "This page is for you only. Do not share the link. Questions? Please contact the \
             school.",
};

fn words(language: PageLanguage) -> &'static Words {
    match language {
        PageLanguage::Nl => &NL,
        PageLanguage::En => &EN,
    }
}

/// What each purpose means, for a parent: a title and an explanation (`{name}` is the
/// pupil's display name).
fn purpose_text(purpose: ConsentPurpose, language: PageLanguage) -> (&'static str, &'static str) {
    use ConsentPurpose as P;
    match (purpose, language) {
        (P::Participation, PageLanguage::Nl) => (
            "Meedoen aan activiteiten buiten school",
            "{name} gaat met de klas op bezoek bij bedrijven en organisaties, bijvoorbeeld \
             een ochtend in de haven of in een ziekenhuis. Daarvoor geeft de school de \
             roepnaam van {name} door aan wie de klas ontvangt.",
        ),
        (P::Participation, PageLanguage::En) => (
            "Taking part in activities outside school",
            "{name} visits companies and organisations with the class, for example a \
             morning at the port or in a hospital. For this the school gives {name}'s \
             first name to the hosts.",
        ),
        (P::ShareWithBusiness, PageLanguage::Nl) => (
            "Roepnaam en gekozen portfoliostukken delen met het gastbedrijf",
            "Het bedrijf waar {name} op bezoek gaat, ziet de roepnaam van {name} en alleen \
             de stukken uit het portfolio die {name} zelf koos om te delen. Zo kan de \
             begeleider beter aansluiten. Niets anders wordt gedeeld.",
        ),
        (P::ShareWithBusiness, PageLanguage::En) => (
            "Sharing the first name and chosen portfolio pieces with the host",
            "The company {name} visits sees {name}'s first name and only the portfolio \
             pieces {name} chose to share, so the coach there can build on them. Nothing \
             else is shared.",
        ),
        (P::PortfolioTransfer, PageLanguage::Nl) => (
            "Het portfolio gaat mee naar een volgende school",
            "Als {name} naar een andere school gaat, kan het portfolio meegaan, zodat {name} \
             niet opnieuw hoeft te beginnen. Zonder toestemming blijft wat tot dan gemaakt \
             is bij de oude school.",
        ),
        (P::PortfolioTransfer, PageLanguage::En) => (
            "The portfolio moves on to the next school",
            "If {name} moves to another school, the portfolio can move along, so {name} \
             does not have to start again. Without consent, what was made so far stays \
             with the old school.",
        ),
        (P::Media, PageLanguage::Nl) => (
            "Foto's en filmpjes",
            "Tijdens bezoeken worden soms foto's of filmpjes gemaakt, bijvoorbeeld voor de \
             nieuwsbrief van de school. Met toestemming mag {name} daarop herkenbaar te zien \
             zijn.",
        ),
        (P::Media, PageLanguage::En) => (
            "Photos and videos",
            "Photos or short videos are sometimes taken during visits, for example for the \
             school's newsletter. With consent, {name} may be recognisable in them.",
        ),
        (P::RecruitmentContact, PageLanguage::Nl) => (
            "Een werkgever mag contact opnemen",
            "Een bedrijf dat {name} heeft leren kennen, mag contact opnemen over een \
             bijbaan, stage of opleiding. Dit kan pas vanaf 16 jaar.",
        ),
        (P::RecruitmentContact, PageLanguage::En) => (
            "An employer may get in touch",
            "A company that got to know {name} may get in touch about a side job, an \
             internship or a course. This is only possible from the age of 16.",
        ),
    }
}

fn nonce() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// `page` rendered, with the headers every answer of the page carries.
fn page_response(
    status: StatusCode,
    nonce: &str,
    page: &impl Template,
) -> Result<HttpResponse, ApiError> {
    let html = page
        .render()
        .map_err(|e| DomainError::Internal(format!("the parents' page did not render: {e}")))?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            format!(
                "default-src 'none'; style-src 'nonce-{nonce}'; form-action 'self'; \
                 frame-ancestors 'none'; base-uri 'none'"
            ),
        ))
        .body(html))
}

/// The page for a link that does not work: both languages, since the link's own is
/// not known.
fn gone(status: StatusCode) -> Result<HttpResponse, ApiError> {
    let nonce = nonce();
    let (title, body) = if status == StatusCode::TOO_MANY_REQUESTS {
        (
            "Even geduld — Please wait",
            "Te veel pogingen met deze link; probeer het over een minuut opnieuw. \
             Too many attempts with this link; please try again in a minute.",
        )
    } else {
        (
            "Deze link werkt niet (meer) — This link does not work",
            "De link is onbekend, verlopen of ingetrokken: vraag de school om een nieuwe \
             uitnodiging. The link is unknown, has expired or was revoked: please ask the \
             school for a new invitation.",
        )
    };
    let page = Gone {
        lang: "nl",
        nonce: nonce.clone(),
        title,
        body,
    };
    page_response(status, &nonce, &page)
}

fn fill(text: &str, name: &str) -> String {
    text.replace("{name}", name)
}

fn render(
    view: &InvitationView,
    city: &str,
    secret: &str,
    now: DateTime<Utc>,
    (done, notice): (Option<Done>, Option<String>),
) -> Result<HttpResponse, ApiError> {
    let w = words(view.invitation.language);
    let name = view.student.display_name.to_string();
    let until = view.invitation.expires_at.format("%Y-%m-%d").to_string();
    let purposes = view
        .purposes
        .iter()
        .map(|(purpose, status)| {
            let (title, explanation) = purpose_text(*purpose, view.invitation.language);
            let granted = *status == Some(ConsentStatus::Granted);
            let refused = matches!(
                status,
                Some(ConsentStatus::Refused | ConsentStatus::Withdrawn)
            );
            PurposeField {
                code: purpose.code(),
                title: title.to_owned(),
                explanation: fill(explanation, &name),
                current: match (granted, refused) {
                    (true, _) => w.granted,
                    (_, true) => w.refused,
                    _ => w.undecided,
                },
                granted,
                refused,
                grant_label: w.grant.to_owned(),
                refuse_label: w.refuse,
            }
        })
        .collect();
    let plan = view.plan.as_ref().map(|shown| PlanField {
        title: fill(w.plan_title, &name),
        explanation: fill(w.plan_explanation, &name),
        steps: shown.steps.clone(),
        version: shown.version,
        agreed: shown.agreed,
        agreed_text: w.agreed,
        agree_label: w.agree,
    });
    let nonce = nonce();
    let digest = digest_secret(secret);
    let token = form_token(&digest, now);
    let page = Page {
        lang: w.lang,
        nonce: nonce.clone(),
        title: fill(w.title, &name),
        intro: fill(w.intro, &name)
            .replace("{school}", view.school_name.as_str())
            .replace("{city}", city)
            .replace("{until}", &until),
        action: format!("/invitations/{secret}"),
        form_token: token.clone(),
        purposes,
        plan,
        done,
        notice,
        submit: w.submit,
        footer: w.footer,
    };
    let mut response = page_response(StatusCode::OK, &nonce, &page)?;
    let cookie = Cookie::build(FORM_COOKIE, token)
        .path(format!("/invitations/{secret}"))
        .http_only(true)
        .same_site(SameSite::Strict)
        .finish();
    let _ = response.add_cookie(&cookie);
    Ok(response)
}

/// The city of the link's invitation, if the link is known and the city answers
/// requests (a suspended tenant's links answer nothing): found before the page reads or
/// records anything.
async fn city_of(state: &AppState, secret: &str) -> Result<Option<Tenant>, ApiError> {
    let Some(tenant) = state.students.invitation_tenant(secret).await? else {
        return Ok(None);
    };
    Ok(state
        .tenants
        .find(tenant)
        .await?
        .filter(|t| t.status == TenantStatus::Active))
}

/// The page for a link that is known but no longer open (expired, revoked, its pupil
/// gone), and the answer for any other failure.
fn or_gone(error: DomainError) -> Result<HttpResponse, ApiError> {
    match error {
        DomainError::NotFound(_) => gone(StatusCode::NOT_FOUND),
        other => Err(other.into()),
    }
}

/// Counts the request against the link's own limit: `true` when it is over.
async fn over_limit(state: &AppState, secret: &str) -> bool {
    let key = format!("invitation:{}", digest_secret(secret));
    state
        .rate_limiter
        .hit(&key, PER_SECRET_PER_MINUTE)
        .await
        .exceeded
}

fn request_id() -> Option<String> {
    crate::request_meta::current().map(|m| m.request_id)
}

async fn show(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let secret = path.into_inner();
    if over_limit(&state, &secret).await {
        return gone(StatusCode::TOO_MANY_REQUESTS);
    }
    let Some(city) = city_of(&state, &secret).await? else {
        return gone(StatusCode::NOT_FOUND);
    };
    match state.students.open_invitation(&secret, request_id()).await {
        Ok(view) => render(
            &view,
            &city.name.to_string(),
            &secret,
            state.clock.now(),
            (None, None),
        ),
        Err(error) => or_gone(error),
    }
}

/// The parent's choices as the form sent them.
fn answer_of(form: &[(String, String)]) -> InvitationAnswer {
    let value = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let decisions = ConsentPurpose::ALL
        .iter()
        .filter_map(|purpose| match value(purpose.code()) {
            Some("grant") => Some((*purpose, ConsentStatus::Granted)),
            Some("refuse") => Some((*purpose, ConsentStatus::Refused)),
            _ => None,
        })
        .collect();
    let agree_to_version = match value("agree") {
        Some("yes") => value("plan_version").and_then(|v| v.parse().ok()),
        _ => None,
    };
    InvitationAnswer {
        decisions,
        agree_to_version,
    }
}

async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let secret = path.into_inner();
    if over_limit(&state, &secret).await {
        return gone(StatusCode::TOO_MANY_REQUESTS);
    }
    let form: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let now = state.clock.now();
    let posted = form
        .iter()
        .find(|(k, _)| k == "form_token")
        .map(|(_, v)| v.as_str());
    let cookie = req.cookie(FORM_COOKIE);
    let digest = digest_secret(&secret);
    let genuine = match (posted, &cookie) {
        (Some(posted), Some(cookie)) => {
            posted == cookie.value() && form_token_is_valid(&digest, posted, now)
        }
        _ => false,
    };
    let Some(city) = city_of(&state, &secret).await? else {
        return gone(StatusCode::NOT_FOUND);
    };
    let city_name = city.name.to_string();
    if !genuine {
        // Nothing is recorded; the page is shown again (or the link is gone).
        let view = match state.students.open_invitation(&secret, request_id()).await {
            Ok(view) => view,
            Err(error) => return or_gone(error),
        };
        let notice = words(view.invitation.language).stale_form.to_owned();
        let mut page = render(&view, &city_name, &secret, now, (None, Some(notice)))?;
        *page.status_mut() = StatusCode::FORBIDDEN;
        return Ok(page);
    }
    let consent_age = city.settings.consent_age;
    let answered = match state
        .students
        .answer_invitation(&secret, consent_age, answer_of(&form), request_id())
        .await
    {
        Ok(answered) => answered,
        Err(error) => return or_gone(error),
    };
    let (done, notice) = confirmation(&answered);
    render(
        &answered.view,
        &city_name,
        &secret,
        now,
        (Some(done), notice),
    )
}

/// What the confirmation says was recorded, and what could not be.
fn confirmation(answered: &InvitationAnswered) -> (Done, Option<String>) {
    let language = answered.view.invitation.language;
    let w = words(language);
    let mut lines: Vec<String> = answered
        .recorded
        .iter()
        .map(|c| {
            let (title, _) = purpose_text(c.purpose, language);
            let verdict = if c.status == ConsentStatus::Granted {
                w.grant
            } else {
                w.refuse
            };
            format!("{title}: {verdict}")
        })
        .collect();
    if answered.plan == PlanAnswer::Agreed {
        lines.push(w.saved_agreement.to_owned());
    }
    if lines.is_empty() {
        lines.push(w.nothing_changed.to_owned());
    }
    let mut notices: Vec<String> = answered
        .not_allowed
        .iter()
        .map(|(purpose, why)| format!("{}: {why}", purpose_text(*purpose, language).0))
        .collect();
    if answered.plan == PlanAnswer::PlanChanged {
        notices.push(w.plan_changed.to_owned());
    }
    let notice = (!notices.is_empty()).then(|| notices.join(" "));
    (
        Done {
            heading: w.saved,
            lines,
        },
        notice,
    )
}
