#[easynet::protocol(json, limt = 4096)]
#[derive(serde::Serialize, serde::Deserialize)]
struct Msg {
    x: u32,
}

fn main() {}
