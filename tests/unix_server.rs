//! The Unix stream server over real sockets in a temp dir: framing, conversation hooks,
//! ends, fd passing, credentials, socket file life cycle, limits, shutdown.
#![allow(clippy::unwrap_used)]

mod unix_common;

use easynet::handler::{
    HandlerClient, HandlerError, HandlerResult, PacketReceiver, RecvError, RequestHandler,
    ServiceContext,
};
use easynet::unix::server::{ServerError, StreamClient, UnixServerConfig, UnixStreamServer};
use easynet::unix::{
    SocketAncillary, UnixClientConfig, UnixClientError, UnixSocketAddress, UnixStreamClient,
};
use easynet_suite::WAIT;
use std::io::{Read, Write};
use std::os::fd::AsFd;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::mpsc;
use std::time::Duration;
use unix_common::{Lines, assert_peer_copies_closed};

type Requests = <StreamClient<Lines> as HandlerClient>::Receiver;

/// What the test handler reports to the test.
#[derive(Debug, PartialEq)]
enum Event {
    Connected,
    Disconnected,
    ServerClosing,
    BackgroundStopped,
}

/// A line handler driven by commands: echoes other lines.
#[derive(Default)]
struct Scripted {
    greeting: bool,
    handshake: bool,
    background: bool,
    events: Option<Mutex<mpsc::Sender<Event>>>,
    file: Option<std::fs::File>,
    /// Only this user may talk to the server (checked in `on_connection`).
    allowed_uid: Option<u32>,
    fail_init: bool,
}

impl Scripted {
    fn with_events() -> (Self, mpsc::Receiver<Event>) {
        let (tx, rx) = mpsc::channel();
        (
            Self {
                events: Some(Mutex::new(tx)),
                ..Self::default()
            },
            rx,
        )
    }

    fn event(&self, event: Event) {
        if let Some(tx) = &self.events {
            let _ = tx.lock().unwrap().send(event);
        }
    }
}

async fn send(client: &mut StreamClient<Lines>, line: &str) -> HandlerResult {
    client.send_packet(line).await.map_err(HandlerError::new)
}

impl RequestHandler for Scripted {
    type Client = StreamClient<Lines>;

    async fn service_init(&self, service: &mut ServiceContext) -> HandlerResult {
        if self.fail_init {
            return Err(HandlerError::new("no database"));
        }
        if self.background {
            let token = service.shutdown_token();
            let tx = self.events.as_ref().map(|m| m.lock().unwrap().clone());
            service.spawn(async move {
                token.cancelled().await;
                if let Some(tx) = tx {
                    let _ = tx.send(Event::BackgroundStopped);
                }
            });
        }
        Ok(())
    }

    async fn on_connection(
        &self,
        client: &mut StreamClient<Lines>,
        requests: &mut Requests,
    ) -> HandlerResult {
        self.event(Event::Connected);
        if let Some(allowed) = self.allowed_uid {
            // Before any recv!(): the credentials come from the accepted socket itself.
            let caller = client.peer_credentials().expect("credentials");
            if caller.uid != allowed {
                send(client, &format!("uid {} refused", caller.uid)).await?;
                client.close();
                return Ok(());
            }
        }
        if self.greeting {
            send(client, "welcome").await?;
        }
        if self.handshake {
            match requests.recv().await {
                Ok(line) if line == "hello" => send(client, "ready").await?,
                Ok(_) | Err(RecvError::Parse(_)) => {
                    send(client, "bad handshake").await?;
                    client.close();
                }
                Err(e) => return Err(HandlerError::new(e)),
            }
        }
        Ok(())
    }

