//! The API's routes: one table, which the router matches against and the OpenAPI test
//! compares with `docs/openapi.yaml`, so the two cannot drift apart.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    AddCaldavAccount,
    StartGoogleAccount,
    StartMicrosoftAccount,
    ListAccounts,
    DeleteAccount,
    ListCalendars,
    ListLinks,
    CreateLink,
    GetLink,
    UpdateLink,
    DeleteLink,
    LinkStatus,
    SyncLink,
    Status,
    GoogleCallback,
    MicrosoftCallback,
}

impl Route {
    /// The OAuth callbacks are reached by the user's browser, sent by Google or Microsoft:
    /// they carry no API key, their one-time `state` says whose they are.
    pub fn needs_api_key(self) -> bool {
        !matches!(self, Self::GoogleCallback | Self::MicrosoftCallback)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteSpec {
    pub method: &'static str,
    /// With `{name}` placeholders for one path segment each, as in OpenAPI.
    pub path: &'static str,
    /// `METHOD path`: the metric dimension.
    pub label: &'static str,
    pub route: Route,
}

macro_rules! routes {
    ($($method:literal $path:literal => $route:ident,)*) => {
        pub const ROUTES: &[RouteSpec] = &[$(RouteSpec {
            method: $method,
            path: $path,
            label: concat!($method, " ", $path),
            route: Route::$route,
        },)*];
    };
}

routes! {
    "POST" "/api/accounts/caldav" => AddCaldavAccount,
    "POST" "/api/accounts/google" => StartGoogleAccount,
    "POST" "/api/accounts/microsoft" => StartMicrosoftAccount,
    "GET" "/api/accounts" => ListAccounts,
    "DELETE" "/api/accounts/{id}" => DeleteAccount,
    "GET" "/api/calendars" => ListCalendars,
    "GET" "/api/links" => ListLinks,
    "POST" "/api/links" => CreateLink,
    "GET" "/api/links/{id}" => GetLink,
    "PATCH" "/api/links/{id}" => UpdateLink,
    "DELETE" "/api/links/{id}" => DeleteLink,
    "GET" "/api/links/{id}/status" => LinkStatus,
    "POST" "/api/links/{id}/sync" => SyncLink,
    "GET" "/api/status" => Status,
    "GET" "/oauth/google/callback" => GoogleCallback,
    "GET" "/oauth/microsoft/callback" => MicrosoftCallback,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Matched {
    Found {
        spec: &'static RouteSpec,
        /// The values of the path's placeholders, in order (percent-decoded).
        params: Vec<String>,
    },
    /// The path exists with other methods.
    MethodNotAllowed {
        allowed: Vec<&'static str>,
    },
    NotFound,
}

/// The path from `/api/` or `/oauth/` on: API Gateway puts a named stage in front, a custom
/// domain may put a base path.
fn routed_part(path: &str) -> Option<&str> {
    let start = ["/api/", "/oauth/"]
        .iter()
        .filter_map(|prefix| path.find(prefix))
        .min()?;
    Some(path[start..].trim_end_matches('/'))
}

fn matches_template(template: &str, path: &str) -> Option<Vec<String>> {
    let (mut wanted, mut given) = (template.split('/'), path.split('/'));
    let mut params = Vec::new();
    loop {
        match (wanted.next(), given.next()) {
            (None, None) => return Some(params),
            (Some(w), Some(g)) if w.starts_with('{') && !g.is_empty() => {
                let decoded = percent_encoding::percent_decode_str(g)
                    .decode_utf8()
                    .ok()?
                    .into_owned();
                params.push(decoded);
            }
            (Some(w), Some(g)) if w == g => {}
            _ => return None,
        }
    }
}

pub fn match_route(method: &str, path: &str) -> Matched {
    let Some(path) = routed_part(path) else {
        return Matched::NotFound;
    };
    let mut allowed = Vec::new();
    for spec in ROUTES {
        if let Some(params) = matches_template(spec.path, path) {
            if spec.method.eq_ignore_ascii_case(method) {
                return Matched::Found { spec, params };
            }
            allowed.push(spec.method);
        }
    }
    if allowed.is_empty() {
        Matched::NotFound
    } else {
        Matched::MethodNotAllowed { allowed }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(method: &str, path: &str) -> (Route, Vec<String>) {
        match match_route(method, path) {
            Matched::Found { spec, params } => (spec.route, params),
            other => panic!("{method} {path}: {other:?}"),
        }
    }

    #[test]
    fn routes_take_their_ids_from_the_path() {
        assert_eq!(found("GET", "/api/links"), (Route::ListLinks, vec![]));
        assert_eq!(
            found("GET", "/api/links/l123/status"),
            (Route::LinkStatus, vec!["l123".to_string()])
        );
        assert_eq!(
            found("patch", "/api/links/l1"),
            (Route::UpdateLink, vec!["l1".to_string()])
        );
        assert_eq!(
            found("DELETE", "/api/accounts/a%2Fb"),
            (Route::DeleteAccount, vec!["a/b".to_string()])
        );
    }

    #[test]
    fn a_stage_prefix_and_a_trailing_slash_do_not_matter() {
        assert_eq!(found("GET", "/prod/api/status/").0, Route::Status);
        assert_eq!(
            found("GET", "/prod/oauth/google/callback").0,
            Route::GoogleCallback
        );
    }

    #[test]
    fn unknown_paths_and_wrong_methods_are_told_apart() {
        assert_eq!(match_route("GET", "/api/nothing"), Matched::NotFound);
        assert_eq!(
            match_route("GET", "/api/links/"),
            match_route("GET", "/api/links")
        );
        assert_eq!(match_route("GET", "/api/links//status"), Matched::NotFound);
        assert_eq!(match_route("GET", "/webhooks/google"), Matched::NotFound);
        assert_eq!(
            match_route("PUT", "/api/links/l1"),
            Matched::MethodNotAllowed {
                allowed: vec!["GET", "PATCH", "DELETE"]
            }
        );
    }

    #[test]
    fn only_the_oauth_callbacks_go_without_an_api_key() {
        let open: Vec<&str> = ROUTES
            .iter()
            .filter(|spec| !spec.route.needs_api_key())
            .map(|spec| spec.path)
            .collect();
        assert_eq!(
            open,
            ["/oauth/google/callback", "/oauth/microsoft/callback"]
        );
    }
}
