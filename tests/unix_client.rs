//! Unix stream clients against real sockets in a temp dir: framing, timeouts, ancillary
//! data, credentials, send_eof, close while blocked, adopted sockets.
#![allow(clippy::unwrap_used)]

mod unix_common;

use easynet::unix::client::InvalidSocketKind;
use easynet::unix::{
    AsyncUnixStreamClient, Credentials, SocketAncillary, UnixClientConfig, UnixClientError,
    UnixSocketAddress, UnixStreamClient,
};
use easynet_suite::WAIT;
use std::io::{Read, Write};
use std::os::fd::AsFd;
use std::os::unix::net::{UnixListener, UnixStream};
use std::time::Duration;
use unix_common::{Lines, assert_peer_copies_closed};

fn listener() -> (tempfile::TempDir, std::path::PathBuf, UnixListener) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sock");
    let listener = UnixListener::bind(&path).unwrap();
    (dir, path, listener)
}

#[test]
fn extraneous_bytes_are_kept_for_the_next_call() {
    let (_dir, path, listener) = listener();
    let client = UnixStreamClient::connect(&path, Lines::default()).unwrap();
    let (mut peer, _) = listener.accept().unwrap();
    peer.write_all(b"one\ntwo\nthr").unwrap();
    assert_eq!(client.recv_packet(Some(WAIT)).unwrap(), "one");
    assert_eq!(client.recv_packet(Some(WAIT)).unwrap(), "two");
    assert!(matches!(
        client.recv_packet(Some(Duration::ZERO)),
        Err(UnixClientError::Timeout)
    ));
    peer.write_all(b"ee\n").unwrap();
    assert_eq!(client.recv_packet(Some(WAIT)).unwrap(), "three");
}

#[test]
fn send_packet_frames_the_packet() {
    let (_dir, path, listener) = listener();
    let client = UnixStreamClient::connect(&path, Lines::default()).unwrap();
    let (mut peer, _) = listener.accept().unwrap();
    client.send_packet("hello").unwrap();
    client.send_packet("world").unwrap();
    client.send_eof().unwrap();
    let mut got = String::new();
    peer.read_to_string(&mut got).unwrap();
    assert_eq!(got, "hello\nworld\n");
}

#[test]
fn parse_error_is_returned_and_the_stream_resyncs() {
    let (_dir, path, listener) = listener();
    let client = UnixStreamClient::connect(&path, Lines::with_limit(8)).unwrap();
    let (mut peer, _) = listener.accept().unwrap();
    peer.write_all(b"\xff\xfe\nok\n0123456789abcdef\nafter\n")
        .unwrap();
    assert!(matches!(
        client.recv_packet(Some(WAIT)),
        Err(UnixClientError::Parse(_))
    ));
    assert_eq!(client.recv_packet(Some(WAIT)).unwrap(), "ok");
    match client.recv_packet(Some(WAIT)) {
        Err(UnixClientError::Parse(e)) => assert!(e.is_limit_exceeded()),
        other => panic!("expected a limit error, got {other:?}"),
    }
    assert_eq!(client.recv_packet(Some(WAIT)).unwrap(), "after");
}

#[test]
fn eof_from_peer_is_reported() {
    let (_dir, path, listener) = listener();
    let client = UnixStreamClient::connect(&path, Lines::default()).unwrap();
    let (mut peer, _) = listener.accept().unwrap();
    peer.write_all(b"last\n").unwrap();
    drop(peer);
    assert_eq!(client.recv_packet(Some(WAIT)).unwrap(), "last");
    assert!(matches!(
        client.recv_packet(Some(WAIT)),
        Err(UnixClientError::Eof)
    ));
}

#[test]
fn send_eof_then_send_fails_and_receive_still_works() {
    let (_dir, path, listener) = listener();
    let client = UnixStreamClient::connect(&path, Lines::default()).unwrap();
    let (mut peer, _) = listener.accept().unwrap();
    client.send_packet("bye").unwrap();
    client.send_eof().unwrap();
    assert!(matches!(
        client.send_packet("late"),
        Err(UnixClientError::WriteClosed)
    ));
    let mut got = String::new();
    peer.read_to_string(&mut got).unwrap();
    assert_eq!(got, "bye\n");
    peer.write_all(b"still readable\n").unwrap();
    assert_eq!(client.recv_packet(Some(WAIT)).unwrap(), "still readable");
}

