use easynet::protocol::Packet;

#[derive(serde::Serialize, serde::Deserialize)]
struct Plain;

fn protocol_of<T: Packet>() -> T::Protocol {
    T::protocol()
}

fn main() {
    let _ = protocol_of::<Plain>();
}
