//! The HTTP client against a scripted HTTP/1.1 server on a local port: redirects, auth,
//! limits and timeouts over real sockets.

use super::http::{CaldavOptions, DavClient, UrlPolicy};
use super::http_message::{Condition, HttpRequest};
use crate::ports::ProviderError;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use url::Url;
use zeroize::Zeroizing;

#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    head: String,
    body: String,
}

type Script = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// Serves each connection with `script(path)`; `None` never answers (for timeouts).
async fn serve(script: Script) -> (Url, Arc<Mutex<Vec<Seen>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let script = script.clone();
            let log = log.clone();
            tokio::spawn(async move {
                let mut data = Vec::new();
                let mut buf = [0u8; 4096];
                let head_end = loop {
                    let n = socket.read(&mut buf).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    data.extend_from_slice(&buf[..n]);
                    if let Some(i) = data.windows(4).position(|w| w == b"\r\n\r\n") {
                        break i + 4;
                    }
                };
                let head = String::from_utf8_lossy(&data[..head_end]).to_string();
                let length: usize = head
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().parse().unwrap())
                    })
                    .unwrap_or(0);
                while data.len() < head_end + length {
                    let n = socket.read(&mut buf).await.unwrap_or(0);
                    if n == 0 {
                        break;
                    }
                    data.extend_from_slice(&buf[..n]);
                }
                let mut words = head.split_whitespace();
                let method = words.next().unwrap_or_default().to_string();
                let path = words.next().unwrap_or_default().to_string();
                log.lock().unwrap().push(Seen {
                    method,
                    path: path.clone(),
                    head: head.clone(),
                    body: String::from_utf8_lossy(&data[head_end..]).to_string(),
                });
                match script(&path) {
                    Some(response) => {
                        let _ = socket.write_all(response.as_bytes()).await;
                        let _ = socket.shutdown().await;
                    }
                    None => tokio::time::sleep(Duration::from_secs(30)).await,
                }
            });
        }
    });
    (url, seen)
}

fn response(status: &str, headers: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n{headers}\r\n{body}",
        body.len()
    )
}

fn client(options: CaldavOptions) -> DavClient {
    DavClient::new("alice", Zeroizing::new("s3cret-pw".into()), options).unwrap()
}

const MULTISTATUS: &str = r#"<multistatus xmlns="DAV:"/>"#;

#[tokio::test]
async fn a_redirected_propfind_stays_a_propfind_with_its_body_depth_and_credentials() {
    let (base, seen) = serve(Arc::new(|path: &str| {
        Some(match path {
            "/.well-known/caldav" => response("301 Moved Permanently", "Location: /step\r\n", ""),
            "/step" => response("307 Temporary Redirect", "Location: /dav/\r\n", ""),
            _ => response("207 Multi-Status", "", MULTISTATUS),
        })
    }))
    .await;
    let reply = client(CaldavOptions::default())
        .send(HttpRequest::propfind(
            base.join(".well-known/caldav").unwrap(),
            "0",
            "<propfind/>".into(),
        ))
        .await
        .unwrap();
    assert_eq!(reply.status.as_u16(), 207);
    assert_eq!(reply.url.path(), "/dav/");
    let seen = seen.lock().unwrap().clone();
    let paths: Vec<&str> = seen.iter().map(|s| s.path.as_str()).collect();
    assert_eq!(paths, ["/.well-known/caldav", "/step", "/dav/"]);
    for request in &seen {
        assert_eq!(request.method, "PROPFIND");
        assert_eq!(request.body, "<propfind/>");
        let head = request.head.to_ascii_lowercase();
        assert!(head.contains("depth: 0"));
        // Basic alice:s3cret-pw, sent without waiting for a 401.
        assert!(head.contains("authorization: basic ywxpy2u6cznjcmv0lxb3"));
        assert!(head.contains("user-agent: calsync/"));
        assert!(head.contains("content-type: application/xml"));
    }
}

#[tokio::test]
async fn redirect_loops_stop_after_five_hops() {
    let (base, seen) = serve(Arc::new(|_: &str| {
        Some(response("302 Found", "Location: /again\r\n", ""))
    }))
    .await;
    let error = client(CaldavOptions::default())
        .send(HttpRequest::get(base.clone()))
        .await
        .unwrap_err();
    assert!(matches!(error, ProviderError::Permanent(ref m) if m.contains("redirects")));
    assert_eq!(seen.lock().unwrap().len(), 6);
}