#[test]
fn close_wakes_a_receive_blocked_in_another_thread() {
    let (_dir, path, listener) = listener();
    let client = std::sync::Arc::new(UnixStreamClient::connect(&path, Lines::default()).unwrap());
    let (_peer, _) = listener.accept().unwrap();
    let (started_tx, started_rx) = std::sync::mpsc::channel();
    let receiver = {
        let client = client.clone();
        std::thread::spawn(move || {
            started_tx.send(()).unwrap();
            client.recv_packet(None)
        })
    };
    started_rx.recv().unwrap();
    // The receiver may or may not be in poll() yet: both orders must give `Closed`.
    client.close();
    assert!(matches!(
        receiver.join().unwrap(),
        Err(UnixClientError::Closed)
    ));
    assert!(matches!(
        client.send_packet("x"),
        Err(UnixClientError::Closed)
    ));
}

#[test]
fn send_while_another_thread_is_blocked_receiving() {
    let (_dir, path, listener) = listener();
    let client = std::sync::Arc::new(UnixStreamClient::connect(&path, Lines::default()).unwrap());
    let (mut peer, _) = listener.accept().unwrap();
    let receiver = {
        let client = client.clone();
        std::thread::spawn(move || client.recv_packet(Some(WAIT)))
    };
    // Sending does not wait for the receive lock: the peer gets it and answers.
    client.send_packet("ping").unwrap();
    let mut buf = [0; 5];
    peer.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"ping\n");
    peer.write_all(b"pong\n").unwrap();
    assert_eq!(receiver.join().unwrap().unwrap(), "pong");
}

#[test]
fn iter_received_packets_drains_the_buffer_with_zero_timeout() {
    let (_dir, path, listener) = listener();
    let client = UnixStreamClient::connect(&path, Lines::default()).unwrap();
    let (mut peer, _) = listener.accept().unwrap();
    peer.write_all(b"a\n\xff\nb\n").unwrap();
    // Synchronise on arrival of the first packet, then drain the rest.
    assert_eq!(client.recv_packet(Some(WAIT)).unwrap(), "a");
    let rest: Vec<_> = client.iter_received_packets(Some(Duration::ZERO)).collect();
    assert_eq!(rest.len(), 2);
    assert!(matches!(rest[0], Err(UnixClientError::Parse(_))));
    assert_eq!(rest[1].as_ref().unwrap(), "b");
}

#[test]
fn fds_are_passed_both_ways_and_unclaimed_ones_are_closed() {
    let (_dir, path, listener) = listener();
    let client = UnixStreamClient::connect(&path, Lines::default()).unwrap();
    let (peer_stream, _) = listener.accept().unwrap();
    let peer = UnixStreamClient::from_socket(peer_stream, Lines::default()).unwrap();

    let mut file = tempfile::tempfile().unwrap();
    file.write_all(b"secret").unwrap();
    peer.send_packet_with_ancillary("file", &SocketAncillary::new().with_fd(&file))
        .unwrap();
    let (packet, ancillary) = client.recv_packet_with_ancillary(Some(WAIT)).unwrap();
    assert_eq!(packet, "file");
    assert_eq!(ancillary.fds.len(), 1);
    let mut received = std::fs::File::from(ancillary.fds.into_iter().next().unwrap());
    let mut content = String::new();
    use std::io::Seek;
    received.seek(std::io::SeekFrom::Start(0)).unwrap();
    received.read_to_string(&mut content).unwrap();
    assert_eq!(content, "secret");

    // The other way, and this time nobody claims the descriptors: recv_packet drops them.
    let (ours, passed) = UnixStream::pair().unwrap();
    client
        .send_packet_with_ancillary("x", &SocketAncillary::new().with_fds([&passed, &passed]))
        .unwrap();
    drop(passed);
    assert_eq!(peer.recv_packet(Some(WAIT)).unwrap(), "x");
    assert_peer_copies_closed(ours);
}

#[test]
fn credentials_are_sent_and_received_when_enabled() {
    let (_dir, path, listener) = listener();
    let client = UnixStreamClient::connect(&path, Lines::default()).unwrap();
    let (peer_stream, _) = listener.accept().unwrap();
    let peer = UnixStreamClient::from_socket_with_config(
        peer_stream,
        Lines::default(),
        UnixClientConfig::default().receive_credentials(true),
    )
    .unwrap();
    client
        .send_packet_with_ancillary(
            "me",
            &SocketAncillary::new().with_credentials(Credentials::current()),
        )
        .unwrap();
    let (packet, ancillary) = peer.recv_packet_with_ancillary(Some(WAIT)).unwrap();
    assert_eq!(packet, "me");
    assert_eq!(ancillary.credentials.first(), Some(&Credentials::current()));
}

