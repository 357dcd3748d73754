use easynet::protocol::Raw;
use easynet::request_handler;
use easynet::udp::server::DatagramClient;

struct Handler;

#[request_handler]
impl Handler {
    fn handle(&self, client: &mut DatagramClient<Raw>) {
        let _ = client;
    }
}

fn main() {}
