use easynet::protocol::Raw;
use easynet::request_handler;
use easynet::udp::server::DatagramClient;

struct Handler;

#[request_handler]
impl Handler {
    async fn handle(&self) {
        let _ = recv!();
    }
}

fn main() {}