#[test]
fn peer_credentials_are_the_peer_process() {
    let (_dir, path, listener) = listener();
    let client = UnixStreamClient::connect(&path, Lines::default()).unwrap();
    let _peer = listener.accept().unwrap();
    let creds = client.peer_credentials().unwrap();
    assert_eq!(creds.pid as u32, std::process::id());
    assert_eq!(creds.uid, rustix::process::getuid().as_raw());
    assert_eq!(creds.gid, rustix::process::getgid().as_raw());
}

#[test]
fn from_socket_rejects_unusable_sockets() {
    let not_connected =
        socket2::Socket::new(socket2::Domain::UNIX, socket2::Type::STREAM, None).unwrap();
    match UnixStreamClient::from_socket(not_connected, Lines::default()) {
        Err(e @ UnixClientError::InvalidSocket(InvalidSocketKind::NotConnected)) => {
            assert!(e.to_string().contains("not connected"), "{e}")
        }
        other => panic!("expected InvalidSocket, got {other:?}"),
    }
    let datagram = std::os::unix::net::UnixDatagram::pair().unwrap().0;
    match UnixStreamClient::from_socket(datagram, Lines::default()) {
        Err(e @ UnixClientError::InvalidSocket(InvalidSocketKind::NotStream)) => {
            assert!(e.to_string().contains("SOCK_STREAM"), "{e}")
        }
        other => panic!("expected InvalidSocket, got {other:?}"),
    }
    let udp = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    match UnixStreamClient::from_socket(udp, Lines::default()) {
        Err(e @ UnixClientError::InvalidSocket(InvalidSocketKind::NotUnix)) => {
            assert!(e.to_string().contains("AF_UNIX"), "{e}")
        }
        other => panic!("expected InvalidSocket, got {other:?}"),
    }
    let file = std::fs::File::open("/dev/null").unwrap();
    assert!(matches!(
        UnixStreamClient::from_socket(std::os::fd::OwnedFd::from(file), Lines::default()),
        Err(UnixClientError::InvalidSocket(InvalidSocketKind::NotSocket))
    ));
    // A connected pair is accepted and works.
    let (a, mut b) = UnixStream::pair().unwrap();
    let client = UnixStreamClient::from_socket(a, Lines::default()).unwrap();
    b.write_all(b"hi\n").unwrap();
    assert_eq!(client.recv_packet(Some(WAIT)).unwrap(), "hi");
}

/// A listener with backlog 0 accepts one pending connection; the next connect waits in
/// the kernel, so the connect timeout is what ends it.
fn full_backlog_listener() -> (
    tempfile::TempDir,
    std::path::PathBuf,
    socket2::Socket,
    UnixStream,
) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("full.sock");
    let socket = socket2::Socket::new(socket2::Domain::UNIX, socket2::Type::STREAM, None).unwrap();
    socket
        .bind(&socket2::SockAddr::unix(&path).unwrap())
        .unwrap();
    socket.listen(0).unwrap();
    let first = UnixStream::connect(&path).unwrap();
    (dir, path, socket, first)
}

#[test]
fn connect_times_out_when_the_backlog_is_full() {
    let (_dir, path, _listener, _first) = full_backlog_listener();
    let config = UnixClientConfig::default().connect_timeout(Duration::from_millis(50));
    let result = UnixStreamClient::connect_with_config(&path, Lines::default(), config);
    assert!(
        matches!(result, Err(UnixClientError::ConnectTimeout)),
        "{result:?}"
    );
}

#[test]
fn connect_to_a_missing_path_is_an_io_error() {
    let dir = tempfile::tempdir().unwrap();
    let result = UnixStreamClient::connect(dir.path().join("nope.sock"), Lines::default());
    match result {
        Err(UnixClientError::Io(e)) => assert_eq!(e.kind(), std::io::ErrorKind::NotFound),
        other => panic!("expected NotFound, got {other:?}"),
    }
}

