//! Signing in and out, and who is looking at a page.
//!
//! A sign-in (an API key, or a user name and the password an admin set with
//! `cairn user set-password`) becomes a session in the database
//! (`Cairn::sign_in_with_key` / `sign_in_with_password`: only the token's
//! hash is stored). The token travels in one cookie, `cairn_session`:
//! `HttpOnly` (no script reads it), `SameSite=Strict` (no other site's page
//! sends it), `Secure` when the request came over TLS (`X-Forwarded-Proto:
//! https` from the proxy in front).
//!
//! Every state-changing request is a POST carrying the session's CSRF token
//! in a hidden field ([`Viewer::check_csrf`]), and every POST to the UI must
//! come from this origin when the browser says where it came from (`Origin`,
//! `Sec-Fetch-Site`: [`same_origin`]); sign-in itself has no session yet, so
//! the origin check is what protects it. A wrong sign-in counts against the
//! client address's failed-authentication budget like a wrong API key
//! (`auth_limit.rs`).

use axum::Form;
use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use cairn_core::{Actor, CoreError};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Deserialize;

use super::page::{Chrome, PageError, render};
use crate::auth_limit::FailedSignIn;
use crate::state::AppState;

/// The session cookie's name.
pub const COOKIE: &str = "cairn_session";

/// The signed-in user of a page, and their session's CSRF token.
pub struct Viewer {
    /// Who is asking; every domain call takes this.
    pub actor: Actor,
    /// The token every form of this session carries.
    pub csrf: String,
}

impl Viewer {
    /// Refuse a state-changing request whose form lacks this session's
    /// token.
    pub fn check_csrf(&self, sent: &str) -> Result<(), PageError> {
        if constant_time_eq(sent.as_bytes(), self.csrf.as_bytes()) {
            Ok(())
        } else {
            Err(PageError::Forbidden(
                "This form has expired or did not come from this site. Reload the page and try again."
                    .into(),
            ))
        }
    }

    /// The frame of a page this viewer sees.
    pub fn chrome(&self) -> Chrome {
        Chrome::for_viewer(self)
    }
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        viewer_or_sign_in(state, &parts.headers, &parts.uri).await
    }
}

/// The viewer, or the redirect to the sign-in page that comes back here.
pub async fn viewer_or_sign_in(
    state: &AppState,
    headers: &HeaderMap,
    uri: &Uri,
) -> Result<Viewer, Response> {
    match viewer(state, headers).await {
        Ok(Some(viewer)) => Ok(viewer),
        Ok(None) => {
            let here = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
            Err(Redirect::to(&login_url(here)).into_response())
        }
        Err(err) => Err(PageError::Core(err).into_response()),
    }
}

/// The viewer of a request, if it carries a live session.
pub async fn viewer(state: &AppState, headers: &HeaderMap) -> Result<Option<Viewer>, CoreError> {
    let Some(token) = session_token(headers) else {
        return Ok(None);
    };
    match state.cairn.session(&token).await {
        Ok((actor, info)) => Ok(Some(Viewer {
            actor,
            csrf: info.csrf,
        })),
        Err(CoreError::Unauthenticated(_)) => Ok(None),
        Err(other) => Err(other),
    }
}

/// Whether a request to a W&B-shaped URL wants the page rather than the
/// JSON answer: it came from a browser (it accepts HTML) and carries no
/// API key.
pub fn wants_page(headers: &HeaderMap) -> bool {
    !headers.contains_key(header::AUTHORIZATION)
        && headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|accept| accept.contains("text/html"))
}

fn session_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_string())
        .filter(|value| !value.is_empty())
}

/// `/-/login?next=…`, for a page that needs a signed-in viewer.
pub fn login_url(next: &str) -> String {
    format!(
        "/-/login?next={}",
        utf8_percent_encode(next, NON_ALPHANUMERIC)
    )
}

/// Where to go after signing in: a path on this site, never another site
/// (`//evil.example`, `/\evil.example`) — an open redirect would let a
/// link to Cairn's sign-in page send people anywhere.
fn local_path(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.starts_with("/\\")
                && !path.starts_with("/-/login")
                && !path.chars().any(char::is_control) =>
        {
            path.to_string()
        }
        _ => "/".to_string(),
    }
}

