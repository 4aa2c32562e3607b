//! Staff login and logout. A login checks the form's origin first (login CSRF), then
//! the app checks the password and the throttles; a successful one ends any session the
//! browser still had and sets a new cookie, so a session id is never carried across a
//! login (session fixation).

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Form;
use axum::extract::{ConnectInfo, State};
use axum::http::header::RETRY_AFTER;
use axum::http::{Extensions, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use ombud_app::AppError;
use ombud_app::staff::{LoginOutcome, SESSION_ABSOLUTE_MS};
use serde::Deserialize;

use super::{COOKIE_NAME, app_error, error_page, forged, html, page, redirect, same_origin};
use crate::Site;
use crate::html::escape;

/// The login form.
#[derive(Deserialize)]
pub(crate) struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

fn login_form(site: &Site, status: StatusCode, message: Option<&str>, username: &str) -> Response {
    let message = message
        .map(|m| format!("<p class=\"error\" role=\"alert\">{}</p>", escape(m)))
        .unwrap_or_default();
    let body = format!(
        "<h1>Staff login</h1>{message}<form method=\"post\" action=\"/staff/login\">\
         <p><label for=\"username\">Username</label><br><input id=\"username\" name=\"username\" autocomplete=\"username\" required maxlength=\"64\" value=\"{}\"></p>\
         <p><label for=\"password\">Password</label><br><input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required maxlength=\"1024\"></p>\
         <p><button type=\"submit\">Log in</button></p></form>",
        escape(username)
    );
    html(site, status, page(site, None, "Staff login", &body), None)
}

pub(crate) async fn login_page(State(site): State<Arc<Site>>) -> Response {
    login_form(&site, StatusCode::OK, None, "")
}

pub(crate) async fn login(
    State(site): State<Arc<Site>>,
    headers: HeaderMap,
    extensions: Extensions,
    Form(form): Form<LoginForm>,
) -> Response {
    if !same_origin(&headers) {
        return forged(&site);
    }
    let address = extensions.get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip());
    // Only a name the form could have sent is shown back; the password never is.
    let shown = if form.username.len() <= 64 { form.username.as_str() } else { "" };
    match site.app.staff_login(&form.username, &form.password, address).await {
        Ok(LoginOutcome::LoggedIn { token, .. }) => {
            if let Some(old) = super::session_token(&headers) {
                // The browser's earlier session ends here; failing to end it only
                // leaves it to expire.
                let _ = site.app.staff_logout(&old).await;
            }
            let cookie = format!(
                "{COOKIE_NAME}={}; Path=/; Max-Age={}; HttpOnly; Secure; SameSite=Strict",
                token.expose(),
                SESSION_ABSOLUTE_MS / 1000
            );
            redirect(&site, "/staff", Some(cookie))
        }
        Ok(LoginOutcome::Refused) => login_form(
            &site,
            StatusCode::UNAUTHORIZED,
            Some("The username or the password is wrong, or the account is disabled."),
            shown,
        ),
        Ok(LoginOutcome::Throttled) => login_form(
            &site,
            StatusCode::TOO_MANY_REQUESTS,
            Some(
                "Too many failed logins for this username or from this address. Wait 15 minutes and try again, or ask an admin to reset the password.",
            ),
            shown,
        ),
        // Too many password checks at once: the form again, with "try again".
        Err(e @ AppError::Unavailable(_)) => {
            let mut response =
                login_form(&site, StatusCode::SERVICE_UNAVAILABLE, Some(&e.to_string()), shown);
            response.headers_mut().insert(RETRY_AFTER, HeaderValue::from_static("5"));
            response
        }
        Err(e) => app_error(&site, None, &e),
    }
}

pub(crate) async fn logout(State(site): State<Arc<Site>>, headers: HeaderMap) -> Response {
    if !same_origin(&headers) {
        return forged(&site);
    }
    if let Some(token) = super::session_token(&headers)
        && let Err(e) = site.app.staff_logout(&token).await
    {
        return error_page(&site, None, StatusCode::SERVICE_UNAVAILABLE, &e.to_string());
    }
    let cookie = format!("{COOKIE_NAME}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict");
    redirect(&site, "/staff/login", Some(cookie))
}