#[test]
fn abstract_addresses_connect() {
    let name = format!("easynet-test-{}-abstract-client", std::process::id());
    let address = UnixSocketAddress::abstract_name(&name);
    use std::os::linux::net::SocketAddrExt;
    let listener = UnixListener::bind_addr(
        &std::os::unix::net::SocketAddr::from_abstract_name(&name).unwrap(),
    )
    .unwrap();
    let client = UnixStreamClient::connect(address.clone(), Lines::default()).unwrap();
    let (mut peer, _) = listener.accept().unwrap();
    peer.write_all(b"abstract\n").unwrap();
    assert_eq!(client.recv_packet(Some(WAIT)).unwrap(), "abstract");
    assert_eq!(client.peer_addr().unwrap(), Some(address));
}

#[test]
fn socket_proxy_reaches_the_socket() {
    let (_dir, path, listener) = listener();
    let client = UnixStreamClient::connect(&path, Lines::default()).unwrap();
    let _peer = listener.accept().unwrap();
    let proxy = client.socket().unwrap();
    proxy.set_send_buffer_size(65536).unwrap();
    assert!(proxy.send_buffer_size().unwrap() >= 65536);
    assert_eq!(proxy.domain().unwrap(), socket2::Domain::UNIX);
    let _ = proxy.as_fd();
}

#[tokio::test]
async fn async_client_round_trip_and_buffering() {
    let (_dir, path, listener) = listener();
    let client = AsyncUnixStreamClient::connect(&path, Lines::default())
        .await
        .unwrap();
    let (mut peer, _) = listener.accept().unwrap();
    client.send_packet("ping").await.unwrap();
    let mut buf = [0; 5];
    peer.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"ping\n");
    peer.write_all(b"a\nb\n\xff\nc").unwrap();
    assert_eq!(client.recv_packet().await.unwrap(), "a");
    use futures_util::StreamExt;
    let rest: Vec<_> = client
        .iter_received_packets(Some(Duration::ZERO))
        .collect()
        .await;
    assert_eq!(rest.len(), 2, "{rest:?}");
    assert_eq!(rest[0].as_ref().unwrap(), "b");
    assert!(matches!(rest[1], Err(UnixClientError::Parse(_))));
    peer.write_all(b"\n").unwrap();
    let more: Vec<_> = client
        .iter_received_packets(Some(WAIT))
        .take(1)
        .collect()
        .await;
    assert_eq!(more[0].as_ref().unwrap(), "c");
    let creds = client.peer_credentials().unwrap();
    assert_eq!(creds.pid as u32, std::process::id());
}

#[tokio::test]
async fn async_close_wakes_a_pending_receive() {
    let (_dir, path, listener) = listener();
    let client = std::sync::Arc::new(
        AsyncUnixStreamClient::connect(&path, Lines::default())
            .await
            .unwrap(),
    );
    let _peer = listener.accept().unwrap();
    let pending = tokio::spawn({
        let client = client.clone();
        async move { client.recv_packet().await }
    });
    tokio::task::yield_now().await;
    client.close();
    let result = tokio::time::timeout(WAIT, pending).await.unwrap().unwrap();
    assert!(matches!(result, Err(UnixClientError::Closed)));
}

#[tokio::test]
async fn async_fds_send_eof_and_timeout_via_tokio() {
    let (_dir, path, listener) = listener();
    let client = AsyncUnixStreamClient::connect(&path, Lines::default())
        .await
        .unwrap();
    let (peer_stream, _) = listener.accept().unwrap();
    let peer = AsyncUnixStreamClient::from_socket(peer_stream, Lines::default()).unwrap();
    let null = std::fs::File::open("/dev/null").unwrap();
    client
        .send_packet_with_ancillary("fd", &SocketAncillary::new().with_fd(&null))
        .await
        .unwrap();
    let (packet, ancillary) = peer.recv_packet_with_ancillary().await.unwrap();
    assert_eq!(packet, "fd");
    assert_eq!(ancillary.fds.len(), 1);
    client.send_eof().await.unwrap();
    assert!(matches!(
        client.send_packet("late").await,
        Err(UnixClientError::WriteClosed)
    ));
    assert!(matches!(
        peer.recv_packet().await,
        Err(UnixClientError::Eof)
    ));
    assert!(
        tokio::time::timeout(Duration::from_millis(10), client.recv_packet())
            .await
            .is_err()
    );
}

