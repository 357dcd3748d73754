//! `from_socket`: what both clients accept, what they refuse, and that ownership passes.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use easynet::protocol::Raw;
use easynet::udp::client::{AsyncUdpClient, InvalidSocketKind, UdpClient, UdpClientError};
use easynet_suite::WAIT;
use socket2::{Domain, Protocol, Socket, Type};
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixDatagram;

fn invalid_kind<T: std::fmt::Debug>(result: Result<T, UdpClientError>) -> InvalidSocketKind {
    match result {
        Err(UdpClientError::InvalidSocket(kind)) => kind,
        other => panic!("expected an invalid-socket error, got {other:?}"),
    }
}

fn connected_udp(host: &str) -> (UdpSocket, UdpSocket) {
    let peer = UdpSocket::bind((host, 0)).unwrap();
    let socket = UdpSocket::bind((host, 0)).unwrap();
    socket.connect(peer.local_addr().unwrap()).unwrap();
    (peer, socket)
}

fn round_trip(peer: &UdpSocket, client: &UdpClient<Raw>) {
    client.send_packet(b"ping").unwrap();
    peer.set_read_timeout(Some(WAIT)).unwrap();
    let mut buf = [0; 16];
    let (n, from) = peer.recv_from(&mut buf).unwrap();
    assert_eq!(
        (&buf[..n], from),
        (&b"ping"[..], client.local_addr().unwrap())
    );
    peer.send_to(b"pong", from).unwrap();
    assert_eq!(client.recv_packet(Some(WAIT)).unwrap(), &b"pong"[..]);
}

#[test]
fn accepts_a_connected_std_socket_of_either_family() {
    for host in ["127.0.0.1", "::1"] {
        let (peer, socket) = connected_udp(host);
        let client = UdpClient::from_socket(socket, Raw).unwrap();
        assert_eq!(client.peer_addr().unwrap(), peer.local_addr().unwrap());
        round_trip(&peer, &client);
    }
}

#[test]
fn accepts_a_connected_socket2_socket_and_an_owned_fd() {
    let peer = UdpSocket::bind("127.0.0.1:0").unwrap();
    let socket = Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP)).unwrap();
    socket.connect(&peer.local_addr().unwrap().into()).unwrap();
    let client = UdpClient::from_socket(socket, Raw).unwrap();
    round_trip(&peer, &client);

    let (peer, socket) = connected_udp("::1");
    let client = UdpClient::from_socket(OwnedFd::from(socket), Raw).unwrap();
    round_trip(&peer, &client);
}

#[test]
fn a_blocking_socket_is_made_non_blocking() {
    // Ownership passes: the client may change the socket's mode, and must (a blocking
    // socket would make a zero timeout wait).
    let (_peer, socket) = connected_udp("127.0.0.1");
    socket.set_nonblocking(false).unwrap();
    let client = UdpClient::from_socket(socket, Raw).unwrap();
    let err = client
        .recv_packet(Some(std::time::Duration::ZERO))
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
}

#[test]
fn refuses_an_unconnected_socket_and_closes_it() {
    for host in ["127.0.0.1", "::1"] {
        let socket = UdpSocket::bind((host, 0)).unwrap();
        let address = socket.local_addr().unwrap();
        let kind = invalid_kind(UdpClient::from_socket(socket, Raw));
        assert_eq!(kind, InvalidSocketKind::NotConnected);
        // The client owned it, and dropped it: the port is free again.
        UdpSocket::bind(address).expect("the refused socket was closed");
    }
}

#[test]
fn refuses_tcp_sockets() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let stream = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let kind = invalid_kind(UdpClient::from_socket(OwnedFd::from(stream), Raw));
    assert_eq!(kind, InvalidSocketKind::NotDatagram);
    let kind = invalid_kind(UdpClient::from_socket(OwnedFd::from(listener), Raw));
    assert_eq!(kind, InvalidSocketKind::NotDatagram);
}

#[test]
fn refuses_unix_datagram_sockets() {
    let (socket, _other_end) = UnixDatagram::pair().unwrap(); // connected to each other
    let kind = invalid_kind(UdpClient::from_socket(OwnedFd::from(socket), Raw));
    assert_eq!(kind, InvalidSocketKind::NotInet);

    let dir = tempfile::tempdir().unwrap();
    let bound = UnixDatagram::bind(dir.path().join("peer.sock")).unwrap();
    let socket = UnixDatagram::unbound().unwrap();
    socket.connect(dir.path().join("peer.sock")).unwrap();
    let kind = invalid_kind(UdpClient::from_socket(OwnedFd::from(socket), Raw));
    assert_eq!(kind, InvalidSocketKind::NotInet);
    drop(bound);
}

#[test]
fn error_messages_say_what_is_wrong() {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    let err = UdpClient::from_socket(socket, Raw).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid socket: the socket is not connected"
    );
    assert_eq!(
        UdpClientError::InvalidSocket(InvalidSocketKind::NotDatagram).to_string(),
        "invalid socket: not a datagram (SOCK_DGRAM) socket"
    );
    assert_eq!(
        UdpClientError::InvalidSocket(InvalidSocketKind::NotInet).to_string(),
        "invalid socket: not an IPv4 or IPv6 (AF_INET/AF_INET6) socket"
    );
}

#[tokio::test]
async fn the_async_client_validates_the_same_way() {
    let socket = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let kind = invalid_kind(AsyncUdpClient::from_socket(socket, Raw));
    assert_eq!(kind, InvalidSocketKind::NotConnected);

    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let kind = invalid_kind(AsyncUdpClient::from_socket(OwnedFd::from(listener), Raw));
    assert_eq!(kind, InvalidSocketKind::NotDatagram);

    let (socket, _other_end) = UnixDatagram::pair().unwrap();
    let kind = invalid_kind(AsyncUdpClient::from_socket(OwnedFd::from(socket), Raw));
    assert_eq!(kind, InvalidSocketKind::NotInet);

    // And takes a connected std socket too.
    let (peer, socket) = connected_udp("::1");
    let client = AsyncUdpClient::from_socket(socket, Raw).unwrap();
    client.send_packet(b"from std").await.unwrap();
    let mut buf = [0; 16];
    peer.set_read_timeout(Some(WAIT)).unwrap();
    let (n, _) = peer.recv_from(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"from std");
}
