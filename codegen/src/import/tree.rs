//! A schema file as an ordered tree, read from and written to YAML.
//!
//! The importer works on this tree rather than on [`crate::model`] because it
//! must carry over keys it does not know itself (annotations another part of
//! the project adds to the format) and keep the order of a file's keys.

use std::fmt::Write as _;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// A YAML value with its mapping keys in file order.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// `null` or an empty value.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// An integer or a float.
    Num(serde_json::Number),
    /// A string.
    Str(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in file order.
    Map(Vec<(String, Node)>),
}

impl Node {
    /// A string node.
    pub fn str(s: impl Into<String>) -> Node {
        Node::Str(s.into())
    }

    /// A mapping's value for `key`.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// A mapping's value for `key`, mutably.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        match self {
            Node::Map(entries) => entries.iter_mut().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Node::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The items, if this is a sequence.
    pub fn as_seq(&self) -> &[Node] {
        match self {
            Node::Seq(items) => items,
            _ => &[],
        }
    }

    /// A mapping's string value for `key`.
    pub fn get_str(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Node::as_str)
    }

    /// Sets `key` in a mapping, keeping its position when it is already there.
    pub fn set(&mut self, key: &str, value: Node) {
        if let Node::Map(entries) = self {
            match entries.iter_mut().find(|(k, _)| k == key) {
                Some((_, v)) => *v = value,
                None => entries.push((key.to_owned(), value)),
            }
        }
    }

    /// A JSON value as a node (object keys in the JSON value's order).
    pub fn from_json(value: &serde_json::Value) -> Node {
        match value {
            serde_json::Value::Null => Node::Null,
            serde_json::Value::Bool(b) => Node::Bool(*b),
            serde_json::Value::Number(n) => Node::Num(n.clone()),
            serde_json::Value::String(s) => Node::Str(s.clone()),
            serde_json::Value::Array(items) => {
                Node::Seq(items.iter().map(Node::from_json).collect())
            }
            serde_json::Value::Object(map) => Node::Map(
                map.iter()
                    .map(|(k, v)| (k.clone(), Node::from_json(v)))
                    .collect(),
            ),
        }
    }

    /// Reads a YAML document.
    pub fn parse_yaml(text: &str) -> Result<Node, String> {
        serde_saphyr::from_str::<Node>(text).map_err(|e| e.to_string())
    }

    /// Writes the node as a YAML document, after `header` (comment lines).
    pub fn to_yaml(&self, header: &str) -> String {
        let mut out = String::from(header);
        match self {
            Node::Map(entries) => write_map(&mut out, entries, 0),
            other => {
                out.push_str(&inline(other));
                out.push('\n');
            }
        }
        out
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Node, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Node;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any YAML value")
            }
            fn visit_bool<E>(self, v: bool) -> Result<Node, E> {
                Ok(Node::Bool(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Node, E> {
                Ok(Node::Num(v.into()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Node, E> {
                Ok(Node::Num(v.into()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node, E> {
                serde_json::Number::from_f64(v)
                    .map(Node::Num)
                    .ok_or_else(|| E::custom("a number that is not finite"))
            }
            fn visit_str<E>(self, v: &str) -> Result<Node, E> {
                Ok(Node::Str(v.to_owned()))
            }
            fn visit_string<E>(self, v: String) -> Result<Node, E> {
                Ok(Node::Str(v))
            }
            fn visit_unit<E>(self) -> Result<Node, E> {
                Ok(Node::Null)
            }
            fn visit_none<E>(self) -> Result<Node, E> {
                Ok(Node::Null)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
                Node::deserialize(d)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Node::Seq(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
                let mut entries: Vec<(String, Node)> = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, Node>()? {
                    entries.push((k, v));
                }
                Ok(Node::Map(entries))
            }
        }
        d.deserialize_any(V)
    }
}

/// Keys whose mapping values are written on one line (`length: { min: 1, max: 50 }`).
const FLOW_MAPS: &[&str] = &["length", "range", "rate_limit", "pagination"];
/// Keys whose sequences of small mappings are written one mapping a line.
const FLOW_ROWS: &[&str] = &["errors", "values"];

fn write_map(out: &mut String, entries: &[(String, Node)], indent: usize) {
    for (key, value) in entries {
        write_entry(out, key, value, indent);
    }
}

fn pad(out: &mut String, indent: usize) {
    for _ in 0..indent {
        out.push(' ');
    }
}

fn write_entry(out: &mut String, key: &str, value: &Node, indent: usize) {
    pad(out, indent);
    out.push_str(&scalar_str(key, false));
    out.push(':');
    match value {
        Node::Map(entries) if entries.is_empty() => out.push_str(" {}\n"),
        Node::Map(entries) if FLOW_MAPS.contains(&key) && is_flat(value) => {
            let _ = writeln!(out, " {}", flow_map(entries));
        }
        Node::Map(entries) => {
            out.push('\n');
            write_map(out, entries, indent + 2);
        }
        Node::Seq(items) if items.is_empty() => out.push_str(" []\n"),
        Node::Seq(items) if items.iter().all(is_inline_scalar) => {
            let parts: Vec<String> = items.iter().map(inline_flow).collect();
            let _ = writeln!(out, " [{}]", parts.join(", "));
        }
        Node::Seq(items) => {
            out.push('\n');
            let rows = FLOW_ROWS.contains(&key);
            for item in items {
                write_item(out, item, indent + 2, rows);
            }
        }
        Node::Str(s) if s.contains('\n') => write_block(out, s, indent + 2),
        other => {
            out.push(' ');
            out.push_str(&inline(other));
            out.push('\n');
        }
    }
}

fn write_item(out: &mut String, item: &Node, indent: usize, rows: bool) {
    pad(out, indent);
    out.push('-');
    match item {
        Node::Map(entries) if entries.is_empty() => out.push_str(" {}\n"),
        Node::Map(entries) if rows && is_row(item) => {
            let _ = writeln!(out, " {}", flow_map(entries));
        }
        Node::Map(entries) => {
            // The first entry goes on the dash's line; the rest line up under it.
            let mut first = String::new();
            write_entry(&mut first, &entries[0].0, &entries[0].1, indent + 2);
            out.push(' ');
            out.push_str(&first[indent + 2..]);
            write_map(out, &entries[1..], indent + 2);
        }
        Node::Seq(items) if items.is_empty() => out.push_str(" []\n"),
        Node::Seq(items) => {
            out.push('\n');
            for i in items {
                write_item(out, i, indent + 2, false);
            }
        }
        Node::Str(s) if s.contains('\n') => write_block(out, s, indent + 2),
        other => {
            out.push(' ');
            out.push_str(&inline(other));
            out.push('\n');
        }
    }
}

/// A multi-line string: a literal block when its text allows one, else a quoted string.
fn write_block(out: &mut String, s: &str, indent: usize) {
    let body = s.strip_suffix('\n').unwrap_or(s);
    let blockable = !body.is_empty()
        && !body.starts_with([' ', '\t'])
        && !body.ends_with('\n')
        && !s.contains('\r')
        && s.chars()
            .all(|c| c == '\n' || c == '\t' || !needs_escape(c))
        && !body.lines().any(|l| l.ends_with([' ', '\t']));
    if !blockable {
        out.push(' ');
        out.push_str(&quote(s));
        out.push('\n');
        return;
    }
    out.push_str(if s.ends_with('\n') { " |\n" } else { " |-\n" });
    for line in body.split('\n') {
        if !line.is_empty() {
            pad(out, indent);
            out.push_str(line);
        }
        out.push('\n');
    }
}

fn is_inline_scalar(node: &Node) -> bool {
    match node {
        Node::Str(s) => !s.contains('\n'),
        Node::Null | Node::Bool(_) | Node::Num(_) => true,
        _ => false,
    }
}

/// A mapping of scalars and flat mappings (an error row with its `decision`).
fn is_row(node: &Node) -> bool {
    match node {
        Node::Map(entries) => entries
            .iter()
            .all(|(_, v)| is_inline_scalar(v) || is_flat(v)),
        _ => false,
    }
}

fn is_flat(node: &Node) -> bool {
    match node {
        Node::Map(entries) => entries.iter().all(|(_, v)| is_inline_scalar(v)),
        _ => false,
    }
}

fn flow_map(entries: &[(String, Node)]) -> String {
    let parts: Vec<String> = entries
        .iter()
        .map(|(k, v)| format!("{}: {}", scalar_str(k, true), inline_flow(v)))
        .collect();
    format!("{{ {} }}", parts.join(", "))
}

fn inline(node: &Node) -> String {
    render(node, false)
}

fn inline_flow(node: &Node) -> String {
    render(node, true)
}

fn render(node: &Node, flow: bool) -> String {
    match node {
        Node::Null => "null".into(),
        Node::Bool(b) => b.to_string(),
        Node::Num(n) => n.to_string(),
        Node::Str(s) => scalar_str(s, flow),
        Node::Seq(items) => {
            let parts: Vec<String> = items.iter().map(|i| render(i, true)).collect();
            format!("[{}]", parts.join(", "))
        }
        Node::Map(entries) => flow_map(entries),
    }
}

/// A string as a plain scalar when YAML reads it back as the same string, else double-quoted.
fn scalar_str(s: &str, flow: bool) -> String {
    if plain_ok(s, flow) {
        s.to_owned()
    } else {
        quote(s)
    }
}

fn plain_ok(s: &str, flow: bool) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if "-?:,[]{}#&*!|>'\"%@`~ \t".contains(first) {
        return false;
    }
    if s.ends_with([' ', '\t', ':']) || s.contains(": ") || s.contains(" #") {
        return false;
    }
    if flow && s.contains([',', '[', ']', '{', '}']) {
        return false;
    }
    if s.chars()
        .any(|c| needs_escape(c) || c == '\n' || c == '\t' || c == '\r')
    {
        return false;
    }
    let lower = s.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "true"
            | "false"
            | "null"
            | "yes"
            | "no"
            | "on"
            | "off"
            | "y"
            | "n"
            | ".inf"
            | "-.inf"
            | ".nan"
    ) {
        return false;
    }
    // Anything that starts like a number is quoted, so it never reads back as one.
    if first.is_ascii_digit() || first == '.' || first == '+' {
        return false;
    }
    true
}

fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{feff}' | '\u{2028}' | '\u{2029}' | '\u{fffe}' | '\u{ffff}'
        )
}

/// A YAML double-quoted string.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if needs_escape(c) => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn awkward_strings_read_back_unchanged() {
        let strings = [
            "",
            " lead",
            "trail ",
            "a: b",
            "#x",
            "x #y",
            "- item",
            "true",
            "Yes",
            "12454646",
            "0x1f",
            "1.5",
            ".5",
            "null",
            "~",
            "a,b",
            "[x]",
            "{y}",
            "line\nline",
            "line\n",
            "\nlead newline",
            "two\n\n",
            " indented\nblock",
            "tab\there",
            "cr\r\nlf",
            "\u{feff}bom",
            "\u{85}nel",
            "`code`",
            "中文：说明",
            "*bold*",
            "&anchor",
            "!tag",
            "%d",
            "@x",
            "'q'",
            "\"dq\"",
            "back\\slash",
            "trailing space \nnext",
            "end:",
        ];
        for s in strings {
            for flow in [false, true] {
                let node = if flow {
                    Node::Map(vec![(
                        "errors".into(),
                        Node::Seq(vec![Node::Map(vec![("k".into(), Node::str(s))])]),
                    )])
                } else {
                    Node::Map(vec![
                        ("k".into(), Node::str(s)),
                        (s.into(), Node::Bool(true)),
                    ])
                };
                let text = node.to_yaml("");
                assert_eq!(Node::parse_yaml(&text).unwrap(), node, "{s:?} as\n{text}");
            }
        }
    }
}
