//! What `udp_echo_client` and `udp_echo_client_async` share: the command line, the
//! request, and the tutorial's output format (Python's `repr` of the values).

use serde_json::{Value, json};
use std::time::Duration;

/// The command line: `[--host HOST] [--port PORT] [--timeout SECONDS] [--] ARGS...`.
pub(crate) struct Args {
    pub(crate) host: String,
    pub(crate) port: u16,
    /// How long to wait for the reply; `None` (the default, like the tutorial): forever.
    pub(crate) timeout: Option<Duration>,
    pub(crate) words: Vec<String>,
}

pub(crate) const USAGE: &str = "usage: udp_echo_client [--host HOST] [--port PORT] [--timeout SECONDS] [--] ARGS...\n\
    defaults: --host 127.0.0.1 --port 9000, no timeout";

pub(crate) fn parse_args() -> Result<Args, String> {
    let mut parsed = Args {
        host: "127.0.0.1".to_owned(),
        port: 9000,
        timeout: None,
        words: Vec::new(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value\n{USAGE}"));
        match arg.as_str() {
            "--host" => parsed.host = value()?,
            "--port" => parsed.port = value()?.parse().map_err(|e| format!("--port: {e}"))?,
            "--timeout" => {
                let seconds: f64 = value()?.parse().map_err(|e| format!("--timeout: {e}"))?;
                let timeout =
                    Duration::try_from_secs_f64(seconds).map_err(|e| format!("--timeout: {e}"))?;
                parsed.timeout = Some(timeout);
            }
            "-h" | "--help" => return Err(USAGE.to_owned()),
            "--" => {
                parsed.words.extend(args.by_ref());
            }
            _ => parsed.words.push(arg),
        }
    }
    Ok(parsed)
}

/// The tutorial's request: `{"command-line arguments": [...]}`.
pub(crate) fn request(words: &[String]) -> Value {
    json!({ "command-line arguments": words })
}

/// The tutorial client's two lines, byte for byte (it prints Python values).
pub(crate) fn print_exchange(sent: &Value, received: &Value) {
    println!("Sent:     {}", python_repr(sent));
    println!("Received: {}", python_repr(received));
}

/// An error and its causes, on one line.
pub(crate) fn report(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// How Python's `repr()` prints the value `json.loads` would give: `{'key': [1, 'a', True, None]}`.
///
/// Exact for what JSON carries, except floats that Python writes differently (such as
/// `1e+20`, written `1e20` here) and the rarer non-printable code points, which Python
/// escapes.
pub(crate) fn python_repr(value: &Value) -> String {
    let mut out = String::new();
    write_repr(value, &mut out);
    out
}

fn write_repr(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("None"),
        Value::Bool(true) => out.push_str("True"),
        Value::Bool(false) => out.push_str("False"),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => write_str_repr(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_repr(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_str_repr(key, out);
                out.push_str(": ");
                write_repr(item, out);
            }
            out.push('}');
        }
    }
}

/// Python's `str.__repr__`: single quotes, unless the text has some and no double quotes.
fn write_str_repr(s: &str, out: &mut String) {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() || (c.is_whitespace() && c != ' ') => {
                let code = u32::from(c);
                let escaped = if code <= 0xff {
                    format!("\\x{code:02x}")
                } else if code <= 0xffff {
                    format!("\\u{code:04x}")
                } else {
                    format!("\\U{code:08x}")
                };
                out.push_str(&escaped);
            }
            c => out.push(c),
        }
    }
    out.push(quote);
}
