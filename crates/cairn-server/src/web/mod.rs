//! The web UI: server-rendered pages, served by `cairn server` itself.
//!
//! Why server-rendered HTML with a little JavaScript, not a single-page app:
//! the README's first command must stay the whole set-up (no Node.js to build
//! or run Cairn), a page is one request that the database answers with the
//! same keyset queries as GraphQL (a runs table of a 100,000-run project is
//! one indexed page read), and there is no second copy of the domain rules
//! in a front-end. Templates are `askama` (compiled into the binary, HTML
//! escaping on by default, so a run named `<script>` is text). Charts are
//! uPlot, vendored unchanged from its npm package (`static/vendor/`, 50 KB
//! minified) and driven by `static/app.js`, which fetches sampled series
//! from [`data`]: the server samples, the browser never receives a full
//! history.
//!
//! Every page goes through the domain layer with the signed-in user's
//! [`cairn_core::Actor`], exactly as a GraphQL resolver does, so what a page
//! shows is what `wandb.Api()` would show that user; a project they may not
//! read is a 404 page, in the same words as a missing one.
//!
//! Routes of the UI's own live under `/-/` (sign-in, assets, the charts'
//! data, admin): no entity name may start with `-`, so they can never hide
//! a user's or team's pages. The W&B-shaped URLs the clients print
//! (`/ENTITY/PROJECT`, `/ENTITY/PROJECT/runs/ID`, …) are the pages
//! themselves.
//!
//! | module      | job |
//! |-------------|-----|
//! | `session`   | the sign-in cookie, the [`session::Viewer`] extractor, CSRF checks, sign in and out |
//! | `page`      | the page frame, errors as pages, security headers (CSP) |
//! | `assets`    | the embedded CSS, JS and vendored files |
//! | `home`      | the home page and an entity's projects |
//! | `project`   | a project's runs table and charts |
//! | `run`       | one run: overview, charts, console, files |
//! | `data`      | JSON for the charts and the console tail |
//! | `artifacts` | a project's artifacts, a collection's versions, a version (metadata, files, lineage) |
//! | `sweeps`    | a project's sweeps; a sweep with its runs best first, parallel coordinates, pause/resume/stop |
//! | `registries`| the organization's registries (their collections are artifact pages) |
//! | `reports`   | a project's reports; a report's blocks as text |
//! | `teams`     | create a team; a team's members (add, remove) on its page |
//! | `admin`     | your API keys (secret shown once), the admin's users |
//! | `links`     | the URLs pages link to (encoded segments), download headers |
//! | `format`    | how values, times and durations are shown |

mod admin;
mod artifacts;
mod assets;
mod data;
mod format;
mod home;
mod links;
mod page;
mod project;
mod registries;
mod reports;
mod run;
mod session;
mod sweeps;
mod teams;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::app_links;
use crate::state::AppState;

pub use page::security_headers;

/// The UI's routes. The project route is shared with JSON answers for
/// clients that send an API key (see `app_links.rs`), so it is wired in
/// `router.rs`.
pub fn routes() -> Router<AppState> {
    let routes = Router::new()
        .route("/", get(home::home))
        .route("/-/login", get(session::login_form).post(session::login))
        .route("/-/logout", post(session::logout))
        .route("/-/static/{file}", get(assets::asset))
        .route("/-/api/history", get(data::history))
        .route("/-/api/console", get(data::console))
        .route("/-/registries", get(registries::list))
        .route("/-/teams", post(teams::create))
        .route("/-/teams/{team}/members", post(teams::add))
        .route("/-/teams/{team}/members/remove", post(teams::remove))
        .route("/-/teams/{team}/members/role", post(teams::set_role))
        .route("/-/keys", get(admin::keys).post(admin::create_key))
        .route("/-/keys/{id}/revoke", post(admin::revoke_key))
        .route("/-/admin", get(admin::admin))
        .route("/-/admin/users", post(admin::create_user))
        .route("/-/admin/users/{username}/active", post(admin::set_active))
        .route(
            "/-/admin/users/{username}/password",
            post(admin::set_password),
        )
        .route("/{entity}", get(home::entity))
        .route("/{entity}/{project}/runs/{run}", get(run::page))
        .route("/{entity}/{project}/reports", get(reports::list))
        .route("/{entity}/{project}/sweeps", get(sweeps::list))
        .route("/{entity}/{project}/sweeps/{sweep}", get(sweeps::page))
        .route(
            "/{entity}/{project}/sweeps/{sweep}/state",
            post(sweeps::set_state),
        )
        .route("/{entity}/{project}/artifacts", get(artifacts::list))
        .route(
            "/{entity}/{project}/artifacts/{kind}/{name}",
            get(artifacts::collection),
        )
        .route(
            "/{entity}/{project}/artifacts/{kind}/{name}/{version}",
            get(artifacts::version),
        )
        .route(
            "/{entity}/{project}/artifacts/{kind}/{name}/{version}/files/{*path}",
            get(artifacts::download),
        )
        .route(
            "/{entity}/{project}/runs/{run}/notes",
            post(run::save_notes),
        )
        .route(
            "/{entity}/{project}/runs/{run}/files/{*name}",
            get(run::download_file),
        );
    routes.layer(axum::middleware::from_fn(security_headers))
}

/// Any other path: the 404 page.
pub async fn not_found() -> Response {
    page::PageError::NotFound.into_response()
}

/// `GET /{entity}/{project}/reports/{slug}`: the report page for a
/// browser, the JSON answer of `app_links.rs` for a client with an API key.
pub async fn report_route(
    State(state): State<AppState>,
    Path(path): Path<(String, String, String)>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    if !session::wants_page(&headers) {
        return app_links::report(State(state), Path(path), headers).await;
    }
    match session::viewer_or_sign_in(&state, &headers, &uri).await {
        Ok(viewer) => reports::page(state, path, viewer).await.into_response(),
        Err(response) => response,
    }
}

/// `GET /{entity}/{project}`: the workspace page for a browser, the JSON
/// answer of `app_links.rs` for a client with an API key.
pub async fn project_route(
    State(state): State<AppState>,
    Path(path): Path<(String, String)>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    if !session::wants_page(&headers) {
        return match Query::try_from_uri(&uri) {
            Ok(query) => app_links::project(State(state), Path(path), query, headers).await,
            Err(rejection) => rejection.into_response(),
        };
    }
    let viewer = match session::viewer_or_sign_in(&state, &headers, &uri).await {
        Ok(viewer) => viewer,
        Err(response) => return response,
    };
    let pairs = Query::try_from_uri(&uri).unwrap_or(Query(Vec::new()));
    project::page(State(state), Path(path), pairs, viewer)
        .await
        .into_response()
}