    async fn handle(
        &self,
        client: &mut StreamClient<Lines>,
        requests: &mut Requests,
    ) -> HandlerResult {
        let line = match requests.recv().await {
            Ok(line) => line,
            Err(RecvError::Parse(e)) => {
                let kind = if e.is_limit_exceeded() {
                    "too long"
                } else {
                    "invalid"
                };
                return send(client, &format!("error: {kind}")).await;
            }
            Err(RecvError::ServerClosing) => {
                self.event(Event::ServerClosing);
                return Ok(());
            }
            Err(e) => return Err(HandlerError::new(e)),
        };
        match line.as_str() {
            "close" => {
                send(client, "closing").await?;
                client.close();
            }
            "panic" => panic!("asked to panic"),
            "fail" => return Err(HandlerError::new("asked to fail")),
            "count fds" => {
                let fds = client.take_received_fds();
                send(client, &format!("got {}", fds.len())).await?;
            }
            "ignore fds" => send(client, "ignored").await?,
            "hang" => {
                // Ignores the shutdown: only the grace period's abort ends it.
                send(client, "hanging").await?;
                std::future::pending::<()>().await;
            }
            "take ancillary" => {
                let ancillary = client.take_received_ancillary();
                let answer = format!(
                    "fds {} truncated {}",
                    ancillary.fds.len(),
                    ancillary.truncated
                );
                send(client, &answer).await?;
            }
            "file" => {
                let file = self.file.as_ref().expect("a file to hand out");
                client
                    .send_packet_with_fds("file", &[file.as_fd()])
                    .await
                    .map_err(HandlerError::new)?;
            }
            "creds received" => {
                let ancillary = client.take_received_ancillary();
                let me = easynet::unix::Credentials::current();
                let all_mine = ancillary.credentials.iter().all(|c| *c == me);
                let answer = format!("{} {all_mine}", !ancillary.credentials.is_empty());
                send(client, &answer).await?;
            }
            "creds" => {
                let c = client.peer_credentials().expect("credentials");
                send(client, &format!("{} {} {}", c.pid, c.uid, c.gid)).await?;
            }
            "wait" => {
                // A second recv!() inside one conversation, bounded by a timeout. The
                // reply tells the test the handler is about to wait.
                send(client, "waiting").await?;
                match requests.recv_timeout(WAIT).await {
                    Ok(next) => send(client, &format!("then {next}")).await?,
                    Err(RecvError::ServerClosing) => self.event(Event::ServerClosing),
                    Err(e) => return Err(HandlerError::new(e)),
                }
            }
            other => send(client, other).await?,
        }
        Ok(())
    }

    async fn on_disconnection(&self, _client: &mut StreamClient<Lines>) -> HandlerResult {
        self.event(Event::Disconnected);
        Ok(())
    }
}

struct Fixture {
    _dir: tempfile::TempDir,
    path: PathBuf,
    server: easynet::unix::server::BackgroundServer,
}

fn start(handler: Scripted, config: UnixServerConfig) -> Fixture {
    easynet_suite::init_tracing();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("server.sock");
    let server = UnixStreamServer::spawn_background_with_config(
        &path,
        Lines::with_limit(16),
        handler,
        config,
    )
    .unwrap();
    Fixture {
        _dir: dir,
        path,
        server,
    }
}

fn client(path: &PathBuf) -> UnixStreamClient<Lines> {
    UnixStreamClient::connect(path, Lines::default()).unwrap()
}

fn recv(client: &UnixStreamClient<Lines>) -> String {
    client.recv_packet(Some(WAIT)).unwrap()
}

fn raw_reader(stream: &UnixStream) -> std::io::BufReader<UnixStream> {
    let clone = stream.try_clone().unwrap();
    clone.set_read_timeout(Some(WAIT)).unwrap();
    std::io::BufReader::new(clone)
}

fn read_line(reader: &mut impl std::io::BufRead) -> String {
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    line
}

#[test]
fn partial_frame_arrives_in_two_writes() {
    // Reads of at most 2 bytes: every frame reaches the decoder in pieces, whatever the
    // timing of the writes below.
    let f = start(
        Scripted::default(),
        UnixServerConfig::default().max_recv_size(2),
    );
    let mut raw = UnixStream::connect(&f.path).unwrap();
    let mut reader = raw_reader(&raw);
    raw.write_all(b"hel").unwrap();
    raw.write_all(b"lo\nwor").unwrap();
    raw.write_all(b"ld\n").unwrap();
    assert_eq!(read_line(&mut reader), "hello\n");
    assert_eq!(read_line(&mut reader), "world\n");
}

