// Compiled only when the `cbor` feature is off (see tests/compiletest.rs).
#[easynet::protocol(cbor)]
#[derive(serde::Serialize, serde::Deserialize)]
struct Msg {
    x: u32,
}

fn main() {}
