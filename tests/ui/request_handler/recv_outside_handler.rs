fn not_a_handler() {
    let _ = easynet::recv!();
}

fn main() {
    not_a_handler();
}
