use easynet::request_handler;

struct Handler;

#[request_handler]
impl Handler {
    async fn handle(&self, client: &mut String) {
        let _ = (client, recv!());
    }
}

fn main() {}