/// Whether a POST came from a page of this site, as far as the browser
/// says: `Sec-Fetch-Site` must not be `cross-site`/`same-site`, and an
/// `Origin` must name this host.
pub fn same_origin(headers: &HeaderMap) -> bool {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = header("sec-fetch-site")
        && !matches!(site, "same-origin" | "none")
    {
        return false;
    }
    match header("origin") {
        None => true,
        Some(origin) => {
            let host = header("x-forwarded-host").or_else(|| header("host"));
            let origin_host = origin.split_once("://").map(|(_, rest)| rest);
            host.is_some() && origin_host == host
        }
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The sign-in page's query.
#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

#[derive(askama::Template)]
#[template(path = "login.html")]
struct LoginPage {
    chrome: Chrome,
    next: String,
    error: Option<String>,
    login: String,
}

/// `GET /-/login`.
pub async fn login_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<LoginQuery>,
) -> Response {
    let next = local_path(query.next.as_deref());
    if let Ok(Some(_)) = viewer(&state, &headers).await {
        return Redirect::to(&next).into_response();
    }
    render(
        StatusCode::OK,
        &LoginPage {
            chrome: Chrome::anonymous("Sign in"),
            next,
            error: None,
            login: String::new(),
        },
    )
}

/// The sign-in form: an API key, or a user name (or email) and password.
#[derive(Deserialize)]
pub struct LoginForm {
    next: Option<String>,
    api_key: Option<String>,
    login: Option<String>,
    password: Option<String>,
}

/// `POST /-/login`.
pub async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let next = local_path(form.next.as_deref());
    if !same_origin(&headers) {
        return PageError::Forbidden("Sign-in must come from this site's own page.".into())
            .into_response();
    }
    let key = form.api_key.as_deref().map(str::trim).unwrap_or("");
    let login = form.login.as_deref().map(str::trim).unwrap_or("");
    let password = form.password.as_deref().unwrap_or("");
    let result = if !key.is_empty() {
        state.cairn.sign_in_with_key(key).await
    } else if !login.is_empty() {
        state.cairn.sign_in_with_password(login, password).await
    } else {
        Err(CoreError::InvalidInput(
            "Give an API key, or a user name and password.".into(),
        ))
    };
    match result {
        Ok(session) => {
            let secure = headers
                .get("x-forwarded-proto")
                .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"));
            let cookie = format!(
                "{COOKIE}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
                session.token,
                cairn_core::SESSION_LIFETIME.whole_seconds(),
                if secure { "; Secure" } else { "" }
            );
            let mut response = Redirect::to(&next).into_response();
            if let Ok(value) = HeaderValue::from_str(&cookie) {
                response.headers_mut().insert(header::SET_COOKIE, value);
            }
            response
        }
        Err(err) => {
            let status = match err {
                CoreError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
                CoreError::InvalidInput(_) => StatusCode::BAD_REQUEST,
                other => return PageError::Core(other).into_response(),
            };
            let mut response = render(
                status,
                &LoginPage {
                    chrome: Chrome::anonymous("Sign in"),
                    next,
                    error: Some(err.to_string()),
                    login: login.to_string(),
                },
            );
            if status == StatusCode::UNAUTHORIZED {
                response.extensions_mut().insert(FailedSignIn);
            }
            response
        }
    }
}

/// The sign-out form.
#[derive(Deserialize)]
pub struct LogoutForm {
    csrf: String,
}

/// `POST /-/logout`.
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    viewer: Viewer,
    Form(form): Form<LogoutForm>,
) -> Result<Response, PageError> {
    viewer.check_csrf(&form.csrf)?;
    if let Some(token) = session_token(&headers) {
        state.cairn.sign_out(&token).await?;
    }
    let mut response = Redirect::to("/-/login").into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("cairn_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"),
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(local_path(Some("/ml/p/runs/x?y=1")), "/ml/p/runs/x?y=1");
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "https://evil.example",
            "evil",
            "/-/login",
            "/a\nb",
        ] {
            assert_eq!(local_path(Some(bad)), "/", "{bad}");
        }
        assert_eq!(local_path(None), "/");
    }

    #[test]
    fn reads_the_session_cookie_among_others() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; cairn_session=tok; b=2"),
        );
        assert_eq!(session_token(&h).as_deref(), Some("tok"));
        assert_eq!(session_token(&HeaderMap::new()), None);
    }

    #[test]
    fn cross_site_posts_are_refused() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        assert!(same_origin(&h));
        h.insert("origin", HeaderValue::from_static("http://127.0.0.1:8080"));
        assert!(same_origin(&h));
        h.insert("origin", HeaderValue::from_static("http://evil.example"));
        assert!(!same_origin(&h));
        h.remove("origin");
        h.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        assert!(!same_origin(&h));
    }
}
