//! `service_init` background tasks of the Unix-stream server: stopped at shutdown, and
//! aborted after `shutdown_grace` when they ignore the shutdown token.
#![allow(clippy::unwrap_used)]

use easynet::handler::ServiceContext;
use easynet::protocol::Line;
use easynet::request_handler;
use easynet::unix::client::AsyncUnixStreamClient;
use easynet::unix::server::{StreamClient, UnixServerConfig, UnixStreamServer};
use easynet_suite::WAIT;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Sets its flag when dropped: tells that a task was dropped (aborted or finished).
struct SetOnDrop(Arc<AtomicBool>);

impl Drop for SetOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// Its background task ignores the shutdown token.
struct StubbornService(Arc<AtomicBool>);

#[request_handler]
impl StubbornService {
    async fn service_init(&self, service: &mut ServiceContext) {
        let guard = SetOnDrop(Arc::clone(&self.0));
        service.spawn(async move {
            let _guard = guard;
            tokio::time::sleep(Duration::from_secs(3600)).await;
        });
    }

    async fn handle(&self, client: &mut StreamClient<Line>) {
        if let Ok(line) = recv!() {
            client.send_packet(&line).await.unwrap();
        }
    }
}

#[tokio::test]
async fn service_task_ignoring_shutdown_is_aborted_after_the_grace_period() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stubborn.sock");
    let dropped = Arc::new(AtomicBool::new(false));
    let server = UnixStreamServer::bind_with_config(
        &path,
        Line::default(),
        StubbornService(Arc::clone(&dropped)),
        UnixServerConfig::default().shutdown_grace(Duration::from_millis(20)),
    )
    .await
    .unwrap();
    let server = Arc::new(server);
    let running = Arc::clone(&server);
    let serving = tokio::spawn(async move { running.serve_forever().await });

    // Synchronise on `service_init` having run: the server answers.
    let client = AsyncUnixStreamClient::connect(&path, Line::default())
        .await
        .unwrap();
    client.send_packet("up?").await.unwrap();
    let echoed = tokio::time::timeout(WAIT, client.recv_packet())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(echoed, "up?");
    assert!(!dropped.load(Ordering::SeqCst));

    server.shutdown();
    tokio::time::timeout(WAIT, serving)
        .await
        .expect("serve_forever returns although a service task ignores shutdown")
        .unwrap()
        .unwrap();
    assert!(
        dropped.load(Ordering::SeqCst),
        "the stubborn task was aborted and dropped before serve_forever returned"
    );
}
