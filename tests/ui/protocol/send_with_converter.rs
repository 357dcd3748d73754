#[derive(Default)]
struct Conv;

#[easynet::protocol(json, converter = Conv, send = u32)]
struct Proto;

fn main() {}
