#[easynet::protocol(json, keep_end = true)]
#[derive(serde::Serialize, serde::Deserialize)]
struct Msg;

fn main() {}