#[test]
fn pipelined_packets_are_served_in_order() {
    let f = start(Scripted::default(), UnixServerConfig::default());
    let mut raw = UnixStream::connect(&f.path).unwrap();
    let mut reader = raw_reader(&raw);
    raw.write_all(b"one\ntwo\nthree\nfour\n").unwrap();
    for expected in ["one\n", "two\n", "three\n", "four\n"] {
        assert_eq!(read_line(&mut reader), expected);
    }
}

#[test]
fn parse_error_keeps_the_connection() {
    let f = start(Scripted::default(), UnixServerConfig::default());
    let mut raw = UnixStream::connect(&f.path).unwrap();
    let mut reader = raw_reader(&raw);
    raw.write_all(b"\xff\xfe\nstill here\n").unwrap();
    assert_eq!(read_line(&mut reader), "error: invalid\n");
    assert_eq!(read_line(&mut reader), "still here\n");
    assert_eq!(f.server.stats().parse_errors, 1);
}

#[test]
fn over_long_frame_is_an_error_and_the_stream_resyncs() {
    let f = start(Scripted::default(), UnixServerConfig::default());
    let mut raw = UnixStream::connect(&f.path).unwrap();
    let mut reader = raw_reader(&raw);
    // The limit is 16 bytes; the tail of the long frame contains a valid-looking line
    // break only at its end, and must never be parsed as packets of its own.
    let long = format!("{}\n", "x".repeat(100));
    raw.write_all(long.as_bytes()).unwrap();
    raw.write_all(b"short\n").unwrap();
    assert_eq!(read_line(&mut reader), "error: too long\n");
    assert_eq!(read_line(&mut reader), "short\n");
    let stats = f.server.stats();
    assert_eq!((stats.oversized_frames, stats.parse_errors), (1, 1));
}

#[test]
fn greeting_is_sent_in_on_connection() {
    let f = start(
        Scripted {
            greeting: true,
            ..Scripted::default()
        },
        UnixServerConfig::default(),
    );
    let c = client(&f.path);
    assert_eq!(recv(&c), "welcome");
    c.send_packet("after").unwrap();
    assert_eq!(recv(&c), "after");
}

#[test]
fn handshake_via_recv_in_on_connection() {
    let f = start(
        Scripted {
            handshake: true,
            ..Scripted::default()
        },
        UnixServerConfig::default(),
    );
    let good = client(&f.path);
    good.send_packet("hello").unwrap();
    assert_eq!(recv(&good), "ready");
    good.send_packet("echo me").unwrap();
    assert_eq!(recv(&good), "echo me");

    let bad = client(&f.path);
    bad.send_packet("who?").unwrap();
    // The server may already have answered and closed the connection when this is
    // written: the write then fails with a broken pipe, which is the same outcome (it
    // is not echoed). Either way, what follows must be the refusal, then the end.
    match bad.send_packet("echo me") {
        Ok(()) | Err(UnixClientError::Io(_)) => {}
        Err(other) => panic!("unexpected send error: {other:?}"),
    }
    assert_eq!(recv(&bad), "bad handshake");
    assert!(matches!(
        bad.recv_packet(Some(WAIT)),
        Err(UnixClientError::Eof)
    ));
}

#[test]
fn handler_close_drops_later_pipelined_packets() {
    let (handler, events) = Scripted::with_events();
    let f = start(handler, UnixServerConfig::default());
    let mut raw = UnixStream::connect(&f.path).unwrap();
    let mut reader = raw_reader(&raw);
    raw.write_all(b"first\nclose\nnever\nnot this either\n")
        .unwrap();
    let mut rest = String::new();
    reader.read_to_string(&mut rest).unwrap();
    assert_eq!(rest, "first\nclosing\n");
    assert_eq!(events.recv_timeout(WAIT).unwrap(), Event::Connected);
    assert_eq!(events.recv_timeout(WAIT).unwrap(), Event::Disconnected);
}

