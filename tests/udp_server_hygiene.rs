//! `#[request_handler]` output uses only fully qualified paths: it compiles without the
//! prelude.
#![no_implicit_prelude]
#![allow(clippy::unwrap_used)]

struct Echo;

#[::easynet::request_handler]
impl Echo {
    async fn handle(
        &self,
        client: &mut ::easynet::udp::server::DatagramClient<::easynet::protocol::Raw>,
    ) -> ::std::result::Result<(), ::easynet::udp::server::SendError> {
        match recv!(timeout = ::std::time::Duration::from_secs(5)) {
            ::std::result::Result::Ok(bytes) => client.send_packet(&bytes).await,
            ::std::result::Result::Err(_) => ::std::result::Result::Ok(()),
        }
    }
}

#[test]
fn compiles_and_echoes_without_the_prelude() {
    let server = ::easynet::udp::server::UdpServer::spawn_background(
        "127.0.0.1:0".parse().unwrap(),
        ::easynet::protocol::Raw,
        Echo,
    )
    .unwrap();
    let socket = ::std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    socket
        .set_read_timeout(::std::option::Option::Some(::easynet_suite::WAIT))
        .unwrap();
    socket.send_to(b"clean", server.local_addr()).unwrap();
    let mut buf = [0_u8; 16];
    let (n, _) = socket.recv_from(&mut buf).unwrap();
    ::std::assert_eq!(&buf[..n], b"clean");
}
