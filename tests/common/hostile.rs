//! A hostile HTTP server on loopback: it answers each request with whatever
//! bytes a test scripted (any status line, headers and body, valid or not),
//! an endless body, or nothing at all. Written on raw TCP so that nothing
//! between it and the client tidies an answer up.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the server does with one request.
#[derive(Clone, Debug)]
pub enum Reply {
    /// Writes these bytes (the whole answer, status line included) and closes.
    Raw(Vec<u8>),
    /// Writes this head, then body bytes until the client goes away.
    Endless { head: Vec<u8> },
    /// Writes this head, then chunks of a chunked body until the client goes away.
    EndlessChunked { head: Vec<u8> },
    /// Reads the request and never answers.
    Silent,
    /// Writes this head (announcing a body), then nothing more until the client goes away.
    Stall { head: Vec<u8> },
}

#[derive(Default)]
struct Script {
    /// Answers to API calls, in order; the last is repeated.
    api: VecDeque<Reply>,
    /// The answer to token requests.
    token: Option<Reply>,
}

/// The server; stops when dropped.
pub struct Hostile {
    addr: SocketAddr,
    script: Arc<Mutex<Script>>,
    api_requests: Arc<AtomicUsize>,
    counts: Arc<Counts>,
    task: tokio::task::JoinHandle<()>,
}

/// Requests received, by kind.
#[derive(Default)]
struct Counts {
    token: AtomicUsize,
    all: AtomicUsize,
}

impl Drop for Hostile {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A well-formed answer: `status`, `headers`, a correct `content-length`, `body`.
pub fn http(status: u16, headers: &[(&str, &[u8])], body: &[u8]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status} Hostile\r\n").into_bytes();
    for (name, value) in headers {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("content-length: {}\r\n", body.len()).as_bytes());
    out.extend_from_slice(b"connection: close\r\n\r\n");
    out.extend_from_slice(body);
    out
}

/// A JSON answer with status 200.
pub fn json(body: &str) -> Reply {
    Reply::Raw(http(
        200,
        &[("content-type", b"application/json; charset=utf-8")],
        body.as_bytes(),
    ))
}

/// A valid token response.
pub fn token_ok() -> Reply {
    json(r#"{"code":0,"msg":"ok","tenant_access_token":"t-hostile","expire":7200}"#)
}

impl Hostile {
    /// Binds a free loopback port; token requests get a valid token until
    /// [`set_token`](Self::set_token) says otherwise.
    pub async fn start() -> Hostile {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let script = Arc::new(Mutex::new(Script {
            api: VecDeque::new(),
            token: Some(token_ok()),
        }));
        let api_requests = Arc::new(AtomicUsize::new(0));
        let counts = Arc::new(Counts::default());
        let (s, count, c) = (script.clone(), api_requests.clone(), counts.clone());
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let (s, count, c) = (s.clone(), count.clone(), c.clone());
                tokio::spawn(async move {
                    let _ = serve(stream, &s, &count, &c).await;
                });
            }
        });
        Hostile {
            addr,
            script,
            api_requests,
            counts,
            task,
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Scripts the answers to API calls: in order, the last one repeated.
    pub fn set_api(&self, replies: impl IntoIterator<Item = Reply>) {
        self.script.lock().unwrap().api = replies.into_iter().collect();
    }

    /// Scripts the answer to token requests.
    pub fn set_token(&self, reply: Reply) {
        self.script.lock().unwrap().token = Some(reply);
    }

    /// API requests received so far.
    pub fn api_requests(&self) -> usize {
        self.api_requests.load(Ordering::SeqCst)
    }

    /// Token requests received so far.
    pub fn token_requests(&self) -> usize {
        self.counts.token.load(Ordering::SeqCst)
    }

    /// Requests of any kind received so far (a connection that sent a whole head counts).
    pub fn requests(&self) -> usize {
        self.counts.all.load(Ordering::SeqCst)
    }
}

async fn serve(
    mut stream: TcpStream,
    script: &Mutex<Script>,
    api_requests: &AtomicUsize,
    counts: &Counts,
) -> std::io::Result<()> {
    // Read the head, then as many body bytes as it announces.
    let mut request = Vec::new();
    let mut buf = [0u8; 8192];
    let head_end = loop {
        if let Some(end) = request.windows(4).position(|w| w == b"\r\n\r\n") {
            break end + 4;
        }
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        request.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&request[..head_end]).to_ascii_lowercase();
    counts.all.fetch_add(1, Ordering::SeqCst);
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while request.len() < head_end + length {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        request.extend_from_slice(&buf[..n]);
    }
    let reply = {
        let mut script = script.lock().unwrap();
        if head.contains("/open-apis/auth/") {
            counts.token.fetch_add(1, Ordering::SeqCst);
            script.token.clone().unwrap_or(Reply::Silent)
        } else {
            api_requests.fetch_add(1, Ordering::SeqCst);
            if script.api.len() > 1 {
                script.api.pop_front().unwrap()
            } else {
                script.api.front().cloned().unwrap_or(Reply::Silent)
            }
        }
    };
    match reply {
        Reply::Raw(bytes) => {
            stream.write_all(&bytes).await?;
            stream.shutdown().await?;
        }
        Reply::Endless { head } => {
            stream.write_all(&head).await?;
            let chunk = vec![b'x'; 64 * 1024];
            loop {
                stream.write_all(&chunk).await?;
            }
        }
        Reply::EndlessChunked { head } => {
            stream.write_all(&head).await?;
            let mut chunk = b"10000\r\n".to_vec();
            chunk.extend_from_slice(&[b'x'; 0x10000]);
            chunk.extend_from_slice(b"\r\n");
            loop {
                stream.write_all(&chunk).await?;
            }
        }
        Reply::Stall { head } => {
            stream.write_all(&head).await?;
            while stream.read(&mut buf).await? > 0 {}
        }
        Reply::Silent => {
            // Hold the connection until the client gives up on it.
            while stream.read(&mut buf).await? > 0 {}
        }
    }
    Ok(())
}