#[test]
fn peer_eof_and_reset_end_the_conversation_quietly() {
    let (handler, events) = Scripted::with_events();
    let f = start(handler, UnixServerConfig::default());
    {
        let c = client(&f.path);
        c.send_packet("wait").unwrap();
        assert_eq!(recv(&c), "waiting");
        // Dropped while the handler is blocked in its second recv!(): end of stream.
    }
    assert_eq!(events.recv_timeout(WAIT).unwrap(), Event::Connected);
    assert_eq!(events.recv_timeout(WAIT).unwrap(), Event::Disconnected);
    {
        // Closed with the server's reply unread: the server's next read or write gets
        // ECONNRESET / EPIPE.
        let mut raw = UnixStream::connect(&f.path).unwrap();
        raw.write_all(b"wait\n").unwrap();
        let mut reader = raw_reader(&raw);
        assert_eq!(read_line(&mut reader), "waiting\n");
        raw.write_all(b"more\n").unwrap();
        drop(reader);
    }
    assert_eq!(events.recv_timeout(WAIT).unwrap(), Event::Connected);
    assert_eq!(events.recv_timeout(WAIT).unwrap(), Event::Disconnected);
    let stats = f.server.stats();
    assert_eq!(stats.handler_errors, 0, "peer ends are not handler errors");
}

#[test]
fn packets_sent_before_the_peer_eof_are_all_served() {
    // The peer writes then shuts its write side at once (a client's `send_eof()`): the
    // packets already sent are answered before the conversation ends.
    let (handler, events) = Scripted::with_events();
    let f = start(handler, UnixServerConfig::default());
    let mut raw = UnixStream::connect(&f.path).unwrap();
    let mut reader = raw_reader(&raw);
    raw.write_all(b"one\ntwo\nthree").unwrap();
    raw.shutdown(std::net::Shutdown::Write).unwrap();
    let mut rest = String::new();
    reader.read_to_string(&mut rest).unwrap();
    // The unterminated last line is a truncated frame: reported to recv!() as a parse
    // error (answered while our read side is still open), then the stream ends.
    assert_eq!(rest, "one\ntwo\nerror: invalid\n");
    assert_eq!(events.recv_timeout(WAIT).unwrap(), Event::Connected);
    assert_eq!(events.recv_timeout(WAIT).unwrap(), Event::Disconnected);
}

#[test]
fn handler_error_and_panic_close_only_that_connection() {
    let f = start(Scripted::default(), UnixServerConfig::default());
    let bystander = client(&f.path);
    bystander.send_packet("before").unwrap();
    assert_eq!(recv(&bystander), "before");
    for command in ["fail", "panic"] {
        let c = client(&f.path);
        c.send_packet(command).unwrap();
        assert!(matches!(
            c.recv_packet(Some(WAIT)),
            Err(UnixClientError::Eof)
        ));
    }
    bystander.send_packet("after").unwrap();
    assert_eq!(recv(&bystander), "after");
    assert_eq!(f.server.stats().handler_errors, 2);
}

#[test]
fn fds_pass_both_ways_and_unclaimed_ones_are_closed() {
    let mut file = tempfile::tempfile().unwrap();
    file.write_all(b"from the server").unwrap();
    let f = start(
        Scripted {
            file: Some(file),
            ..Scripted::default()
        },
        UnixServerConfig::default(),
    );
    let c = client(&f.path);

    // Client → server, claimed by the handler.
    let (a, b) = UnixStream::pair().unwrap();
    c.send_packet_with_ancillary("count fds", &SocketAncillary::new().with_fds([&a, &b]))
        .unwrap();
    assert_eq!(recv(&c), "got 2");

    // Client → server, never claimed: closed when the connection ends.
    let (ours, passed) = UnixStream::pair().unwrap();
    c.send_packet_with_ancillary("ignore fds", &SocketAncillary::new().with_fd(&passed))
        .unwrap();
    drop(passed);
    assert_eq!(recv(&c), "ignored");

    // Server → client: an open file.
    c.send_packet("file").unwrap();
    let (packet, ancillary) = c.recv_packet_with_ancillary(Some(WAIT)).unwrap();
    assert_eq!(packet, "file");
    let mut received = std::fs::File::from(ancillary.fds.into_iter().next().expect("one fd"));
    use std::io::Seek;
    received.seek(std::io::SeekFrom::Start(0)).unwrap();
    let mut content = String::new();
    received.read_to_string(&mut content).unwrap();
    assert_eq!(content, "from the server");

    c.close();
    assert_peer_copies_closed(ours);
}

