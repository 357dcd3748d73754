#[derive(serde::Serialize, serde::Deserialize)]
struct Reply;

#[easynet::protocol(json, send = Reply)]
struct Proto {
    state: u32,
}

fn main() {}
