//! Who may call an operation, stated once in the handler's signature.
//!
//! A handler takes `Authorized<P>` (an operation under `/v1/tenants/{tenant}`),
//! `AuthorizedFeed<P>` (a calendar feed, which also opens with a feed token) or
//! `AuthorizedCaller<P>` (an operation outside any tenant), where `P` is a
//! [`Policy`]: the roles that may call it. The extractor authenticates the caller,
//! checks the tenant the path names, refuses every other role with `403 forbidden` and
//! only then lets the handler run; the body is judged later ([`crate::extract::JsonBody`]),
//! so a caller that may not call the operation never learns what is wrong with its
//! body. `#[guarded]` (from `driehoek-api-macros`) ties the handler to `P`, and
//! [`guarded`] registers it with `P`'s roles in the operation's OpenAPI `x-roles` and
//! description: the document says what the code enforces because both come from the
//! one type.
//!
//! What depends on data (whose school, whose business, which pupil) is still decided
//! by the domain services, which check the caller again.

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;

use actix_web::dev::{AppService, HttpServiceFactory, Payload};
use actix_web::{FromRequest, HttpRequest, web};
use driehoek_domain::auth::{Actor, Role};
use driehoek_domain::vocabularies::Vocabulary;
use utoipa::openapi::path::Paths;
use utoipa::openapi::security::SecurityRequirement;
use utoipa_actix_web::OpenApiFactory;

use crate::error::{ApiError, ErrorCode};
use crate::extract::{Caller, FeedCtx, TenantCtx};
use crate::state::AppState;

/// The roles that may call an operation. Platform administrators may call every
/// operation and are not listed.
pub trait Policy: 'static {
    const ROLES: &'static [Role];
    /// Whether a pupil's or guardian's use of the operation is audited when it is
    /// allowed (the catalogue's; what a token reads of its own pupil is audited by the
    /// service that reads it).
    const AUDITS_TOKENS: bool = false;

    /// Whether `actor` may call the operation.
    fn allows(actor: &Actor) -> bool {
        actor.is_platform_admin() || Self::ROLES.contains(&actor.role)
    }

    /// The roles as the OpenAPI security requirement lists them.
    fn scopes() -> Vec<&'static str> {
        std::iter::once(Role::PlatformAdmin)
            .chain(Self::ROLES.iter().copied())
            .map(|role| role.code())
            .collect()
    }
}

macro_rules! policies {
    ($($(#[$doc:meta])* $name:ident = [$($role:ident),*];)*) => {
        $(
            $(#[$doc])*
            pub struct $name;

            impl Policy for $name {
                const ROLES: &'static [Role] = &[$(Role::$role),*];
            }
        )*
    };
}

/// Every role of the tenant, pupils' and guardians' tokens included: the catalogue.
/// A token's every use is in the audit log, so these reads are recorded too.
pub struct Anyone;

impl Policy for Anyone {
    const ROLES: &'static [Role] = &[
        Role::CityAdmin,
        Role::School,
        Role::Business,
        Role::Integrator,
        Role::Pupil,
        Role::Guardian,
    ];
    const AUDITS_TOKENS: bool = true;
}

/// Records a token's allowed use of an operation whose policy says so.
async fn audit_token_use<P: Policy>(
    state: Option<&web::Data<AppState>>,
    actor: &Actor,
) -> Result<(), ApiError> {
    match state {
        Some(state) if P::AUDITS_TOKENS && actor.acts_for_a_pupil() => {
            Ok(state.students.record_catalogue_read(actor).await?)
        }
        _ => Ok(()),
    }
}

policies! {
    /// Every organisation's key: the change feed and the webhook events it may follow.
    Organisations = [CityAdmin, School, Business, Integrator];
    /// The city's administrators: running the tenant.
    CityAdmin = [CityAdmin];
    /// Platform administrators only: the tenants themselves.
    PlatformAdmin = [];
    /// A school for itself, or the city.
    SchoolOrCity = [CityAdmin, School];
    /// A business for itself, or the city.
    BusinessOrCity = [CityAdmin, Business];
    /// The parties to a booking: the booking school, the host business, the city.
    BookingParties = [CityAdmin, School, Business];
    /// A pupil's own school: pupils' data never reaches the city's keys.
    StudentsSchool = [School];
    /// A pupil's own school, the pupil and a guardian (their tokens reach their own
    /// pupil only, DESIGN.md §3.9).
    PupilAndSchool = [School, Pupil, Guardian];
    /// A pupil's own school and the pupil: writing the route plan.
    PupilPlanners = [School, Pupil];
    /// The host business of a booking.
    Host = [Business];
}

fn refuse<P: Policy>(actor: &Actor) -> Result<(), ApiError> {
    if P::allows(actor) {
        Ok(())
    } else {
        Err(ApiError::new(
            ErrorCode::Forbidden,
            format!(
                "this operation is for {}; the key is {}",
                P::scopes().join(", "),
                actor.role.code()
            ),
        ))
    }
}

type Boxed<T> = Pin<Box<dyn Future<Output = Result<T, ApiError>>>>;

/// The caller of an operation in a tenant, allowed by `P`; derefs to the tenant
/// context (the tenant the path names and the caller).
pub struct Authorized<P: Policy> {
    ctx: TenantCtx,
    policy: PhantomData<P>,
}

impl<P: Policy> Authorized<P> {
    pub fn into_inner(self) -> TenantCtx {
        self.ctx
    }
}

impl<P: Policy> std::ops::Deref for Authorized<P> {
    type Target = TenantCtx;

    fn deref(&self) -> &TenantCtx {
        &self.ctx
    }
}

impl<P: Policy> FromRequest for Authorized<P> {
    type Error = ApiError;
    type Future = Boxed<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let ctx = TenantCtx::from_request(req, payload);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let ctx = ctx.await?;
            refuse::<P>(&ctx.actor)?;
            audit_token_use::<P>(state.as_ref(), &ctx.actor).await?;
            Ok(Self {
                ctx,
                policy: PhantomData,
            })
        })
    }
}

