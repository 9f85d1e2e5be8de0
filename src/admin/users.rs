//! `/admin/v1/users`: create, list, show, change (roles, tenant, disabled) and log out everywhere.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Deserializer, Serialize};

use super::access::Access;
use super::paging::{self, Page, PageQuery, PageRequest};
use super::problem::Problem;
use super::request::{caller, if_match, json_body, path_param};
use super::respond::{json, page_response, resource, tagged};
use crate::domain::audit::AuditAction;
use crate::domain::letters::{Letter, Wording};
use crate::domain::mfa::factors;
use crate::domain::passwords::Password;
use crate::domain::registration;
use crate::domain::users::{self, NewUser, User, UserChanges};
use crate::state::AppState;
use crate::values::ids::UserId;
use crate::values::locale::Locale;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/users", "GET, POST")
            .route(web::get().to(list_users))
            .route(web::post().to(create_user)),
    )
    .service(
        resource("/users/{id}", "GET, PATCH")
            .route(web::get().to(get_user))
            .route(web::patch().to(update_user)),
    )
    .service(resource("/users/{id}/revoke-sessions", "POST").route(web::post().to(revoke_sessions)))
    .service(resource("/users/{id}/reset-mfa", "POST").route(web::post().to(reset_mfa)));
}

/// `?limit=&cursor=&email=` of the user list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    /// Items per page (1-200, default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(min_length = 1, max_length = 200)]
    pub cursor: Option<String>,
    /// Only the user with this email address (matched lowercased): a lookup for automation that knows users by
    /// email.
    #[param(min_length = 3, max_length = 254)]
    pub email: Option<String>,
}

/// A new user.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    #[schema(example = "ada@example.org")]
    pub email: String,
    /// 1-64 characters of `A-Z a-z 0-9 . _ - ~`.
    pub username: Option<String>,
    /// The name the user is shown by (the `name` claim), at most 100 characters.
    pub display_name: Option<String>,
    /// 8-1024 characters; not one of the most common passwords.
    #[schema(min_length = 8, format = Password)]
    pub password: String,
    #[serde(default)]
    pub roles: Vec<String>,
    pub tenant: Option<String>,
    /// The operator vouches for the address: `email_verified` is true from the start (default false).
    #[serde(default)]
    pub email_verified: bool,
    /// Registration for automation: the account is created as the `/register` page creates one (source
    /// `registration`, address unverified, `require_verified_email` applies) and a verification link is mailed to
    /// it. Can't be combined with `email_verified: true`.
    #[serde(default)]
    pub send_verification_email: bool,
    /// The language of the verification mail (a language tag such as `de`; default `default_locale`).
    pub locale: Option<String>,
}

/// Changes to a user (JSON merge patch, RFC 7396): absent fields stay as they are; `tenant: null` removes it.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    /// Replaces the roles.
    pub roles: Option<Vec<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub tenant: Option<Option<String>>,
    /// `true` also logs the user out everywhere.
    pub disabled: Option<bool>,
    /// `null` removes the username.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub username: Option<Option<String>>,
    /// `null` removes the display name.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub display_name: Option<Option<String>>,
}

/// Distinguishes `"tenant": null` (`Some(None)`) from an absent field (`None`).
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// What an operator's reset of a user's second factors did.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MfaReset {
    pub user_id: String,
    /// Whether the user had a second factor (an authenticator or recovery codes) that is now gone.
    pub removed: bool,
}

/// What a logout everywhere ended.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SessionsRevoked {
    pub user_id: String,
    pub families_revoked: u64,
    pub sessions_revoked: u64,
}

#[utoipa::path(get, path = "/admin/v1/users", tag = "users", params(UserQuery),
    responses((status = 200, description = "A page of users, oldest first", body = Page<User>)),
    security(("oauth2" = ["latchkey:admin:read"])))]
pub async fn list_users(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    caller(&req, &state, Access::Read).await?;
    let query: UserQuery = paging::query(&req)?;
    let request = PageRequest::checked(PageQuery {
        limit: query.limit,
        cursor: query.cursor,
    })?;
    let rows = match query.email {
        Some(email) => {
            let email = users::normalize_email(&email).map_err(Problem::from)?;
            users::find_by_email(&state.store, &email)
                .await?
                .into_iter()
                .filter(|u| {
                    request
                        .after
                        .as_ref()
                        .is_none_or(|after| u.id.as_str() > after.as_str())
                })
                .collect()
        }
        None => users::page_users(&state.store, request.after.as_deref(), request.fetch()).await?,
    };
    let page = request.page(rows, |u| u.id.as_str(), |u| u);
    Ok(page_response(&req, &request, &page))
}

#[utoipa::path(post, path = "/admin/v1/users", tag = "users", request_body = CreateUser,
    responses(
        (status = 201, description = "Created", body = User,
            headers(("ETag" = String), ("Location" = String))),
        (status = 409, description = "A user with this email or username exists", body = Problem,
            content_type = "application/problem+json")),
    security(("oauth2" = ["latchkey:admin"])))]
