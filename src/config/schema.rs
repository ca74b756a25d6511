//! The shape of `gongwen.toml`, checked on a plain TOML tree before anything is deserialized.
//! serde stops at the first unknown key or wrong type and names neither line nor full key;
//! walking the tree against [`ROOT`] finds every one of them, each with the line its key is on.
//!
//! A test keeps [`ROOT`] and the serde types in step: a fully populated [`Config`] serialized
//! to TOML must pass this check, and a file written from this schema must deserialize.
//!
//! [`Config`]: super::Config

use std::cell::Cell;
use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

use chrono::NaiveDate;
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor,
};
use serde::{Deserialize, Deserializer};

use super::{ConfigProblem, parse_utc_offset};

/// What a key holds.
#[derive(Debug, Clone, Copy)]
enum Shape {
    /// A table with these keys, each optional.
    Table(&'static [(&'static str, Shape)]),
    /// A table whose keys the user names (a county, a city), each holding the inner shape.
    Named(&'static Shape),
    Text,
    /// An integer or a float.
    Number,
    /// A whole number (megabytes, seconds).
    Whole,
    /// `"2019-05-28"` or the TOML date `2019-05-28`.
    Date,
    TextList,
    /// One of these strings.
    Choice(&'static [&'static str]),
    /// `"+08:00"`.
    UtcOffset,
    /// `true` or `false`.
    Bool,
}

const ISSUER: &[(&str, Shape)] = &[
    ("issuer", Shape::Text),
    ("red_header", Shape::Text),
    ("doc_number", Shape::Text),
    ("signer", Shape::Text),
    ("addressee", Shape::Text),
    ("cc", Shape::TextList),
    ("printer", Shape::Text),
    ("date", Shape::Date),
    ("printed_on", Shape::Date),
    ("note", Shape::Text),
    ("contact", Shape::Text),
    ("seal_diameter_mm", Shape::Number),
];

const ROOT: &[(&str, Shape)] = &[
    (
        "seal",
        Shape::Table(&[
            ("style", Shape::Choice(&["outline", "none"])),
            ("diameter_mm", Shape::Number),
            ("label", Shape::Text),
        ]),
    ),
    ("defaults", Shape::Table(ISSUER)),
    ("county", Shape::Named(&Shape::Table(ISSUER))),
    ("city", Shape::Named(&Shape::Table(ISSUER))),
    ("province", Shape::Table(ISSUER)),
    ("output", Shape::Table(&[("duplex", Shape::Bool)])),
    (
        "deadlines",
        Shape::Table(&[("county", Shape::Date), ("city", Shape::Date)]),
    ),
    (
        "daemon",
        Shape::Table(&[
            ("utc_offset", Shape::UtcOffset),
            ("render_memory_mb", Shape::Whole),
            ("render_timeout_s", Shape::Whole),
        ]),
    ),
    (
        "progress",
        Shape::Table(&[("report_within_days", Shape::Whole)]),
    ),
];

/// A file that passed the check: where each key is, to locate later problems.
#[derive(Debug, Default)]
pub(super) struct Checked {
    lines: HashMap<String, usize>,
}

impl Checked {
    /// The line of a dotted key, or of the nearest table above it that is in the file.
    pub(super) fn line_of(&self, key: &str) -> Option<usize> {
        let mut key = key;
        loop {
            if let Some(line) = self.lines.get(key) {
                return Some(*line);
            }
            key = &key[..key.rfind('.')?];
        }
    }
}

/// Reads `text` as TOML and checks it against the schema, reporting every problem.
pub(super) fn check(text: &str) -> Result<Checked, Vec<ConfigProblem>> {
    let root: Node = toml::from_str(text).map_err(|e| {
        vec![ConfigProblem {
            line: e.span().map(|span| line_of(text, span.start)),
            key: None,
            message: toml_message(&e),
        }]
    })?;
    let mut walk = Walk {
        text,
        checked: Checked::default(),
        problems: Vec::new(),
    };
    walk.node(&root, Shape::Table(ROOT), "", None);
    if walk.problems.is_empty() {
        Ok(walk.checked)
    } else {
        Err(walk.problems)
    }
}

