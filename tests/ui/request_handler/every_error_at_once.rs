// Every mistake is reported in one pass, each at its token, and the impl block is still
// emitted: `Handler::helper` below resolves, so there is no extra "no function" error.
use easynet::protocol::Raw;
use easynet::request_handler;
use easynet::udp::server::DatagramClient;

struct Handler;

#[request_handler(protocl = Raw)]
impl Handler {
    fn helper() -> u8 {
        1
    }

    fn handle(&mut self, client: &mut DatagramClient<Raw>) {
        let _ = (client, recv!(deadline = 1));
    }

    async fn service_init(&self, service: &mut easynet::handler::ServiceContext) {
        let _ = (service, recv!());
    }
}

fn main() {
    let _ = Handler::helper();
}
