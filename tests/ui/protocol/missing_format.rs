#[easynet::protocol(limit = 10)]
#[derive(serde::Serialize, serde::Deserialize)]
struct Msg;

fn main() {}
