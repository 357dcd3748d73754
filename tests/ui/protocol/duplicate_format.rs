#[easynet::protocol(json, cbor)]
#[derive(serde::Serialize, serde::Deserialize)]
struct Msg {
    x: u32,
}

fn main() {}