/// [`Authorized`] for a calendar feed: a key, or a feed token in `?token=` for
/// agendas that cannot send headers.
pub struct AuthorizedFeed<P: Policy> {
    ctx: TenantCtx,
    policy: PhantomData<P>,
}

impl<P: Policy> AuthorizedFeed<P> {
    pub fn into_inner(self) -> TenantCtx {
        self.ctx
    }
}

impl<P: Policy> std::ops::Deref for AuthorizedFeed<P> {
    type Target = TenantCtx;

    fn deref(&self) -> &TenantCtx {
        &self.ctx
    }
}

impl<P: Policy> FromRequest for AuthorizedFeed<P> {
    type Error = ApiError;
    type Future = Boxed<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let feed = FeedCtx::from_request(req, payload);
        Box::pin(async move {
            let FeedCtx(ctx) = feed.await?;
            refuse::<P>(&ctx.actor)?;
            Ok(Self {
                ctx,
                policy: PhantomData,
            })
        })
    }
}

/// The caller of an operation outside any tenant (`/v1/tenants`, the vocabularies),
/// allowed by `P`.
pub struct AuthorizedCaller<P: Policy> {
    pub actor: Actor,
    policy: PhantomData<P>,
}

impl<P: Policy> FromRequest for AuthorizedCaller<P> {
    type Error = ApiError;
    type Future = Boxed<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let caller = Caller::from_request(req, payload);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let Caller(actor) = caller.await?;
            refuse::<P>(&actor)?;
            audit_token_use::<P>(state.as_ref(), &actor).await?;
            Ok(Self {
                actor,
                policy: PhantomData,
            })
        })
    }
}

/// A handler whose signature names its policy (implemented by `#[guarded]`).
pub trait Guarded {
    type Policy: Policy;
}

/// A guarded handler as registered: served as the handler is, documented with its
/// policy's roles as the security requirement of its operations.
pub struct WithPolicy<H>(H);

/// Registers `handler` with its policy in the OpenAPI document (see the module's
/// documentation).
pub fn guarded<H: Guarded>(handler: H) -> WithPolicy<H> {
    WithPolicy(handler)
}

impl<H: HttpServiceFactory> HttpServiceFactory for WithPolicy<H> {
    fn register(self, config: &mut AppService) {
        self.0.register(config);
    }
}

impl<H: Guarded + OpenApiFactory> OpenApiFactory for WithPolicy<H> {
    fn paths(&self) -> Paths {
        let mut paths = self.0.paths();
        let roles = H::Policy::scopes();
        // OpenAPI gives scopes to OAuth only: the roles go into `x-roles` and the
        // description, where every reader and tool sees them.
        let requirement = SecurityRequirement::new("api_key", Vec::<String>::new());
        let sentence = format!(
            "Roles: {}.",
            roles
                .iter()
                .map(|r| format!("`{r}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        for item in paths.paths.values_mut() {
            for operation in [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ]
            .into_iter()
            .flatten()
            {
                let securities = operation.security.get_or_insert_with(Vec::new);
                // The key's requirement is this policy's; "no key" (a feed opened by
                // its token in the query) stays where the handler allows it.
                securities.retain(|s| *s == SecurityRequirement::default());
                securities.insert(0, requirement.clone());
                operation.description = Some(match operation.description.take() {
                    Some(text) if !text.is_empty() => format!("{text}\n\n{sentence}"),
                    _ => sentence.clone(),
                });
                operation
                    .extensions
                    .get_or_insert_with(Default::default)
                    .merge(
                        utoipa::openapi::extensions::ExtensionsBuilder::new()
                            .add("x-roles", serde_json::json!(roles))
                            .build(),
                    );
            }
        }
        paths
    }

    fn schemas(
        &self,
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        self.0.schemas(schemas);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platform_administrators_may_call_everything_and_are_listed_first() {
        assert_eq!(PlatformAdmin::scopes(), ["platform_admin"]);
        assert_eq!(
            BookingParties::scopes(),
            ["platform_admin", "city_admin", "school", "business"]
        );
        assert!(PlatformAdmin::allows(&Actor::bootstrap_admin()));
        assert!(StudentsSchool::allows(&Actor::bootstrap_admin()));
    }
}