/// The 1-based line of a byte offset.
pub(super) fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// toml's message on one line, without its quoted source excerpt.
pub(super) fn toml_message(e: &toml::de::Error) -> String {
    let lines: Vec<&str> = e
        .message()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    format!("not valid TOML: {}", lines.join("; "))
}

/// `path.key`, quoting `key` as TOML requires when it is not a bare key (`county."西湖区"`).
pub(super) fn join_key(path: &str, key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    let key = if bare {
        key.to_owned()
    } else {
        format!("\"{}\"", key.replace('\\', "\\\\").replace('"', "\\\""))
    };
    if path.is_empty() {
        key
    } else {
        format!("{path}.{key}")
    }
}

struct Walk<'a> {
    text: &'a str,
    checked: Checked,
    problems: Vec<ConfigProblem>,
}

impl Walk<'_> {
    fn problem(&mut self, line: Option<usize>, key: &str, message: String) {
        self.problems.push(ConfigProblem {
            line,
            key: (!key.is_empty()).then(|| key.to_owned()),
            message,
        });
    }

    fn node(&mut self, node: &Node, shape: Shape, path: &str, line: Option<usize>) {
        match shape {
            Shape::Table(fields) => {
                let Node::Table(entries) = node else {
                    return self.wrong_type(node, "a table", path, line);
                };
                for (key, child) in entries {
                    let child_path = join_key(path, &key.name);
                    let child_line = self.locate(key, &child_path).or(line);
                    match fields.iter().find(|(name, _)| *name == key.name) {
                        Some((_, shape)) => self.node(child, *shape, &child_path, child_line),
                        None => {
                            let message = unknown_key(path, &child_path, &key.name, fields);
                            self.problem(child_line, &child_path, message);
                        }
                    }
                }
            }
            Shape::Named(inner) => {
                let Node::Table(entries) = node else {
                    return self.wrong_type(node, "a table", path, line);
                };
                for (key, child) in entries {
                    let child_path = join_key(path, &key.name);
                    let child_line = self.locate(key, &child_path).or(line);
                    self.node(child, *inner, &child_path, child_line);
                }
            }
            Shape::Whole => {
                if !matches!(node, Node::Integer) {
                    self.wrong_type(node, "a whole number like 1024", path, line);
                }
            }
            Shape::Text => {
                if !matches!(node, Node::Text(_)) {
                    self.wrong_type(node, "a string", path, line);
                }
            }
            Shape::Number => {
                if !matches!(node, Node::Integer | Node::Float) {
                    self.wrong_type(node, "a number of millimetres like 42.0", path, line);
                }
            }
            Shape::Date => {
                let text = match node {
                    Node::Text(text) | Node::Datetime(text) => text,
                    other => return self.wrong_type(other, "a date like 2019-05-28", path, line),
                };
                if NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").is_err() {
                    let message = format!("{path}: 「{text}」is not a date like 2019-05-28");
                    self.problem(line, path, message);
                }
            }
            Shape::TextList => {
                let Node::Array(items) = node else {
                    return self.wrong_type(node, "a list of strings like [\"…\"]", path, line);
                };
                for (i, item) in items.iter().enumerate() {
                    if !matches!(item, Node::Text(_)) {
                        let message =
                            format!("{path}[{i}]: expected a string, found {}", item.kind());
                        self.problem(line, path, message);
                    }
                }
            }
            Shape::Choice(options) => {
                let Node::Text(text) = node else {
                    return self.wrong_type(node, "a string", path, line);
                };
                if !options.contains(&text.as_str()) {
                    let options: Vec<String> = options.iter().map(|o| format!("\"{o}\"")).collect();
                    let message =
                        format!("{path}: \"{text}\" is not one of {}", options.join(", "));
                    self.problem(line, path, message);
                }
            }
            Shape::Bool => {
                if !matches!(node, Node::Boolean) {
                    self.wrong_type(node, "true or false", path, line);
                }
            }
            Shape::UtcOffset => {
                let Node::Text(text) = node else {
                    return self.wrong_type(node, "a string like \"+08:00\"", path, line);
                };
                if let Err(why) = parse_utc_offset(text) {
                    self.problem(line, path, format!("{path}: {why}"));
                }
            }
        }
    }

    /// Remembers the line of `key` (the first place it appears) and returns it.
    fn locate(&mut self, key: &Key, path: &str) -> Option<usize> {
        let line = line_of(self.text, key.start?);
        Some(*self.checked.lines.entry(path.to_owned()).or_insert(line))
    }

    fn wrong_type(&mut self, node: &Node, expected: &str, path: &str, line: Option<usize>) {
        let message = format!("{path}: expected {expected}, found {}", node.kind());
        self.problem(line, path, message);
    }
}

