//! docs/openapi.yaml documents exactly the routes the router serves: a route added to one
//! and not the other fails here.

use crate::cloud::api::routes::ROUTES;
use std::collections::BTreeSet;

const DOCUMENT: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/openapi.yaml"));

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// `METHOD /path` of every operation under `paths:`, read from the document's layout (paths
/// indented by two spaces, methods by four), which is what keeps this free of a YAML parser.
fn documented_operations(document: &str) -> BTreeSet<String> {
    let mut operations = BTreeSet::new();
    let mut in_paths = false;
    let mut path: Option<&str> = None;
    for line in document.lines() {
        if !line.starts_with(' ') && !line.trim().is_empty() && !line.starts_with('#') {
            in_paths = line.trim_end() == "paths:";
            continue;
        }
        if !in_paths {
            continue;
        }
        if let Some(key) = line.strip_prefix("  ").filter(|l| l.starts_with('/')) {
            path = key.trim_end().strip_suffix(':');
        } else if let Some(key) = line.strip_prefix("    ").and_then(|l| l.strip_suffix(':'))
            && let (Some(path), true) = (path, METHODS.contains(&key))
        {
            operations.insert(format!("{} {path}", key.to_uppercase()));
        }
    }
    operations
}

#[test]
fn the_openapi_document_lists_exactly_the_served_routes() {
    let documented = documented_operations(DOCUMENT);
    let served: BTreeSet<String> = ROUTES.iter().map(|r| r.label.to_string()).collect();
    let undocumented: Vec<_> = served.difference(&documented).collect();
    let unserved: Vec<_> = documented.difference(&served).collect();
    assert!(
        undocumented.is_empty() && unserved.is_empty(),
        "served but not in docs/openapi.yaml: {undocumented:?}; documented but not served: {unserved:?}"
    );
}

#[test]
fn the_document_declares_openapi_3_1_and_the_bearer_key_scheme() {
    assert!(
        DOCUMENT.starts_with("openapi: 3.1"),
        "the first line names the version"
    );
    assert!(DOCUMENT.contains("scheme: bearer"));
    // Only the callbacks opt out of the key.
    assert_eq!(DOCUMENT.matches("security: []").count(), 2);
}

#[test]
fn the_layout_reader_sees_what_it_should() {
    let sample = "openapi: 3.1.0\npaths:\n  /a/{id}:\n    parameters: []\n    get:\n      x: 1\n    patch:\n  /b:\n    post:\ncomponents:\n  schemas:\n    get:\n";
    let found: Vec<String> = documented_operations(sample).into_iter().collect();
    assert_eq!(found, ["GET /a/{id}", "PATCH /a/{id}", "POST /b"]);
}
