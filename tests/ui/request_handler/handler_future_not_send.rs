use easynet::protocol::Raw;
use easynet::request_handler;
use easynet::udp::server::DatagramClient;

struct Handler;

#[request_handler]
impl Handler {
    async fn handle(&self, client: &mut DatagramClient<Raw>) {
        let not_send = std::rc::Rc::new(1);
        let _ = recv!();
        let _ = (client, not_send);
    }
}

fn main() {}
