//! Helpers shared by the `udp_client_*` tests (blocking and async clients alike).
#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use easynet::udp::client::UdpClientError;

/// Checks what a drain yielded after `recv_packet` took the `0`: `1` … `49` in order,
/// then the parse error for `"oops"` (yielded, not swallowed), then `50` (the iteration
/// went on after it).
pub fn assert_drained_in_order(drained: &[Result<u32, UdpClientError>]) {
    assert_eq!(drained.len(), 51);
    for (i, item) in drained[..49].iter().enumerate() {
        assert_eq!(*item.as_ref().unwrap(), i as u32 + 1);
    }
    assert_eq!(
        &drained[49]
            .as_ref()
            .unwrap_err()
            .parse_error()
            .unwrap()
            .bytes()[..],
        b"oops"
    );
    assert_eq!(*drained[50].as_ref().unwrap(), 50);
}
