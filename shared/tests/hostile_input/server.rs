//! A CalDAV server that answers every request with one scripted reply, streamed so that a
//! 100 MB body never sits in this process's memory: only what calsync buffers counts.

use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the server answers.
#[derive(Clone)]
pub enum Reply {
    /// A 207 with this body and its Content-Length.
    Multistatus(Vec<u8>),
    /// 404 to REPORT (sabre/dav's answer to a multiget with a missing href, so the adapter
    /// falls back to GET), and this body, as iCalendar, to GET.
    GetOnly(Vec<u8>),
    /// A 207 whose body is `head`, then `unit` repeated until `total` bytes were sent or
    /// the client hung up.
    Endless {
        head: &'static str,
        unit: &'static str,
        total: usize,
        /// Announce the size (Content-Length) or stream it chunked without one.
        announced: bool,
    },
}

/// Starts the server on a free loopback port; returns its base URL.
pub async fn serve(reply: Reply) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/cal/", listener.local_addr().unwrap());
    let reply = Arc::new(reply);
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            tokio::spawn(answer(socket, reply.clone()));
        }
    });
    url
}

async fn answer(mut socket: TcpStream, reply: Arc<Reply>) {
    let Some(method) = read_request(&mut socket).await else {
        return;
    };
    // A write error means calsync hung up (it refused the body): that is the expected end.
    let _ = match reply.as_ref() {
        Reply::Multistatus(body) => {
            send(&mut socket, "207 Multi-Status", "application/xml", body).await
        }
        Reply::GetOnly(body) if method == "GET" => {
            send(&mut socket, "200 OK", "text/calendar", body).await
        }
        Reply::GetOnly(_) => send(&mut socket, "404 Not Found", "text/plain", b"").await,
        Reply::Endless {
            head,
            unit,
            total,
            announced,
        } => stream(&mut socket, head, unit, *total, *announced).await,
    };
}

/// Reads the request head and body; returns the method.
async fn read_request(socket: &mut TcpStream) -> Option<String> {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        let n = socket.read(&mut buf).await.ok()?;
        if n == 0 {
            return None;
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
        let n = socket.read(&mut buf).await.ok()?;
        if n == 0 {
            break;
        }
        data.extend_from_slice(&buf[..n]);
    }
    head.split_whitespace().next().map(str::to_string)
}

async fn send(
    socket: &mut TcpStream,
    status: &str,
    content_type: &str,
    body: &[u8],
) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    socket.write_all(head.as_bytes()).await?;
    socket.write_all(body).await?;
    socket.shutdown().await
}

async fn stream(
    socket: &mut TcpStream,
    head: &str,
    unit: &str,
    total: usize,
    announced: bool,
) -> std::io::Result<()> {
    let framing = if announced {
        format!("Content-Length: {total}")
    } else {
        "Transfer-Encoding: chunked".to_string()
    };
    let start = format!(
        "HTTP/1.1 207 Multi-Status\r\nContent-Type: application/xml\r\n{framing}\r\nConnection: close\r\n\r\n"
    );
    socket.write_all(start.as_bytes()).await?;
    // 64 KiB of the repeated unit per write.
    let block = unit.repeat((64 * 1024 / unit.len()).max(1));
    let mut sent = 0;
    let mut first = head.as_bytes().to_vec();
    while sent < total {
        let piece: &[u8] = if first.is_empty() {
            block.as_bytes()
        } else {
            &first
        };
        let piece = &piece[..piece.len().min(total - sent)];
        if announced {
            socket.write_all(piece).await?;
        } else {
            socket
                .write_all(format!("{:x}\r\n", piece.len()).as_bytes())
                .await?;
            socket.write_all(piece).await?;
            socket.write_all(b"\r\n").await?;
        }
        sent += piece.len();
        first.clear();
    }
    if !announced {
        socket.write_all(b"0\r\n\r\n").await?;
    }
    socket.shutdown().await
}
