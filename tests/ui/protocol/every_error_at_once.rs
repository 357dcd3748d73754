#[easynet::protocol(jsno, limit = "x", colour = 3, limit = 5)]
#[derive(serde::Serialize, serde::Deserialize)]
struct Msg;

fn main() {}