#[test]
fn unclaimed_fds_beyond_the_limit_are_closed_at_once_and_counted() {
    let f = start(
        Scripted::default(),
        UnixServerConfig::default().max_pending_fds(2),
    );
    let c = client(&f.path);
    // Three packets with one descriptor each; the handler never takes them.
    let mut ours = Vec::new();
    for _ in 0..3 {
        let (mine, passed) = UnixStream::pair().unwrap();
        c.send_packet_with_ancillary("ignore fds", &SocketAncillary::new().with_fd(&passed))
            .unwrap();
        drop(passed);
        assert_eq!(recv(&c), "ignored");
        ours.push(mine);
    }
    // The third descriptor was over the limit: closed while the connection is still open.
    let third = ours.pop().unwrap();
    assert_peer_copies_closed(third);
    assert_eq!(f.server.stats().dropped_fds, 1);
    // The first two are held for the handler, which learns that some were dropped.
    c.send_packet("take ancillary").unwrap();
    assert_eq!(recv(&c), "fds 2 truncated true");
    // Taken and dropped by the handler: room again.
    let (mine, passed) = UnixStream::pair().unwrap();
    c.send_packet_with_ancillary("count fds", &SocketAncillary::new().with_fd(&passed))
        .unwrap();
    assert_eq!(recv(&c), "got 1");
    drop((mine, passed));
    for mine in ours {
        assert_peer_copies_closed(mine);
    }
    assert_eq!(f.server.stats().dropped_fds, 1);
}

#[test]
fn credentials_are_the_peer_process() {
    let f = start(Scripted::default(), UnixServerConfig::default());
    let c = client(&f.path);
    c.send_packet("creds").unwrap();
    let expected = format!(
        "{} {} {}",
        std::process::id(),
        rustix::process::getuid().as_raw(),
        rustix::process::getgid().as_raw()
    );
    assert_eq!(recv(&c), expected);
}

#[test]
fn on_connection_refuses_callers_by_peer_credentials() {
    let me = rustix::process::getuid().as_raw();
    let other = me.wrapping_add(1);
    for (allowed, refused) in [(other, true), (me, false)] {
        let f = start(
            Scripted {
                allowed_uid: Some(allowed),
                ..Scripted::default()
            },
            UnixServerConfig::default(),
        );
        let c = client(&f.path);
        c.send_packet("let me in").unwrap();
        if refused {
            assert_eq!(recv(&c), format!("uid {me} refused"));
            // The packet already sent is never processed.
            assert!(matches!(
                c.recv_packet(Some(WAIT)),
                Err(UnixClientError::Eof)
            ));
        } else {
            assert_eq!(recv(&c), "let me in");
        }
    }
}

#[test]
fn credentials_sent_as_ancillary_data_are_received_when_enabled() {
    let f = start(
        Scripted::default(),
        UnixServerConfig::default().receive_credentials(true),
    );
    let c = client(&f.path);
    let me = easynet::unix::Credentials::current();
    c.send_packet_with_ancillary(
        "creds received",
        &SocketAncillary::new().with_credentials(me),
    )
    .unwrap();
    assert_eq!(recv(&c), "true true");
}

#[test]
fn stale_socket_file_is_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stale.sock");
    drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
    assert!(path.exists(), "a dead server's file is left behind");
    let server =
        UnixStreamServer::spawn_background(&path, Lines::default(), Scripted::default()).unwrap();
    let c = client(&path);
    c.send_packet("alive").unwrap();
    assert_eq!(recv(&c), "alive");
    server.shutdown().unwrap();
}

#[test]
fn path_of_a_live_server_is_refused() {
    let f = start(Scripted::default(), UnixServerConfig::default());
    let second = UnixStreamServer::spawn_background(&f.path, Lines::default(), Scripted::default());
    match second {
        Err(ServerError::AddressInUse(p)) => assert_eq!(p, f.path),
        other => panic!("expected AddressInUse, got {other:?}"),
    }
    // The first server is untouched.
    let c = client(&f.path);
    c.send_packet("still mine").unwrap();
    assert_eq!(recv(&c), "still mine");
}

#[test]
fn a_path_that_is_not_a_socket_is_refused_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data.txt");
    std::fs::write(&path, "precious").unwrap();
    let result = UnixStreamServer::spawn_background(&path, Lines::default(), Scripted::default());
    assert!(
        matches!(result, Err(ServerError::NotASocket(_))),
        "{result:?}"
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "precious");
}

