use easynet::protocol::Raw;
use easynet::request_handler;
use easynet::udp::server::DatagramClient;

struct Handler;

#[request_handler(protocol = Raw)]
impl Handler {
    async fn handle(&self, client: &mut DatagramClient<Raw>) {
        let _ = (client, recv!());
    }
}

fn main() {}
