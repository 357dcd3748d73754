//! Both UDP clients against easynet's own UDP server, on loopback, both families.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use easynet::handler::RecvError;
use easynet::protocol::{Json, Raw};
use easynet::request_handler;
use easynet::udp::client::{AsyncUdpClient, UdpClient};
use easynet::udp::server::{DatagramClient, SendError, UdpServer};
use easynet_suite::WAIT;
use futures_util::StreamExt;
use serde_json::{Value, json};
use std::sync::Arc;
use tokio::time::timeout;

/// The tutorial's echo handler: echoes a JSON value, answers invalid JSON with an error
/// object.
struct Echo;

#[request_handler]
impl Echo {
    async fn handle(&self, client: &mut DatagramClient<Json<Value>>) -> Result<(), SendError> {
        match recv!() {
            Ok(request) => client.send_packet(&request).await,
            Err(RecvError::Parse(_)) => {
                let reply = json!({"error": "Invalid JSON", "code": "parse_error"});
                client.send_packet(&reply).await
            }
            Err(_) => Ok(()),
        }
    }
}

/// A conversation over several datagrams: a name, numbers to add, then "end".
struct Counter;

#[request_handler]
impl Counter {
    async fn handle(&self, client: &mut DatagramClient<Json<Value>>) -> Result<(), SendError> {
        let Ok(name) = recv!() else { return Ok(()) };
        client.send_packet(&json!({"hello": name})).await?;
        let mut total = 0;
        loop {
            match recv!(timeout = WAIT) {
                Ok(Value::Number(n)) => {
                    total += n.as_i64().unwrap_or(0);
                    client.send_packet(&json!({"total": total})).await?;
                }
                Ok(_) | Err(_) => {
                    return client
                        .send_packet(&json!({"bye": name, "total": total}))
                        .await;
                }
            }
        }
    }
}

#[test]
fn blocking_client_talks_to_the_echo_server_over_both_families() {
    for host in ["127.0.0.1", "[::1]"] {
        let server =
            UdpServer::spawn_background(format!("{host}:0").parse().unwrap(), Json::new(), Echo)
                .unwrap();
        let client = UdpClient::connect(server.local_addr(), Json::<Value>::new()).unwrap();
        for words in [vec!["hello"], vec!["a", "b", "c"], vec![]] {
            let request = json!({"command-line arguments": words});
            client.send_packet(&request).unwrap();
            assert_eq!(client.recv_packet(Some(WAIT)).unwrap(), request);
        }
        server.shutdown().unwrap();
    }
}

#[test]
fn the_server_answers_invalid_json_and_the_client_goes_on() {
    let server =
        UdpServer::spawn_background("127.0.0.1:0".parse().unwrap(), Json::new(), Echo).unwrap();
    // A raw client to send what a JSON client cannot.
    let raw = UdpClient::connect(server.local_addr(), Raw).unwrap();
    raw.send_packet(b"{not json").unwrap();
    let reply: Value = serde_json::from_slice(&raw.recv_packet(Some(WAIT)).unwrap()).unwrap();
    assert_eq!(
        reply,
        json!({"error": "Invalid JSON", "code": "parse_error"})
    );
    raw.send_packet(b"[1,2]").unwrap();
    assert_eq!(&raw.recv_packet(Some(WAIT)).unwrap()[..], b"[1,2]");
    server.shutdown().unwrap();
}

#[test]
fn blocking_client_holds_a_conversation_and_drains_the_replies() {
    let server =
        UdpServer::spawn_background("[::1]:0".parse().unwrap(), Json::new(), Counter).unwrap();
    let client = UdpClient::connect(server.local_addr(), Json::<Value>::new()).unwrap();
    client.send_packet(&json!("alice")).unwrap();
    assert_eq!(
        client.recv_packet(Some(WAIT)).unwrap(),
        json!({"hello": "alice"})
    );
    for n in 1..=5 {
        client.send_packet(&json!(n)).unwrap();
    }
    client.send_packet(&json!("end")).unwrap();
    // Six replies, in order, within one time budget.
    let replies: Vec<Value> = client
        .iter_received_packets(Some(WAIT))
        .take(6)
        .collect::<Result<_, _>>()
        .unwrap();
    let totals = [1, 3, 6, 10, 15].map(|t| json!({"total": t}));
    assert_eq!(replies[..5], totals);
    assert_eq!(replies[5], json!({"bye": "alice", "total": 15}));
    assert_eq!(client.drain_received_packets().count(), 0);
    server.shutdown().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_clients_in_parallel_each_get_their_own_conversation() {
    for host in ["127.0.0.1:0", "[::1]:0"] {
        let server = Arc::new(UdpServer::bind(host, Json::new(), Counter).await.unwrap());
        let address = server.local_addr();
        let serving = tokio::spawn({
            let server = Arc::clone(&server);
            async move { server.serve_forever().await }
        });
        let mut players = Vec::new();
        for player in 0..20i64 {
            players.push(tokio::spawn(async move {
                let client = AsyncUdpClient::connect(address, Json::<Value>::new())
                    .await
                    .unwrap();
                let recv = || async { timeout(WAIT, client.recv_packet()).await.unwrap().unwrap() };
                client
                    .send_packet(&json!(format!("p{player}")))
                    .await
                    .unwrap();
                assert_eq!(recv().await, json!({"hello": format!("p{player}")}));
                client.send_packet(&json!(player)).await.unwrap();
                assert_eq!(recv().await, json!({"total": player}));
                client.send_packet(&json!(100)).await.unwrap();
                assert_eq!(recv().await, json!({"total": player + 100}));
                client.send_packet(&json!("end")).await.unwrap();
                recv().await
            }));
        }
        for (player, task) in players.into_iter().enumerate() {
            let bye = task.await.unwrap();
            assert_eq!(
                bye,
                json!({"bye": format!("p{player}"), "total": player as i64 + 100})
            );
        }
        server.shutdown();
        serving.await.unwrap().unwrap();
    }
}

#[tokio::test]
async fn async_stream_collects_the_echoes() {
    let server = Arc::new(
        UdpServer::bind("127.0.0.1:0", Json::new(), Echo)
            .await
            .unwrap(),
    );
    let address = server.local_addr();
    let serving = tokio::spawn({
        let server = Arc::clone(&server);
        async move { server.serve_forever().await }
    });
    let client = AsyncUdpClient::connect(address, Json::<Value>::new())
        .await
        .unwrap();
    for i in 0..10 {
        client.send_packet(&json!(i)).await.unwrap();
    }
    let echoes: Vec<i64> = client
        .iter_received_packets(Some(WAIT))
        .take(10)
        .map(|item| item.unwrap().as_i64().unwrap())
        .collect()
        .await;
    // One conversation per datagram, one after the other for a given client: in order.
    assert_eq!(echoes, (0..10).collect::<Vec<_>>());
    server.shutdown();
    serving.await.unwrap().unwrap();
}
