#[easynet::protocol(json, limit = 1024, limit = 2048)]
#[derive(serde::Serialize, serde::Deserialize)]
struct Msg {
    x: u32,
}

fn main() {}