#[test]
fn socket_file_is_removed_at_shutdown_only_if_still_ours() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cleanup.sock");
    let server =
        UnixStreamServer::spawn_background(&path, Lines::default(), Scripted::default()).unwrap();
    assert!(path.exists());
    server.shutdown().unwrap();
    assert!(!path.exists(), "our socket file is removed");

    let server =
        UnixStreamServer::spawn_background(&path, Lines::default(), Scripted::default()).unwrap();
    // Someone replaces the file (as a new server would after deciding ours was stale).
    std::fs::remove_file(&path).unwrap();
    let _other = std::os::unix::net::UnixListener::bind(&path).unwrap();
    server.shutdown().unwrap();
    assert!(path.exists(), "a file that is no longer ours is left alone");
}

#[test]
fn socket_mode_is_applied() {
    let f = start(
        Scripted::default(),
        UnixServerConfig::default().socket_mode(0o600),
    );
    let mode = std::fs::metadata(&f.path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

#[test]
fn abstract_address_serves() {
    easynet_suite::init_tracing();
    let address =
        UnixSocketAddress::abstract_name(format!("easynet-test-{}-server", std::process::id()));
    let server =
        UnixStreamServer::spawn_background(address.clone(), Lines::default(), Scripted::default())
            .unwrap();
    let c = UnixStreamClient::connect(address, Lines::default()).unwrap();
    c.send_packet("abstract").unwrap();
    assert_eq!(recv(&c), "abstract");
    server.shutdown().unwrap();
}

#[test]
fn max_connections_closes_extra_connections_and_counts_them() {
    let f = start(
        Scripted::default(),
        UnixServerConfig::default().max_connections(1),
    );
    let first = client(&f.path);
    first.send_packet("one").unwrap();
    assert_eq!(recv(&first), "one");
    let extra = client(&f.path);
    assert!(matches!(
        extra.recv_packet(Some(WAIT)),
        Err(UnixClientError::Eof)
    ));
    assert_eq!(f.server.stats().rejected, 1);
    first.send_packet("still served").unwrap();
    assert_eq!(recv(&first), "still served");
}

#[test]
fn idle_connections_are_closed_and_counted() {
    let f = start(
        Scripted::default(),
        UnixServerConfig::default().idle_timeout(Duration::from_millis(50)),
    );
    let c = client(&f.path);
    assert!(matches!(
        c.recv_packet(Some(WAIT)),
        Err(UnixClientError::Eof)
    ));
    let stats = f.server.stats();
    assert_eq!((stats.idle_timeouts, stats.handler_errors), (1, 0));
}

#[test]
fn graceful_shutdown_reaches_recv_points_and_background_tasks() {
    let (mut handler, events) = Scripted::with_events();
    handler.background = true;
    let f = start(handler, UnixServerConfig::default());
    let c = client(&f.path);
    assert_eq!(events.recv_timeout(WAIT).unwrap(), Event::Connected);
    c.send_packet("wait").unwrap();
    assert_eq!(recv(&c), "waiting");
    let Fixture { server, path, _dir } = f;
    server.shutdown().unwrap();
    let mut seen = Vec::new();
    while let Ok(e) = events.recv_timeout(Duration::from_millis(1)) {
        seen.push(e);
    }
    assert!(seen.contains(&Event::ServerClosing), "{seen:?}");
    assert!(seen.contains(&Event::BackgroundStopped), "{seen:?}");
    assert!(!path.exists());
    assert!(matches!(
        c.recv_packet(Some(WAIT)),
        Err(UnixClientError::Eof)
    ));
}

#[test]
fn connect_timeout_through_the_client_config_is_honoured_by_a_live_server() {
    // A server answers promptly: the connect timeout must not get in the way.
    let f = start(Scripted::default(), UnixServerConfig::default());
    let c = UnixStreamClient::connect_with_config(
        &f.path,
        Lines::default(),
        UnixClientConfig::default().connect_timeout(Duration::from_secs(5)),
    )
    .unwrap();
    c.send_packet("ok").unwrap();
    assert_eq!(recv(&c), "ok");
}

#[test]
fn conversations_still_running_after_the_grace_period_are_aborted() {
    let f = start(
        Scripted::default(),
        UnixServerConfig::default().shutdown_grace(Duration::from_millis(50)),
    );
    let c = client(&f.path);
    c.send_packet("hang").unwrap();
    assert_eq!(recv(&c), "hanging");
    let Fixture { server, _dir, .. } = f;
    // On another thread, so that a shutdown that never ends fails the test after WAIT.
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || tx.send(server.shutdown().is_ok()));
    assert_eq!(rx.recv_timeout(WAIT), Ok(true));
    assert!(matches!(
        c.recv_packet(Some(WAIT)),
        Err(UnixClientError::Eof)
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_with_shutdown_stops_on_its_signal_and_serves_only_once() {
    easynet_suite::init_tracing();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("signal.sock");
    let server = std::sync::Arc::new(
        UnixStreamServer::bind(&path, Lines::default(), Scripted::default())
            .await
            .unwrap(),
    );
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = server.clone();
    let serving = tokio::spawn(async move {
        running
            .serve_with_shutdown(async {
                let _ = stopped.await;
            })
            .await
    });
    // An answer proves the server is serving.
    let echoed = tokio::task::spawn_blocking({
        let path = path.clone();
        move || {
            let c = client(&path);
            c.send_packet("serving?").unwrap();
            recv(&c)
        }
    });
    assert_eq!(echoed.await.unwrap(), "serving?");
    assert!(server.is_serving());
    assert!(
        server.serve_forever().await.is_err(),
        "a second serve while serving is refused"
    );
    stop.send(()).unwrap();
    tokio::time::timeout(WAIT, serving)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(!path.exists(), "the socket file is removed at shutdown");
}

#[tokio::test]
async fn service_init_failure_is_returned_by_serve_forever() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("init.sock");
    let handler = Scripted {
        fail_init: true,
        ..Scripted::default()
    };
    let server = UnixStreamServer::bind(&path, Lines::default(), handler)
        .await
        .unwrap();
    match tokio::time::timeout(WAIT, server.serve_forever())
        .await
        .unwrap()
    {
        Err(ServerError::ServiceInit(e)) => assert_eq!(e.to_string(), "no database"),
        other => panic!("expected ServiceInit, got {other:?}"),
    }
    assert!(!server.is_serving());
}

#[test]
fn descriptors_beyond_the_ancillary_buffer_are_closed_and_reported() {
    // 16 bytes hold a control-message header but no descriptor: the kernel drops (and
    // closes) what does not fit, and says so with MSG_CTRUNC.
    let f = start(
        Scripted::default(),
        UnixServerConfig::default().ancillary_buffer_size(16),
    );
    let c = client(&f.path);
    let (mine, passed) = UnixStream::pair().unwrap();
    c.send_packet_with_ancillary("take ancillary", &SocketAncillary::new().with_fd(&passed))
        .unwrap();
    drop(passed);
    assert_eq!(recv(&c), "fds 0 truncated true");
    assert_peer_copies_closed(mine);
    // The connection goes on.
    c.send_packet("still here").unwrap();
    assert_eq!(recv(&c), "still here");
}

/// A handler that forgets to receive.
struct NeverReceives;

impl RequestHandler for NeverReceives {
    type Client = StreamClient<Lines>;

    async fn handle(
        &self,
        client: &mut StreamClient<Lines>,
        _requests: &mut Requests,
    ) -> HandlerResult {
        send(client, "not receiving").await
    }
}

#[test]
fn handle_that_never_receives_closes_its_connection_instead_of_spinning() {
    easynet_suite::init_tracing();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lazy.sock");
    let server =
        UnixStreamServer::spawn_background(&path, Lines::default(), NeverReceives).unwrap();
    let c = client(&path);
    c.send_packet("request").unwrap();
    // handle() ran once for the request, returned without receiving it: the server does
    // not call it again on the same request, it closes the connection as a handler error.
    assert_eq!(recv(&c), "not receiving");
    assert!(matches!(
        c.recv_packet(Some(WAIT)),
        Err(UnixClientError::Eof)
    ));
    assert_eq!(server.stats().handler_errors, 1);
}