pub async fn create_user(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, Problem> {
    let caller = caller(&req, &state, Access::Change).await?;
    let new: CreateUser = json_body(&req, &body)?;
    let password = Password::new(new.password).map_err(|e| Problem::bad_request(e.to_string()))?;
    if new.send_verification_email && new.email_verified {
        return Err(Problem::bad_request(
            "send_verification_email asks the user to verify the address; email_verified says it is verified",
        ));
    }
    let user = NewUser {
        email: new.email,
        username: new.username,
        display_name: new.display_name,
        roles: new.roles,
        tenant: new.tenant,
        password,
        email_verified: new.email_verified,
    };
    let locale = match new.locale.as_deref().map(Locale::parse) {
        None => None,
        Some(Some(locale)) => Some(locale),
        Some(None) => {
            return Err(Problem::bad_request(
                "locale must be a language tag such as de",
            ));
        }
    };
    let user = if new.send_verification_email {
        let user = registration::register_for_operator(
            &state.store,
            &state.hasher,
            registration::LinkMailer {
                settings: &state.registration,
                master: &state.master,
                wording: Wording {
                    writer: state.letters.as_ref(),
                    locale: locale.as_ref(),
                },
            },
            user,
            &caller.actor(),
            state.clock.now(),
        )
        .await?;
        state.mail_wake.notify_one();
        user
    } else {
        users::create_user(
            &state.store,
            &state.hasher,
            user,
            &caller.actor(),
            state.clock.now(),
        )
        .await?
    };
    Ok(super::respond::created(
        &user,
        &user.entity_tag(),
        &format!("/admin/v1/users/{}", user.id),
    ))
}

#[utoipa::path(get, path = "/admin/v1/users/{id}", tag = "users",
    params(("id" = String, Path, description = "The user's id")),
    responses(
        (status = 200, description = "The user", body = User, headers(("ETag" = String)))),
    security(("oauth2" = ["latchkey:admin:read"])))]
pub async fn get_user(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    caller(&req, &state, Access::Read).await?;
    let user = users::get_user(&state.store, &UserId::new(path_param(&req, "id"))).await?;
    Ok(tagged(StatusCode::OK, &user, &user.entity_tag()))
}

#[utoipa::path(patch, path = "/admin/v1/users/{id}", tag = "users",
    params(("id" = String, Path, description = "The user's id"),
        ("If-Match" = Option<String>, Header, description = "Apply only to this version (the ETag of a GET)")),
    request_body(content = UserPatch, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "The user as changed", body = User, headers(("ETag" = String)))),
    security(("oauth2" = ["latchkey:admin"])))]
pub async fn update_user(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, Problem> {
    let caller = caller(&req, &state, Access::Change).await?;
    let condition = if_match(&req)?;
    let patch: UserPatch = json_body(&req, &body)?;
    let user = users::update_user(
        &state.store,
        &state.revocations,
        &caller.actor(),
        &UserId::new(path_param(&req, "id")),
        UserChanges {
            roles: patch.roles,
            tenant: patch.tenant,
            disabled: patch.disabled,
            username: patch.username,
            display_name: patch.display_name,
        },
        condition.as_ref(),
        state.clock.now(),
    )
    .await?;
    Ok(tagged(StatusCode::OK, &user, &user.entity_tag()))
}

#[utoipa::path(post, path = "/admin/v1/users/{id}/revoke-sessions", tag = "users",
    params(("id" = String, Path, description = "The user's id")),
    responses(
        (status = 200, description = "Every session, refresh token and access token of the user is revoked",
            body = SessionsRevoked)),
    security(("oauth2" = ["latchkey:admin"])))]
pub async fn revoke_sessions(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    let caller = caller(&req, &state, Access::Change).await?;
    let id = path_param(&req, "id");
    // By id only: the CLI's lookup by email or username is for people typing.
    let user = users::get_user(&state.store, &UserId::new(id)).await?;
    let (_, ended) = users::revoke_sessions(
        &state.store,
        &state.revocations,
        &caller.actor(),
        user.id.as_str(),
        state.clock.now(),
    )
    .await?;
    Ok(json(
        StatusCode::OK,
        &SessionsRevoked {
            user_id: user.id.into_string(),
            families_revoked: ended.families as u64,
            sessions_revoked: ended.sessions as u64,
        },
    ))
}

#[utoipa::path(post, path = "/admin/v1/users/{id}/reset-mfa", tag = "users",
    params(("id" = String, Path, description = "The user's id")),
    responses(
        (status = 200, description = "The user's authenticator and recovery codes are removed (a user who lost \
            both); the user is told by mail and can enrol again on the account page", body = MfaReset)),
    security(("oauth2" = ["latchkey:admin"])))]
pub async fn reset_mfa(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    let caller = caller(&req, &state, Access::Change).await?;
    let user = users::get_user(&state.store, &UserId::new(path_param(&req, "id"))).await?;
    let now = state.clock.now();
    // The operator's reset is mailed in the default language (an account has no language of its own).
    let notice = Wording {
        writer: state.letters.as_ref(),
        locale: None,
    }
    .write(Letter::SecondFactorsReset)
    .to(&user.email);
    let removed = factors::remove(
        &state.store,
        &state.master,
        &caller.actor(),
        &user.id,
        notice,
        AuditAction::UserResetMfa,
        now,
    )
    .await?;
    state.mail_wake.notify_one();
    Ok(json(
        StatusCode::OK,
        &MfaReset {
            user_id: user.id.into_string(),
            removed,
        },
    ))
}
