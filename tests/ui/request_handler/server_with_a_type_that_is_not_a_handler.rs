use easynet::protocol::Raw;
use easynet::udp::server::UdpServer;

struct NotAHandler;

async fn serve() {
    let _ = UdpServer::bind("127.0.0.1:0", Raw, NotAHandler).await;
}

fn main() {
    let _ = serve();
}
