use easynet::protocol::Raw;
use easynet::request_handler;
use easynet::udp::server::DatagramClient;

struct Handler;

#[request_handler]
impl Handler {
    async fn handle(&self, client: &mut DatagramClient<Raw>) -> u32 {
        let _ = (client, recv!());
        7
    }
}

fn main() {}
