//! The Unix stream server with `#[request_handler]` handlers (the macro's `recv!()` in
//! `handle` and in `on_connection`), easynet's JSON-lines and line protocols, and the
//! async client.
#![allow(clippy::unwrap_used)]

use easynet::handler::RecvError;
use easynet::protocol::{Json, Line};
use easynet::request_handler;
use easynet::unix::server::{StreamClient, UnixStreamServer};
use easynet::unix::{AsyncUnixStreamClient, UnixClientError, UnixStreamClient};
use easynet_suite::WAIT;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// A login handshake in `on_connection`, then a multi-packet conversation in `handle`.
struct Session;

#[derive(Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "snake_case")]
enum Message {
    Login { user: String },
    Welcome { user: String },
    Add(i64),
    Total(i64),
    Error(String),
}

#[request_handler]
impl Session {
    async fn on_connection(
        &self,
        client: &mut StreamClient<Json<Message>>,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        match recv!(timeout = WAIT) {
            Ok(Message::Login { user }) => client.send_packet(&Message::Welcome { user }).await?,
            _ => {
                client
                    .send_packet(&Message::Error("login first".into()))
                    .await?;
                client.close();
            }
        }
        Ok(())
    }

    async fn handle(
        &self,
        client: &mut StreamClient<Json<Message>>,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        // Sums numbers until a zero: one conversation spans several packets.
        let mut total = 0;
        loop {
            match recv!() {
                Ok(Message::Add(0)) => break,
                Ok(Message::Add(n)) => total += n,
                Ok(other) => {
                    client
                        .send_packet(&Message::Error(format!("unexpected {other:?}")))
                        .await?;
                    return Ok(());
                }
                Err(RecvError::Parse(_)) => {
                    client
                        .send_packet(&Message::Error("invalid".into()))
                        .await?;
                    return Ok(());
                }
                Err(e) => return Err(e.into()),
            }
        }
        client.send_packet(&Message::Total(total)).await?;
        Ok(())
    }
}

#[test]
fn handshake_with_recv_in_on_connection_then_multi_packet_conversations() {
    easynet_suite::init_tracing();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("session.sock");
    let server =
        UnixStreamServer::spawn_background(&path, Json::<Message>::new(), Session).unwrap();
    let client = UnixStreamClient::connect(&path, Json::<Message>::new()).unwrap();
    let timeout = Some(WAIT);
    client
        .send_packet(&Message::Login { user: "ada".into() })
        .unwrap();
    assert_eq!(
        client.recv_packet(timeout).unwrap(),
        Message::Welcome { user: "ada".into() }
    );
    for n in [1, 2, 3, 0, 10, 0] {
        client.send_packet(&Message::Add(n)).unwrap();
    }
    assert_eq!(client.recv_packet(timeout).unwrap(), Message::Total(6));
    assert_eq!(client.recv_packet(timeout).unwrap(), Message::Total(10));

    let intruder = UnixStreamClient::connect(&path, Json::<Message>::new()).unwrap();
    intruder.send_packet(&Message::Add(1)).unwrap();
    assert_eq!(
        intruder.recv_packet(timeout).unwrap(),
        Message::Error("login first".into())
    );
    assert!(matches!(
        intruder.recv_packet(timeout),
        Err(UnixClientError::Eof)
    ));
    server.shutdown().unwrap();
}

/// The echo handler of the examples, with `serde_json::Value`.
struct Echo;

#[request_handler]
impl Echo {
    async fn handle(&self, client: &mut StreamClient<Json<Value>>) {
        let reply = match recv!() {
            Ok(value) => value,
            Err(RecvError::Parse(_)) => json!({"error": "Invalid JSON", "code": "parse_error"}),
            Err(_) => return,
        };
        let _ = client.send_packet(&reply).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_clients_in_parallel_get_their_own_answers_in_order() {
    easynet_suite::init_tracing();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("echo.sock");
    let server = UnixStreamServer::bind(&path, Json::<Value>::new(), Echo)
        .await
        .unwrap();
    let handle = server.shutdown_handle();
    let serving = tokio::spawn(async move { server.serve_forever().await });

    let mut tasks = Vec::new();
    for id in 0..8 {
        let path = path.clone();
        tasks.push(tokio::spawn(async move {
            let client = AsyncUnixStreamClient::connect(&path, Json::<Value>::new())
                .await
                .unwrap();
            for i in 0..50 {
                client
                    .send_packet(&json!({"client": id, "n": i}))
                    .await
                    .unwrap();
            }
            for i in 0..50 {
                let answer = tokio::time::timeout(WAIT, client.recv_packet())
                    .await
                    .unwrap()
                    .unwrap();
                assert_eq!(answer, json!({"client": id, "n": i}));
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let stats = handle.stats();
    assert_eq!(stats.accepted, 8);
    handle.shutdown();
    tokio::time::timeout(WAIT, serving)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(!path.exists());
}

#[tokio::test]
async fn parse_error_answer_keeps_the_connection_with_easynet_json() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("echo.sock");
    let server = UnixStreamServer::bind(&path, Json::<Value>::new(), Echo)
        .await
        .unwrap();
    let handle = server.shutdown_handle();
    let serving = tokio::spawn(async move { server.serve_forever().await });

    // Raw lines through a line client: one invalid document between two valid ones.
    let client = AsyncUnixStreamClient::connect(&path, Line::new())
        .await
        .unwrap();
    client.send_packet("{\"a\":1}").await.unwrap();
    client.send_packet("{oops").await.unwrap();
    client.send_packet("[true]").await.unwrap();
    let mut answers = Vec::new();
    for _ in 0..3 {
        answers.push(
            tokio::time::timeout(WAIT, client.recv_packet())
                .await
                .unwrap()
                .unwrap(),
        );
    }
    assert_eq!(answers[0], "{\"a\":1}");
    let error: Value = serde_json::from_str(&answers[1]).unwrap();
    assert_eq!(
        error,
        json!({"error": "Invalid JSON", "code": "parse_error"})
    );
    assert_eq!(answers[2], "[true]");
    handle.shutdown();
    tokio::time::timeout(WAIT, serving)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
}
