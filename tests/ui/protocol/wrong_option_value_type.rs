#[easynet::protocol(json, limit = "64 KiB")]
#[derive(serde::Serialize, serde::Deserialize)]
struct Msg {
    x: u32,
}

#[easynet::protocol(line, keep_end = 1)]
struct Lines;

fn main() {}
