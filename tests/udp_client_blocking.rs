//! The blocking `UdpClient` against plain `std::net::UdpSocket` peers on loopback.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod udp_client_common;

use bytes::Bytes;
use easynet::protocol::{Json, Raw};
use easynet::udp::client::{AddressFamily, UdpClient, UdpClientConfig, UdpClientError};
use easynet_suite::{WAIT, init_tracing};
use serde_json::{Value, json};
use std::net::{SocketAddr, UdpSocket};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};
use udp_client_common::assert_drained_in_order;

/// Generates one test per address family from a function taking the loopback host.
macro_rules! both_families {
    ($($name:ident),* $(,)?) => {
        mod ipv4 {
            $( #[test] fn $name() { super::$name("127.0.0.1") } )*
        }
        mod ipv6 {
            $( #[test] fn $name() { super::$name("::1") } )*
        }
    };
}

both_families!(
    sends_one_datagram_per_packet_and_parses_replies,
    connects_by_host_and_port,
    recv_times_out,
    parse_error_carries_the_bytes_then_next_packet_is_returned,
    datagrams_from_other_sources_are_ignored,
    connection_refused_is_reported_on_recv,
    connection_refused_is_reported_on_a_later_send,
    drain_yields_what_has_arrived_in_order,
    iteration_budget_ends_the_iteration,
    close_unblocks_a_waiting_receive,
    send_and_receive_from_two_threads,
    a_waiting_receive_does_not_block_another_receivers_timeout,
    every_method_returns_closed_after_close,
    drop_releases_the_socket,
    reuse_port_option_lets_two_clients_share_a_local_port,
    socket_proxy_sets_options,
);

/// A peer socket bound on `host`, port 0.
fn peer(host: &str) -> UdpSocket {
    UdpSocket::bind((host, 0)).expect("bind peer")
}

fn recv_from(socket: &UdpSocket) -> (Vec<u8>, SocketAddr) {
    socket.set_read_timeout(Some(WAIT)).expect("set timeout");
    let mut buf = vec![0; 65536];
    let (n, from) = socket.recv_from(&mut buf).expect("peer recv");
    buf.truncate(n);
    (buf, from)
}

fn sends_one_datagram_per_packet_and_parses_replies(host: &str) {
    init_tracing();
    let peer = peer(host);
    let client = UdpClient::connect(peer.local_addr().unwrap(), Json::<Value>::new()).unwrap();
    assert_eq!(client.peer_addr().unwrap(), peer.local_addr().unwrap());

    client
        .send_packet(&json!({"command-line arguments": ["a", "b"]}))
        .unwrap();
    client.send_packet(&json!([1, 2, 3])).unwrap();
    let (first, from) = recv_from(&peer);
    let (second, _) = recv_from(&peer);
    assert_eq!(first, br#"{"command-line arguments":["a","b"]}"#);
    assert_eq!(second, b"[1,2,3]");
    assert_eq!(from, client.local_addr().unwrap());

    peer.send_to(br#"{"reply":true}"#, from).unwrap();
    assert_eq!(
        client.recv_packet(Some(WAIT)).unwrap(),
        json!({"reply": true})
    );
}

fn connects_by_host_and_port(host: &str) {
    let peer = peer(host);
    let port = peer.local_addr().unwrap().port();
    let client = UdpClient::connect((host, port), Raw).unwrap();
    assert_eq!(client.peer_addr().unwrap(), peer.local_addr().unwrap());
    let family = AddressFamily::of(&peer.local_addr().unwrap());
    assert_eq!(AddressFamily::of(&client.local_addr().unwrap()), family);

    client.send_packet(b"by name").unwrap();
    assert_eq!(recv_from(&peer).0, b"by name");
}

fn recv_times_out(host: &str) {
    let peer = peer(host);
    let client = UdpClient::connect(peer.local_addr().unwrap(), Raw).unwrap();
    let timeout = Duration::from_millis(50);
    let started = Instant::now();
    let err = client.recv_packet(Some(timeout)).unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(started.elapsed() >= timeout);
    assert!(
        client
            .recv_packet(Some(Duration::ZERO))
            .unwrap_err()
            .is_timeout()
    );

    // Still usable.
    peer.send_to(b"late", client.local_addr().unwrap()).unwrap();
    assert_eq!(client.recv_packet(Some(WAIT)).unwrap(), Bytes::from("late"));
}

fn parse_error_carries_the_bytes_then_next_packet_is_returned(host: &str) {
    let peer = peer(host);
    let client = UdpClient::connect(peer.local_addr().unwrap(), Json::<Value>::new()).unwrap();
    let to = client.local_addr().unwrap();
    peer.send_to(b"{not json", to).unwrap();
    peer.send_to(b"{\"ok\":1}", to).unwrap();

    match client.recv_packet(Some(WAIT)) {
        Err(UdpClientError::Parse(e)) => assert_eq!(&e.bytes()[..], b"{not json"),
        other => panic!("expected a parse error, got {other:?}"),
    }
    assert_eq!(client.recv_packet(Some(WAIT)).unwrap(), json!({"ok": 1}));
}

fn datagrams_from_other_sources_are_ignored(host: &str) {
    let peer = peer(host);
    let stranger = self::peer(host);
    let client = UdpClient::connect(peer.local_addr().unwrap(), Raw).unwrap();
    let to = client.local_addr().unwrap();
    stranger.send_to(b"from a stranger", to).unwrap();
    peer.send_to(b"from the peer", to).unwrap();

    assert_eq!(
        client.recv_packet(Some(WAIT)).unwrap(),
        Bytes::from("from the peer")
    );
    assert_eq!(client.drain_received_packets().count(), 0);
}

/// An address where nobody listens: a port that was bound, then released.
fn closed_port(host: &str) -> SocketAddr {
    peer(host).local_addr().unwrap()
}

fn connection_refused_is_reported_on_recv(host: &str) {
    let client = UdpClient::connect(closed_port(host), Raw).unwrap();
    client.send_packet(b"anyone?").unwrap();
    let err = client.recv_packet(Some(WAIT)).unwrap_err();
    assert!(err.is_connection_refused(), "{err:?}");
    match &err {
        UdpClientError::Io(io) => assert_eq!(io.kind(), std::io::ErrorKind::ConnectionRefused),
        other => panic!("expected an i/o error, got {other:?}"),
    }
    // The kernel reports it once; the client stays usable.
    assert!(
        client
            .recv_packet(Some(Duration::ZERO))
            .unwrap_err()
            .is_timeout()
    );
}

fn connection_refused_is_reported_on_a_later_send(host: &str) {
    let client = UdpClient::connect(closed_port(host), Raw).unwrap();
    client.send_packet(b"anyone?").unwrap();
    {
        // Wait, without consuming it, until the kernel has the ICMP error pending.
        let socket = client.socket().unwrap();
        let mut fds = [rustix::event::PollFd::new(
            &*socket,
            rustix::event::PollFlags::empty(),
        )];
        let timeout = rustix::event::Timespec::try_from(WAIT).unwrap();
        rustix::event::poll(&mut fds, Some(&timeout)).unwrap();
        assert!(fds[0].revents().contains(rustix::event::PollFlags::ERR));
    }
    let err = client.send_packet(b"still there?").unwrap_err();
    assert!(err.is_connection_refused(), "{err:?}");
}

fn drain_yields_what_has_arrived_in_order(host: &str) {
    let peer = peer(host);
    let client = UdpClient::connect(peer.local_addr().unwrap(), Json::<u32>::new()).unwrap();
    let to = client.local_addr().unwrap();
    for i in 0..50u32 {
        peer.send_to(i.to_string().as_bytes(), to).unwrap();
    }
    peer.send_to(b"oops", to).unwrap();
    peer.send_to(b"50", to).unwrap();

    // Once the first has arrived, loopback has queued the others (in order).
    assert_eq!(client.recv_packet(Some(WAIT)).unwrap(), 0);
    let drained: Vec<_> = client.drain_received_packets().collect();
    // The parse error is yielded, not swallowed, and the iteration goes on after it.
    assert_drained_in_order(&drained);
    assert_eq!(client.drain_received_packets().count(), 0);
}

fn iteration_budget_ends_the_iteration(host: &str) {
    let peer = peer(host);
    let client = UdpClient::connect(peer.local_addr().unwrap(), Raw).unwrap();
    let to = client.local_addr().unwrap();
    peer.send_to(b"1", to).unwrap();
    peer.send_to(b"2", to).unwrap();

    let budget = Duration::from_millis(100);
    let started = Instant::now();
    let received: Vec<_> = client
        .iter_received_packets(Some(budget))
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(received, [Bytes::from("1"), Bytes::from("2")]);
    assert!(started.elapsed() >= budget);
}

/// Blocks until the thread `tid` of this process sleeps in the kernel.
fn wait_until_sleeping(tid: &str) {
    let deadline = Instant::now() + WAIT;
    loop {
        let stat = std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")).unwrap();
        // The state follows the command name, which is in parentheses.
        let state = stat.rsplit_once(") ").unwrap().1.chars().next().unwrap();
        if state == 'S' {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the receiving thread never blocked"
        );
        std::thread::yield_now();
    }
}

fn current_tid() -> String {
    let link = std::fs::read_link("/proc/thread-self").unwrap();
    link.file_name().unwrap().to_string_lossy().into_owned()
}

fn close_unblocks_a_waiting_receive(host: &str) {
    let peer = peer(host);
    let client = Arc::new(UdpClient::connect(peer.local_addr().unwrap(), Raw).unwrap());
    let (tid_tx, tid_rx) = mpsc::channel();
    let (done_tx, done_rx) = mpsc::channel();
    let receiver = std::thread::spawn({
        let client = Arc::clone(&client);
        move || {
            tid_tx.send(current_tid()).unwrap();
            done_tx.send(client.recv_packet(None)).unwrap();
        }
    });
    wait_until_sleeping(&tid_rx.recv().unwrap());
    client.close();
    let result = done_rx
        .recv_timeout(WAIT)
        .expect("close did not wake the receiver");
    assert!(result.unwrap_err().is_closed());
    receiver.join().unwrap();
}

fn send_and_receive_from_two_threads(host: &str) {
    let peer = peer(host);
    let echo = std::thread::spawn({
        let peer = peer.try_clone().unwrap();
        move || {
            for _ in 0..100 {
                let (data, from) = recv_from(&peer);
                peer.send_to(&data, from).unwrap();
            }
        }
    });
    let client = UdpClient::connect(peer.local_addr().unwrap(), Json::<u32>::new()).unwrap();
    std::thread::scope(|scope| {
        // The receiver waits first: if sends shared its lock, the sender would hang.
        let receiver = scope.spawn(|| {
            (0..100)
                .map(|_| client.recv_packet(Some(WAIT)).unwrap())
                .collect::<Vec<_>>()
        });
        scope.spawn(|| {
            for i in 0..100u32 {
                client.send_packet(&i).unwrap();
            }
        });
        assert_eq!(receiver.join().unwrap(), (0..100).collect::<Vec<_>>());
    });
    echo.join().unwrap();
}

fn a_waiting_receive_does_not_block_another_receivers_timeout(host: &str) {
    let peer = peer(host);
    let client = Arc::new(UdpClient::connect(peer.local_addr().unwrap(), Raw).unwrap());
    let (tid_tx, tid_rx) = mpsc::channel();
    let forever = std::thread::spawn({
        let client = Arc::clone(&client);
        move || {
            tid_tx.send(current_tid()).unwrap();
            client.recv_packet(None)
        }
    });
    wait_until_sleeping(&tid_rx.recv().unwrap());
    let err = client
        .recv_packet(Some(Duration::from_millis(20)))
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    client.close();
    assert!(forever.join().unwrap().unwrap_err().is_closed());
}

fn every_method_returns_closed_after_close(host: &str) {
    let peer = peer(host);
    let client = UdpClient::connect(peer.local_addr().unwrap(), Raw).unwrap();
    peer.send_to(b"queued", client.local_addr().unwrap())
        .unwrap();
    client.close();
    client.close(); // twice is harmless
    assert!(client.is_closed());
    assert!(client.send_packet(b"x").unwrap_err().is_closed());
    assert!(client.recv_packet(None).unwrap_err().is_closed());
    assert!(
        client
            .recv_packet(Some(Duration::ZERO))
            .unwrap_err()
            .is_closed()
    );
    assert!(client.socket().unwrap_err().is_closed());
    assert!(client.local_addr().unwrap_err().is_closed());
    assert!(client.peer_addr().unwrap_err().is_closed());
    assert_eq!(client.iter_received_packets(None).count(), 0);
}

fn drop_releases_the_socket(host: &str) {
    let peer = peer(host);
    let client = UdpClient::connect(peer.local_addr().unwrap(), Raw).unwrap();
    let local = client.local_addr().unwrap();
    assert_eq!(
        UdpSocket::bind(local).unwrap_err().kind(),
        std::io::ErrorKind::AddrInUse
    );
    drop(client);
    UdpSocket::bind(local).expect("the port is free once the client is dropped");
}

fn reuse_port_option_lets_two_clients_share_a_local_port(host: &str) {
    let peer = peer(host);
    let remote = peer.local_addr().unwrap();
    let any_port: SocketAddr = (host.parse::<std::net::IpAddr>().unwrap(), 0).into();
    let config = UdpClientConfig::new().local_addr(any_port).reuse_port(true);
    let first = UdpClient::connect_with_config(remote, Raw, config).unwrap();
    let shared = first.local_addr().unwrap();

    let without = UdpClientConfig::new().local_addr(shared);
    let err = UdpClient::connect_with_config(remote, Raw, without.clone()).unwrap_err();
    assert!(
        matches!(&err, UdpClientError::Io(e) if e.kind() == std::io::ErrorKind::AddrInUse),
        "{err:?}"
    );

    let second = UdpClient::connect_with_config(remote, Raw, without.reuse_port(true)).unwrap();
    assert_eq!(second.local_addr().unwrap(), shared);
    assert!(second.socket().unwrap().reuse_port().unwrap());
}

fn socket_proxy_sets_options(host: &str) {
    let peer = peer(host);
    let config = UdpClientConfig::new()
        .recv_buffer_size(32 * 1024)
        .send_buffer_size(32 * 1024);
    let client = UdpClient::connect_with_config(peer.local_addr().unwrap(), Raw, config).unwrap();
    let socket = client.socket().unwrap();
    assert!(socket.recv_buffer_size().unwrap() >= 32 * 1024);
    assert!(socket.send_buffer_size().unwrap() >= 32 * 1024);
    assert!(!socket.reuse_port().unwrap());
    socket.set_recv_buffer_size(64 * 1024).unwrap();
    assert!(socket.recv_buffer_size().unwrap() >= 64 * 1024);
    assert_eq!(socket.r#type().unwrap(), socket2::Type::DGRAM);
    assert_eq!(
        socket.peer_addr().unwrap().as_socket(),
        Some(peer.local_addr().unwrap())
    );
}

#[test]
fn family_option_filters_the_resolved_addresses() {
    let peer = peer("127.0.0.1");
    let port = peer.local_addr().unwrap().port();
    let ipv6_only = UdpClientConfig::new().family(AddressFamily::Ipv6);
    let err = UdpClient::connect_with_config(("127.0.0.1", port), Raw, ipv6_only).unwrap_err();
    assert!(
        matches!(&err, UdpClientError::Io(e) if e.kind() == std::io::ErrorKind::InvalidInput),
        "{err:?}"
    );
    let ipv4_only = UdpClientConfig::new().family(AddressFamily::Ipv4);
    let client = UdpClient::connect_with_config(("127.0.0.1", port), Raw, ipv4_only).unwrap();
    assert_eq!(client.peer_addr().unwrap(), peer.local_addr().unwrap());

    // A local address of the other family excludes the remote address too.
    let v6_local = UdpClientConfig::new().local_addr("[::1]:0".parse().unwrap());
    assert!(UdpClient::connect_with_config(("127.0.0.1", port), Raw, v6_local).is_err());
}

#[test]
fn serialize_error_sends_nothing_and_keeps_the_client_usable() {
    use std::collections::BTreeMap;
    let peer = peer("127.0.0.1");
    // JSON object keys must be strings: a tuple key cannot be serialized.
    let client = UdpClient::connect(
        peer.local_addr().unwrap(),
        Json::<BTreeMap<(u8, u8), u8>>::new(),
    )
    .unwrap();
    let bad = BTreeMap::from([((1, 2), 3)]);
    let err = client.send_packet(&bad).unwrap_err();
    assert!(matches!(err, UdpClientError::Serialize(_)), "{err:?}");
    client.send_packet(&BTreeMap::new()).unwrap();
    assert_eq!(recv_from(&peer).0, b"{}");
}

#[test]
fn oversized_datagram_is_an_io_error_and_the_client_stays_usable() {
    let peer = peer("127.0.0.1");
    let client = UdpClient::connect(peer.local_addr().unwrap(), Raw).unwrap();
    let err = client.send_packet(&vec![0; 70_000]).unwrap_err();
    assert!(matches!(err, UdpClientError::Io(_)), "{err:?}");
    client.send_packet(b"small").unwrap();
    assert_eq!(recv_from(&peer).0, b"small");
}

#[test]
fn a_socket_error_is_yielded_once_then_the_iteration_ends() {
    let client = UdpClient::connect(closed_port("127.0.0.1"), Raw).unwrap();
    client.send_packet(b"anyone?").unwrap();
    let items: Vec<_> = client.iter_received_packets(Some(WAIT)).collect();
    assert_eq!(items.len(), 1);
    assert!(items[0].as_ref().unwrap_err().is_connection_refused());
}

#[test]
fn clients_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<UdpClient<Json<Value>>>();
    assert_send_sync::<UdpClient<Raw>>();
    assert_send_sync::<UdpClientError>();
}
