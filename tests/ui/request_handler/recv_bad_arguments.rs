use easynet::protocol::Raw;
use easynet::request_handler;
use easynet::udp::server::DatagramClient;

struct Handler;

#[request_handler]
impl Handler {
    async fn handle(&self, client: &mut DatagramClient<Raw>) {
        let _ = recv!(deadline = std::time::Duration::from_secs(1));
        let _ = client;
    }
}

fn main() {}
