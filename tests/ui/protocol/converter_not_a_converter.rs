struct NotAConverter;

#[easynet::protocol(json, converter = NotAConverter)]
struct Proto;

fn main() {}
