struct NoSerde;

#[easynet::protocol(json, send = NoSerde)]
struct Proto;

fn main() {}
