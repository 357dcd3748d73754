#[derive(serde::Serialize, serde::Deserialize)]
struct Request;

#[easynet::protocol(json, recv = Request)]
struct Proto;

fn main() {}