#[derive(Debug)]
struct OnlyPath(&'static str);

impl UrlPolicy for OnlyPath {
    fn approve(&self, url: &Url) -> Result<(), String> {
        if url.path().starts_with(self.0) {
            Ok(())
        } else {
            Err("not allowed".into())
        }
    }
}

#[tokio::test]
async fn the_url_policy_sees_redirect_targets_too() {
    let (base, seen) = serve(Arc::new(|_: &str| {
        Some(response("302 Found", "Location: /internal/\r\n", ""))
    }))
    .await;
    let options = CaldavOptions {
        url_policy: Arc::new(OnlyPath("/public")),
        ..CaldavOptions::default()
    };
    let error = client(options)
        .send(HttpRequest::get(base.join("public/").unwrap()))
        .await
        .unwrap_err();
    assert!(matches!(error, ProviderError::Permanent(ref m) if m.contains("URL policy")));
    assert_eq!(seen.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn oversized_bodies_are_refused_whether_announced_or_not() {
    let big = "x".repeat(2048);
    let announced = response("200 OK", "", &big);
    let chunked = format!(
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n800\r\n{big}\r\n0\r\n\r\n"
    );
    let (base, _) = serve(Arc::new(move |path: &str| {
        Some(if path == "/announced" {
            announced.clone()
        } else {
            chunked.clone()
        })
    }))
    .await;
    let options = CaldavOptions {
        max_response_bytes: 1024,
        ..CaldavOptions::default()
    };
    let dav = client(options);
    for path in ["announced", "chunked"] {
        let error = dav
            .send(HttpRequest::get(base.join(path).unwrap()))
            .await
            .unwrap_err();
        assert!(
            matches!(error, ProviderError::Permanent(ref m) if m.contains("larger than 1024")),
            "{path}: {error:?}"
        );
    }
}

#[tokio::test]
async fn refused_credentials_are_an_auth_error_without_the_password() {
    let (base, _) = serve(Arc::new(|_: &str| {
        Some(response(
            "401 Unauthorized",
            "WWW-Authenticate: Basic realm=\"x\"\r\n",
            "",
        ))
    }))
    .await;
    let reply = client(CaldavOptions::default())
        .send(HttpRequest::get(base.clone()))
        .await
        .unwrap();
    let error = reply.error();
    assert!(matches!(error, ProviderError::Auth(_)));
    assert!(!error.to_string().contains("s3cret"));
}

#[tokio::test]
async fn a_server_that_never_answers_is_a_transient_timeout() {
    let (base, _) = serve(Arc::new(|_: &str| None)).await;
    let options = CaldavOptions {
        request_timeout: Duration::from_millis(200),
        ..CaldavOptions::default()
    };
    let error = client(options)
        .send(HttpRequest::get(base.clone()))
        .await
        .unwrap_err();
    assert!(
        matches!(error, ProviderError::Transient(ref m) if m.contains("timed out")),
        "{error:?}"
    );
    assert!(error.is_retryable());
}

#[tokio::test]
async fn an_unreachable_server_is_transient() {
    // Bind and drop to find a port nothing listens on.
    let port = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let error = client(CaldavOptions::default())
        .send(HttpRequest::get(
            Url::parse(&format!("http://127.0.0.1:{port}/")).unwrap(),
        ))
        .await
        .unwrap_err();
    assert!(matches!(error, ProviderError::Transient(_)), "{error:?}");
}

#[tokio::test]
async fn put_etag_and_retry_after_headers_are_read() {
    let (base, _) = serve(Arc::new(|path: &str| {
        Some(if path == "/busy" {
            response("503 Service Unavailable", "Retry-After: 17\r\n", "")
        } else {
            response("201 Created", "ETag: W/\"v1\"\r\n", "")
        })
    }))
    .await;
    let dav = client(CaldavOptions::default());
    let created = dav
        .send(HttpRequest::put_calendar(
            base.join("a.ics").unwrap(),
            "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n".into(),
            Condition::IfNoneMatchAny,
        ))
        .await
        .unwrap();
    assert_eq!(created.etag.as_deref(), Some("\"v1\""));
    let busy = dav
        .send(HttpRequest::get(base.join("busy").unwrap()))
        .await
        .unwrap();
    assert!(matches!(
        busy.error(),
        ProviderError::RateLimited { retry_after: Some(d) } if d == Duration::from_secs(17)
    ));
}