/// "unknown key seal.colour (did you mean seal.color?)", or the keys the table takes.
fn unknown_key(table: &str, path: &str, name: &str, fields: &[(&'static str, Shape)]) -> String {
    let closest = fields
        .iter()
        .map(|(field, _)| (edit_distance(name, field), *field))
        .min()
        .filter(|(distance, field)| {
            *distance <= 2 || (name.len() >= 3 && (field.contains(name) || name.contains(field)))
        });
    match closest {
        Some((_, field)) => format!(
            "unknown key {path} (did you mean {}?)",
            join_key(table, field)
        ),
        None => {
            let known: Vec<&str> = fields.iter().map(|(field, _)| *field).collect();
            let place = if table.is_empty() {
                "the file".to_owned()
            } else {
                format!("[{table}]")
            };
            format!("unknown key {path}; {place} takes {}", known.join(", "))
        }
    }
}

/// Levenshtein distance over characters, for "did you mean".
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous[j] + usize::from(ca != *cb);
            current.push(substitute.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

/// A TOML document as a tree that keeps where each key starts.
#[derive(Debug)]
enum Node {
    Table(Vec<(Key, Node)>),
    Array(Vec<Node>),
    Text(String),
    Integer,
    Float,
    Boolean,
    /// A date, time or date-time literal, as written.
    Datetime(String),
}

impl Node {
    fn kind(&self) -> &'static str {
        match self {
            Node::Table(_) => "a table",
            Node::Array(_) => "a list",
            Node::Text(_) => "a string",
            Node::Integer => "an integer",
            Node::Float => "a float",
            Node::Boolean => "a boolean",
            Node::Datetime(_) => "a date-time",
        }
    }
}

#[derive(Debug)]
struct Key {
    name: String,
    /// Byte offset of the key in the file; toml knows it for every key it parsed.
    start: Option<usize>,
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a TOML value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Node, E> {
        Ok(Node::Boolean)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Node, E> {
        Ok(Node::Integer)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Node, E> {
        Ok(Node::Integer)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Node, E> {
        Ok(Node::Float)
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Node, E> {
        Ok(Node::Text(text.to_owned()))
    }

    fn visit_string<E: de::Error>(self, text: String) -> Result<Node, E> {
        Ok(Node::Text(text))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Node::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key_seed(KeySeed)? {
            // toml hands a date-time to `deserialize_any` as a one-entry map under a
            // private marker key (no position: it is not in the file).
            if key.start.is_none()
                && shapes()
                    .datetime
                    .is_some_and(|marker| marker.fields.first() == Some(&key.name.as_str()))
            {
                return Ok(Node::Datetime(map.next_value()?));
            }
            entries.push((key, map.next_value()?));
        }
        Ok(Node::Table(entries))
    }
}

/// Asks toml for a key with its position, the way `toml::Spanned<String>` does.
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Key;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Key, D::Error> {
        match shapes().spanned {
            Some(spanned) => d.deserialize_struct(spanned.name, spanned.fields, KeyVisitor),
            None => d.deserialize_str(KeyVisitor),
        }
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a TOML key")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<Key, E> {
        Ok(Key {
            name: name.to_owned(),
            start: None,
        })
    }

    /// A spanned key: its start, end and value, under the field names toml uses.
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Key, A::Error> {
        let fields = shapes().spanned.map(|s| s.fields).unwrap_or_default();
        let (mut start, mut name) = (None, None);
        while let Some(field) = map.next_key::<String>()? {
            if fields.first() == Some(&field.as_str()) {
                start = Some(map.next_value::<usize>()?);
            } else if fields.get(2) == Some(&field.as_str()) {
                name = Some(map.next_value::<String>()?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        let name = name.ok_or_else(|| de::Error::missing_field("value"))?;
        Ok(Key { name, start })
    }
}

/// The struct names and fields through which toml passes positions and date-times to serde.
/// They are private to the toml crates, so they are learned once by watching what
/// `toml::Spanned` and `toml::value::Datetime` ask a deserializer for.
struct Shapes {
    spanned: Option<StructShape>,
    datetime: Option<StructShape>,
}

#[derive(Debug, Clone, Copy)]
struct StructShape {
    name: &'static str,
    fields: &'static [&'static str],
}

fn shapes() -> &'static Shapes {
    static SHAPES: OnceLock<Shapes> = OnceLock::new();
    SHAPES.get_or_init(|| Shapes {
        spanned: struct_shape::<toml::Spanned<String>>(),
        datetime: struct_shape::<toml::value::Datetime>(),
    })
}

fn struct_shape<T: DeserializeOwned>() -> Option<StructShape> {
    let seen = Cell::new(None);
    // The probe always fails: only the struct shape it records matters.
    let _ = T::deserialize(ShapeProbe(&seen));
    seen.get()
}

/// A deserializer that records the struct a type asks for, and gives it nothing.
struct ShapeProbe<'a>(&'a Cell<Option<StructShape>>);

impl<'de> Deserializer<'de> for ShapeProbe<'_> {
    type Error = de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
        Err(de::Error::custom("shape probe"))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Self::Error> {
        self.0.set(Some(StructShape { name, fields }));
        Err(de::Error::custom("shape probe"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<String> {
        match check(text) {
            Ok(_) => Vec::new(),
            Err(problems) => problems.iter().map(|p| p.located("gongwen.toml")).collect(),
        }
    }

    #[test]
    fn toml_still_passes_positions_the_way_this_module_reads_them() {
        let spanned = shapes().spanned.expect("toml::Spanned asks for a struct");
        assert_eq!(spanned.fields.len(), 3);
        assert!(shapes().datetime.is_some());
        let checked = check("\n\n[seal]\n\nlabel = \"盖章处\"\n").unwrap();
        assert_eq!(checked.line_of("seal"), Some(3));
        assert_eq!(checked.line_of("seal.label"), Some(5));
    }

    #[test]
    fn every_unknown_key_is_reported_with_its_line_and_path() {
        let text = "[seal]\ncolour = \"red\"\n\n[defaults]\nsigner_name = \"x\"\n\n[county.\"西湖区\"]\ndoc_numbr = \"1\"\n[issuers]\n";
        assert_eq!(
            problems(text),
            [
                "gongwen.toml:2: unknown key seal.colour; [seal] takes style, diameter_mm, label",
                "gongwen.toml:5: unknown key defaults.signer_name (did you mean defaults.signer?)",
                "gongwen.toml:8: unknown key county.\"西湖区\".doc_numbr (did you mean county.\"西湖区\".doc_number?)",
                "gongwen.toml:9: unknown key issuers; the file takes seal, defaults, county, city, province, output, deadlines, daemon, progress",
            ]
        );
    }

    #[test]
    fn wrong_types_name_key_and_line() {
        let text = "[city.\"杭州市\"]\nissuer = 3301\ncc = [\"市政府\", 2]\n[seal]\ndiameter_mm = \"42\"\nstyle = \"round\"\n[deadlines]\ncounty = 2019-05-31T08:00:00\ncity = \"2019/6/30\"\n[daemon]\nutc_offset = 8\n";
        assert_eq!(
            problems(text),
            [
                "gongwen.toml:2: city.\"杭州市\".issuer: expected a string, found an integer",
                "gongwen.toml:3: city.\"杭州市\".cc[1]: expected a string, found an integer",
                "gongwen.toml:5: seal.diameter_mm: expected a number of millimetres like 42.0, found a string",
                "gongwen.toml:6: seal.style: \"round\" is not one of \"outline\", \"none\"",
                "gongwen.toml:8: deadlines.county: 「2019-05-31T08:00:00」is not a date like 2019-05-28",
                "gongwen.toml:9: deadlines.city: 「2019/6/30」is not a date like 2019-05-28",
                "gongwen.toml:11: daemon.utc_offset: expected a string like \"+08:00\", found an integer",
            ]
        );
    }

    #[test]
    fn a_table_where_a_value_belongs_and_dotted_keys() {
        let text = "seal = \"none\"\ndefaults.note = 5\n";
        assert_eq!(
            problems(text),
            [
                "gongwen.toml:1: seal: expected a table, found a string",
                "gongwen.toml:2: defaults.note: expected a string, found an integer",
            ]
        );
    }

    #[test]
    fn a_syntax_error_has_its_line() {
        let found = problems("[seal]\nlabel = \"盖章处\"\n\ndiameter_mm = = 42\n");
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with("gongwen.toml:4: not valid TOML: "),
            "{found:?}"
        );
        let found = problems("[seal]\nlabel = \"a\"\nlabel = \"b\"\n");
        assert!(
            found[0].starts_with("gongwen.toml:3: not valid TOML: duplicate key"),
            "{found:?}"
        );
    }

    /// The other half of `every_key_the_types_write_is_in_the_schema` in `config/mod.rs`: serde
    /// refuses unknown fields, so a schema key the types lack fails here.
    #[test]
    fn a_file_using_every_schema_key_deserializes() {
        fn sample(shape: Shape) -> String {
            match shape {
                Shape::Text => "\"x\"".into(),
                Shape::Number => "42.0".into(),
                Shape::Whole => "512".into(),
                Shape::Date => "\"2019-05-28\"".into(),
                Shape::TextList => "[\"x\"]".into(),
                Shape::Choice(options) => format!("\"{}\"", options[0]),
                Shape::UtcOffset => "\"+08:00\"".into(),
                Shape::Bool => "false".into(),
                Shape::Table(_) | Shape::Named(_) => unreachable!("tables hold values here"),
            }
        }
        let mut text = String::new();
        for (name, shape) in ROOT {
            let (header, fields) = match shape {
                Shape::Table(fields) => (name.to_string(), *fields),
                Shape::Named(Shape::Table(fields)) => (format!("{name}.\"330106\""), *fields),
                other => panic!("{other:?}"),
            };
            text.push_str(&format!("[{header}]\n"));
            for (field, shape) in fields {
                text.push_str(&format!("{field} = {}\n", sample(*shape)));
            }
        }
        assert!(check(&text).is_ok(), "{text}");
        let config: super::super::Config =
            toml::from_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(config.county["330106"].cc, Some(vec!["x".to_owned()]));
    }

    #[test]
    fn keys_are_quoted_as_toml_writes_them() {
        assert_eq!(join_key("", "seal"), "seal");
        assert_eq!(join_key("county", "西湖区"), "county.\"西湖区\"");
        assert_eq!(join_key("county", "330106"), "county.330106");
        assert_eq!(join_key("a", "x\"y"), "a.\"x\\\"y\"");
    }

    #[test]
    fn edit_distance_counts_characters() {
        assert_eq!(edit_distance("colour", "color"), 1);
        assert_eq!(edit_distance("西湖", "西湖区"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
    }
}
