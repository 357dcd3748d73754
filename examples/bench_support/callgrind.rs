//! Deterministic cost of a server: instructions per request, counted by
//! `valgrind --tool=callgrind` in a server process of its own, driven by this process.
//!
//! Wall-clock throughput on a shared machine swings by ±20 %; an instruction count does
//! not depend on what else runs. The server runs in a child process
//! (`valgrind --tool=callgrind <this example> --server-only …`) that prints one ready
//! line (its address) on stdout and stops when its stdin closes. Each server is run
//! twice, serving `requests / 4` then `requests` requests; the difference of the two
//! totals divided by the difference of the request counts is the cost of one request,
//! free of start-up and shutdown costs.
//!
//! Shared by the bench examples through `#[path]`; not an example itself.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};

/// A server process running under callgrind.
pub(crate) struct Server {
    child: Child,
    stdin: Option<ChildStdin>,
    out_file: PathBuf,
    /// The server's ready line (e.g. its address).
    pub(crate) ready: String,
}

impl Server {
    /// Starts `valgrind --tool=callgrind <this executable> <args>` and waits for its
    /// ready line.
    pub(crate) fn start(args: &[String]) -> Server {
        let exe = std::env::current_exe().expect("current executable");
        let out_file = std::env::temp_dir().join(format!(
            "easynet-bench-{}-{}.callgrind",
            std::process::id(),
            args.join("_").replace(['/', ' '], "_")
        ));
        let mut child = Command::new("valgrind")
            .arg("--tool=callgrind")
            .arg(format!("--callgrind-out-file={}", out_file.display()))
            .arg(&exe)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("valgrind (apt-get install valgrind)");
        let stdout = child.stdout.take().expect("child stdout");
        let mut ready = String::new();
        BufReader::new(stdout)
            .read_line(&mut ready)
            .expect("server ready line");
        assert!(!ready.is_empty(), "the server exited before it was ready");
        Server {
            stdin: child.stdin.take(),
            child,
            out_file,
            ready: ready.trim().to_owned(),
        }
    }

    /// Closes the server's stdin (it stops), waits for it, returns the instructions
    /// it executed in all.
    pub(crate) fn finish(mut self) -> u64 {
        if let Some(mut stdin) = self.stdin.take() {
            let _ = stdin.flush();
        }
        let status = self.child.wait().expect("wait for the server");
        assert!(status.success(), "the server failed: {status}");
        let text = std::fs::read_to_string(&self.out_file).expect("callgrind output");
        let _ = std::fs::remove_file(&self.out_file);
        text.lines()
            .find_map(|l| {
                l.strip_prefix("summary: ")
                    .or_else(|| l.strip_prefix("totals: "))
            })
            .and_then(|n| n.split_whitespace().next()?.parse().ok())
            .expect("callgrind total")
    }
}

/// Instructions per request of one server: `run(n)` starts it under callgrind, drives
/// `n` requests, and returns the total it counted (see [`Server::finish`]).
pub(crate) fn per_request(requests: u64, mut run: impl FnMut(u64) -> u64) -> f64 {
    // A multiple of 4 (the UDP driver splits requests over 4 clients).
    let small = (requests / 16 * 4).max(4);
    let few = run(small);
    let many = run(requests);
    many.saturating_sub(few) as f64 / (requests - small) as f64
}

/// In a `--server-only` process: blocks until stdin closes (the driver's signal to
/// stop).
pub(crate) fn wait_for_stdin_eof() {
    let mut sink = Vec::new();
    let _ = std::io::Read::read_to_end(&mut std::io::stdin(), &mut sink);
}

/// Whether valgrind can be run.
pub(crate) fn available() -> bool {
    Command::new("valgrind")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}
