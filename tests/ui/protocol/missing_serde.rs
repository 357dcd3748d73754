#[easynet::protocol(json)]
struct NoSerde {
    x: u32,
}

fn main() {}
