//! A real `redis-server` for tests and benchmarks: started from PATH on a free
//! loopback port with persistence off, stopped when dropped.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Set to `1` (as `.ci/run` does) to make a missing `redis-server` a failure.
pub const REQUIRE: &str = "FEISHU_PERF_REQUIRE_REDIS";

/// A running `redis-server`.
pub struct RedisServer {
    pub port: u16,
    child: Child,
}

/// Why the Redis tests cannot run here, or `None` when they can.
pub fn unavailable() -> Option<String> {
    match Command::new("redis-server")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
    {
        Ok(status) if status.success() => None,
        Ok(status) => Some(format!("`redis-server --version` failed ({status})")),
        Err(e) => Some(format!("no `redis-server` on PATH ({e})")),
    }
}

impl RedisServer {
    /// Starts a server on a free loopback port.
    pub fn start() -> RedisServer {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        RedisServer::start_on(port)
    }

    /// Starts a server on `port` (again, after [`stop`](RedisServer::stop)).
    pub fn start_on(port: u16) -> RedisServer {
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server starts");
        let server = RedisServer { port, child };
        let deadline = Instant::now() + Duration::from_secs(30);
        while server.command(&["PING"]).as_deref() != Some("+PONG") {
            assert!(
                Instant::now() < deadline,
                "redis-server did not answer on port {port}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        server
    }

    /// `redis://127.0.0.1:PORT/`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// Runs one command; its raw first reply line (`+OK`, `:1`, `$-1`, ...).
    pub fn command(&self, args: &[&str]) -> Option<String> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).ok()?;
        stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
        let mut request = format!("*{}\r\n", args.len());
        for arg in args {
            request.push_str(&format!("${}\r\n{arg}\r\n", arg.len()));
        }
        stream.write_all(request.as_bytes()).ok()?;
        let mut reply = Vec::new();
        let mut byte = [0u8; 1];
        while !reply.ends_with(b"\r\n") {
            if stream.read(&mut byte).ok()? == 0 {
                return None;
            }
            reply.push(byte[0]);
        }
        Some(String::from_utf8_lossy(&reply[..reply.len() - 2]).into_owned())
    }

    /// Kills the server (as a crash would).
    pub fn stop(mut self) -> u16 {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.port
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