#[tokio::test]
async fn async_connect_times_out_when_the_backlog_is_full() {
    let (_dir, path, _listener, _first) = full_backlog_listener();
    let config = UnixClientConfig::default().connect_timeout(Duration::from_millis(50));
    let result = AsyncUnixStreamClient::connect_with_config(&path, Lines::default(), config).await;
    assert!(
        matches!(result, Err(UnixClientError::ConnectTimeout)),
        "{result:?}"
    );
}

#[test]
fn after_close_every_accessor_says_closed_and_iteration_ends() {
    let (_dir, path, listener) = listener();
    let client = UnixStreamClient::connect(&path, Lines::default()).unwrap();
    let (mut peer, _) = listener.accept().unwrap();
    assert_eq!(
        client.peer_addr().unwrap(),
        Some(UnixSocketAddress::Path(path.clone()))
    );
    assert_eq!(client.local_addr().unwrap(), None); // a connecting socket is unnamed
    peer.write_all(b"queued\n").unwrap();
    client.close();
    assert!(client.socket().unwrap_err().is_closed());
    assert!(client.local_addr().unwrap_err().is_closed());
    assert!(client.peer_addr().unwrap_err().is_closed());
    // Closing ends the iteration quietly, as for the UDP clients.
    assert_eq!(client.iter_received_packets(None).count(), 0);
    assert_eq!(client.drain_received_packets().count(), 0);
}

#[test]
fn iteration_yields_end_of_stream_then_ends() {
    let (socket, mut peer) = UnixStream::pair().unwrap();
    let client = UnixStreamClient::from_socket(socket, Lines::default()).unwrap();
    peer.write_all(b"last\n").unwrap();
    drop(peer);
    let items: Vec<_> = client.iter_received_packets(Some(WAIT)).collect();
    assert_eq!(items.len(), 2, "{items:?}");
    assert_eq!(items[0].as_ref().unwrap(), "last");
    assert!(items[1].as_ref().unwrap_err().is_eof());
}

#[tokio::test]
async fn async_from_socket_takes_a_tokio_stream_and_drains() {
    use futures_util::StreamExt;
    use tokio::io::AsyncWriteExt;
    let (socket, mut peer) = tokio::net::UnixStream::pair().unwrap();
    let client = AsyncUnixStreamClient::from_socket(socket, Lines::default()).unwrap();
    peer.write_all(b"x\ny\n").await.unwrap();
    assert_eq!(client.recv_packet().await.unwrap(), "x");
    let rest: Vec<_> = client.drain_received_packets().collect().await;
    assert_eq!(rest.len(), 1, "{rest:?}");
    assert_eq!(rest[0].as_ref().unwrap(), "y");
    client.close();
    assert!(client.socket().unwrap_err().is_closed());
    assert!(client.peer_addr().unwrap_err().is_closed());
    assert_eq!(client.iter_received_packets(None).count().await, 0);
}

#[test]
fn async_from_socket_outside_a_runtime_is_an_error() {
    let (socket, _peer) = UnixStream::pair().unwrap();
    let err = AsyncUnixStreamClient::from_socket(socket, Lines::default()).unwrap_err();
    assert!(matches!(err, UnixClientError::Io(_)), "{err:?}");
}

#[test]
fn shared_error_variants_read_the_same_as_the_udp_clients() {
    use easynet::udp::client::UdpClientError;
    let pairs = [
        (UdpClientError::Closed, UnixClientError::Closed),
        (UdpClientError::Timeout, UnixClientError::Timeout),
        (
            UdpClientError::InvalidSocket(InvalidSocketKind::NotConnected),
            UnixClientError::InvalidSocket(InvalidSocketKind::NotConnected),
        ),
        (
            UdpClientError::Io(std::io::ErrorKind::ConnectionRefused.into()),
            UnixClientError::Io(std::io::ErrorKind::ConnectionRefused.into()),
        ),
    ];
    for (udp, unix) in pairs {
        assert_eq!(udp.to_string(), unix.to_string());
        assert_eq!(udp.is_closed(), unix.is_closed());
        assert_eq!(udp.is_timeout(), unix.is_timeout());
        assert_eq!(udp.is_connection_refused(), unix.is_connection_refused());
    }
    let bad = || easynet::protocol::ParseError::invalid_data("bad", b"{");
    let (udp, unix) = (UdpClientError::Parse(bad()), UnixClientError::Parse(bad()));
    assert_eq!(udp.to_string(), unix.to_string());
    assert_eq!(
        udp.parse_error().unwrap().bytes(),
        unix.parse_error().unwrap().bytes()
    );
}
