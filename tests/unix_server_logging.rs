//! Bad input on a Unix stream connection leaves a `tracing` line (its own test binary:
//! it installs a global subscriber that captures the log).
#![allow(clippy::unwrap_used)]

mod unix_common;

use easynet::handler::{
    HandlerClient, HandlerError, HandlerResult, PacketReceiver, RecvError, RequestHandler,
};
use easynet::unix::server::{StreamClient, UnixStreamServer};
use easynet_suite::WAIT;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::sync::{Arc, Mutex};
use unix_common::Lines;

/// Answers every request, or `parse error` for a frame that failed to parse.
struct Answer;

impl RequestHandler for Answer {
    type Client = StreamClient<Lines>;

    async fn handle(
        &self,
        client: &mut StreamClient<Lines>,
        requests: &mut <StreamClient<Lines> as HandlerClient>::Receiver,
    ) -> HandlerResult {
        let answer = match requests.recv().await {
            Ok(line) => line,
            Err(RecvError::Parse(_)) => "parse error".to_owned(),
            Err(e) => return Err(HandlerError::new(e)),
        };
        client.send_packet(&answer).await.map_err(HandlerError::new)
    }
}

/// A `MakeWriter` appending every log line to a shared buffer.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Capture {
    type Writer = Capture;

    fn make_writer(&'a self) -> Capture {
        self.clone()
    }
}

#[test]
fn invalid_and_over_long_frames_are_logged_and_the_connection_goes_on() {
    let log = Capture::default();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("easynet=debug"))
        .with_writer(log.clone())
        .with_ansi(false)
        .init();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.sock");
    let server = UnixStreamServer::spawn_background(&path, Lines::with_limit(8), Answer).unwrap();
    let mut raw = UnixStream::connect(&path).unwrap();
    let reader = raw.try_clone().unwrap();
    reader.set_read_timeout(Some(WAIT)).unwrap();
    let mut reader = BufReader::new(reader);
    raw.write_all(b"\xff\nfar too long a line\nok\n").unwrap();
    for expected in ["parse error\n", "parse error\n", "ok\n"] {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        assert_eq!(line, expected);
    }
    drop((raw, reader));
    server.shutdown().unwrap();
    let text = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    let logged: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("invalid frame received"))
        .collect();
    assert_eq!(logged.len(), 2, "one line per bad frame in:\n{text}");
    assert!(logged[0].contains("InvalidData"), "{text}");
    assert!(logged[1].contains("LimitExceeded"), "{text}");
}
