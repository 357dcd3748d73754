#[easynet::protocol(json)]
fn handler() {}

fn main() {}
