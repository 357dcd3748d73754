use easynet::protocol::Raw;
use easynet::request_handler;
use easynet::udp::server::DatagramClient;

struct Handler;

#[request_handler]
impl Handler {
    async fn handle(&self, client: &mut DatagramClient<Raw>) {
        let _ = (client, recv!());
    }

    async fn service_init(&self, service: &mut easynet::handler::ServiceContext) {
        let _ = (service, recv!());
    }
}

fn main() {}
