//! What every page shares: the frame (title, breadcrumbs, who is signed
//! in), errors shown as pages, and the security headers.
//!
//! Errors follow the server's policy (`error.rs`) in a person's words: a
//! missing or hidden thing is the 404 page (the same page, so a hidden
//! project cannot be told from a missing one), bad input says what was
//! wrong, and anything unexpected is logged with its cause and shown as
//! "something went wrong" — never a stack trace.

use askama::Template;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use cairn_core::CoreError;

use super::session::Viewer;

/// The Content-Security-Policy of every UI response: scripts, styles and
/// data only from this origin, no inline script or style attribute, no
/// framing, forms only to this origin.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; connect-src 'self'; font-src 'self'; form-action 'self'; \
    frame-ancestors 'none'; base-uri 'none'";

/// The frame of a page.
pub struct Chrome {
    /// The `<title>`.
    pub title: String,
    /// The signed-in user's name, if any.
    pub username: Option<String>,
    /// Whether they administer the instance.
    pub admin: bool,
    /// The session's CSRF token, for forms.
    pub csrf: String,
    /// Breadcrumbs: label and link.
    pub crumbs: Vec<(String, String)>,
}

impl Chrome {
    /// The frame for a signed-in viewer.
    pub fn for_viewer(viewer: &Viewer) -> Self {
        Chrome {
            title: "Cairn".into(),
            username: Some(viewer.actor.user().username.clone()),
            admin: viewer.actor.admin().is_some(),
            csrf: viewer.csrf.clone(),
            crumbs: Vec::new(),
        }
    }

    /// The frame of a page nobody is signed in to.
    pub fn anonymous(title: &str) -> Self {
        Chrome {
            title: title.into(),
            username: None,
            admin: false,
            csrf: String::new(),
            crumbs: Vec::new(),
        }
    }

    /// Set the title.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = title.into();
        self
    }

    /// Add a breadcrumb.
    pub fn crumb(mut self, label: impl Into<String>, href: impl Into<String>) -> Self {
        self.crumbs.push((label.into(), href.into()));
        self
    }
}

/// A project the viewer may read, or the 404 page.
pub async fn readable_project(
    state: &crate::state::AppState,
    viewer: &Viewer,
    entity: &str,
    project: &str,
) -> Result<cairn_core::authz::Readable<cairn_core::model::Project>, PageError> {
    state
        .cairn
        .project(&viewer.actor, entity, project)
        .await?
        .ok_or(PageError::NotFound)
}

/// The frame of a page inside a project: breadcrumbs to its entity and to
/// it.
pub fn project_chrome(
    viewer: &Viewer,
    project: &cairn_core::model::Project,
    title: impl Into<String>,
) -> Chrome {
    viewer
        .chrome()
        .title(title)
        .crumb(
            project.entity_name.clone(),
            format!("/{}", project.entity_name),
        )
        .crumb(
            project.name.clone(),
            format!("/{}/{}", project.entity_name, project.name),
        )
}

/// Render a template, or the error page if it fails.
pub fn render(status: StatusCode, page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(err) => {
            tracing::error!(error = %err, "a page failed to render");
            PageError::Core(CoreError::Internal("a page failed to render".into())).into_response()
        }
    }
}

/// Why a page could not be shown.
#[derive(Debug)]
pub enum PageError {
    /// Nothing here (or nothing this viewer may see).
    NotFound,
    /// Refused, with the reason.
    Forbidden(String),
    /// What the domain said.
    Core(CoreError),
}

impl From<CoreError> for PageError {
    fn from(err: CoreError) -> Self {
        PageError::Core(err)
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    chrome: Chrome,
    heading: String,
    message: String,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, heading, message) = match self {
            PageError::NotFound | PageError::Core(CoreError::NotFound(_)) => (
                StatusCode::NOT_FOUND,
                "Not found",
                "There is nothing here, or you may not see it. Check the address, or sign in as someone who may.".to_string(),
            ),
            PageError::Forbidden(why) | PageError::Core(CoreError::PermissionDenied(why)) => {
                (StatusCode::FORBIDDEN, "Not allowed", why)
            }
            PageError::Core(CoreError::InvalidInput(why)) => {
                (StatusCode::BAD_REQUEST, "That did not work", why)
            }
            PageError::Core(CoreError::Conflict(why)) => {
                (StatusCode::CONFLICT, "That did not work", why)
            }
            PageError::Core(CoreError::Unauthenticated(why)) => {
                (StatusCode::UNAUTHORIZED, "Please sign in", why)
            }
            PageError::Core(other) => {
                tracing::error!(error = %other, "a page failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong",
                    "The server could not show this page. It has logged why; try again in a moment.".to_string(),
                )
            }
        };
        let page = ErrorPage {
            chrome: Chrome::anonymous(heading),
            heading: heading.to_string(),
            message,
        };
        match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(_) => (status, heading).into_response(),
        }
    }
}

/// Add the security headers to every UI response.
pub async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}
