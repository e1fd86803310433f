//! The `.npy` header: a Python dict literal such as
//! `{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }`, parsed by a tiny parser for
//! just the literals NumPy writes (strings, `True`/`False`, tuples of integers).

use crate::dtype::DType;

use super::{NpyError, NpyErrorKind};

/// What the header dict says.
pub(super) struct Header {
    pub dtype: DType,
    pub big_endian: bool,
    pub fortran_order: bool,
    pub shape: Vec<usize>,
}

/// A Python literal as it appears in a header.
enum Value {
    Str(String),
    Bool(bool),
    Tuple(Vec<usize>),
    /// Anything else (a list, a number, …), kept as text for the error message.
    Other(String),
}

impl std::fmt::Display for Value {
    /// The value as Python would write it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Str(s) => write!(f, "'{}'", s.escape_debug()),
            Value::Bool(true) => f.write_str("True"),
            Value::Bool(false) => f.write_str("False"),
            Value::Tuple(dims) if dims.len() == 1 => write!(f, "({},)", dims[0]),
            Value::Tuple(dims) => {
                let dims: Vec<String> = dims.iter().map(usize::to_string).collect();
                write!(f, "({})", dims.join(", "))
            }
            Value::Other(text) => write!(f, "{}", text.trim().escape_debug()),
        }
    }
}

struct Parser<'a> {
    chars: Vec<char>,
    pos: usize,
    text: &'a str,
}

impl Parser<'_> {
    fn skip_ws(&mut self) {
        while self.chars.get(self.pos).is_some_and(|c| c.is_whitespace()) {
            self.pos += 1;
        }
    }

    fn peek(&mut self) -> Option<char> {
        self.skip_ws();
        self.chars.get(self.pos).copied()
    }

    fn expect(&mut self, c: char) -> Result<(), NpyError> {
        match self.peek() {
            Some(got) if got == c => {
                self.pos += 1;
                Ok(())
            }
            Some(got) => Err(NpyError::malformed(format!(
                "expected '{c}' but found '{got}' in {:?}",
                self.text
            ))),
            None => Err(NpyError::malformed(format!(
                "expected '{c}' but the header ended: {:?}",
                self.text
            ))),
        }
    }

    fn string(&mut self) -> Result<String, NpyError> {
        let quote = self.peek();
        let Some(quote @ ('\'' | '"')) = quote else {
            return Err(NpyError::malformed(format!(
                "expected a quoted key in {:?}",
                self.text
            )));
        };
        self.pos += 1;
        let mut s = String::new();
        loop {
            match self.chars.get(self.pos) {
                None => return Err(NpyError::malformed("unterminated string")),
                Some(&c) if c == quote => {
                    self.pos += 1;
                    return Ok(s);
                }
                Some('\\') => {
                    let escaped = self.chars.get(self.pos + 1).copied();
                    s.push(escaped.ok_or_else(|| NpyError::malformed("unterminated string"))?);
                    self.pos += 2;
                }
                Some(&c) => {
                    s.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    fn word(&mut self) -> String {
        self.skip_ws();
        let start = self.pos;
        while self
            .chars
            .get(self.pos)
            .is_some_and(|c| c.is_alphanumeric() || *c == '_')
        {
            self.pos += 1;
        }
        self.chars[start..self.pos].iter().collect()
    }

    fn tuple(&mut self) -> Result<Vec<usize>, NpyError> {
        self.expect('(')?;
        let mut dims = Vec::new();
        let mut trailing_comma = false;
        while self.peek() != Some(')') {
            let w = self.word();
            // Python 2 wrote longs with an `L` suffix; old files still have it.
            let digits = w.strip_suffix(['L', 'l']).unwrap_or(&w);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(NpyError::malformed(format!(
                    "shape must be a tuple of non-negative integers, found {:?}",
                    self.text
                )));
            }
            let d = digits.parse::<usize>().map_err(|_| {
                NpyError::malformed(format!("shape dimension {digits} is too large"))
            })?;
            dims.push(d);
            trailing_comma = self.peek() == Some(',');
            if trailing_comma {
                self.pos += 1;
            } else if self.peek() != Some(')') {
                return Err(NpyError::malformed(format!(
                    "shape must be a tuple of non-negative integers, found {:?}",
                    self.text
                )));
            }
        }
        self.pos += 1;
        // `(3)` is the integer 3 in Python, not a tuple.
        if dims.len() == 1 && !trailing_comma {
            return Err(NpyError::malformed(
                "shape must be a tuple, found (n) without a comma",
            ));
        }
        Ok(dims)
    }

    /// Skips a bracketed or bare value that we do not understand, returning its text.
    fn other(&mut self) -> String {
        let start = self.pos;
        let mut depth = 0i32;
        let mut quote = None;
        while let Some(&c) = self.chars.get(self.pos) {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '\'' | '"') => quote = Some(c),
                (None, '[' | '(' | '{') => depth += 1,
                (None, ']' | ')' | '}') if depth > 0 => depth -= 1,
                (None, ',' | '}') if depth == 0 => break,
                _ => {}
            }
            self.pos += 1;
        }
        self.chars[start..self.pos].iter().collect()
    }

    fn value(&mut self) -> Result<Value, NpyError> {
        match self.peek() {
            Some('\'' | '"') => Ok(Value::Str(self.string()?)),
            Some('(') => Ok(Value::Tuple(self.tuple()?)),
            Some(_) => {
                let start = self.pos;
                match self.word().as_str() {
                    "True" => Ok(Value::Bool(true)),
                    "False" => Ok(Value::Bool(false)),
                    _ => {
                        self.pos = start;
                        Ok(Value::Other(self.other()))
                    }
                }
            }
            None => Err(NpyError::malformed("the header ended inside the dict")),
        }
    }
}

pub(super) fn parse_header(text: &str) -> Result<Header, NpyError> {
    // Error messages quote the header, cut short so that a huge corrupt one stays readable.
    let shown = text.trim_end();
    let shown = match shown.char_indices().nth(200) {
        Some((cut, _)) => &shown[..cut],
        None => shown,
    };
    let mut p = Parser {
        chars: text.chars().collect(),
        pos: 0,
        text: shown,
    };
    p.expect('{')?;
    let (mut descr, mut fortran, mut shape) = (None, None, None);
    while p.peek() != Some('}') {
        if p.peek().is_none() {
            return Err(NpyError::malformed(format!(
                "the dict is not closed (no '}}') in {:?}",
                p.text
            )));
        }
        let key = p.string()?;
        p.expect(':')?;
        let value = p.value()?;
        let slot = match key.as_str() {
            "descr" => &mut descr,
            "fortran_order" => &mut fortran,
            "shape" => &mut shape,
            other => {
                return Err(NpyError::malformed(format!("unexpected key '{other}'")));
            }
        };
        if slot.replace(value).is_some() {
            return Err(NpyError::malformed(format!("duplicate key '{key}'")));
        }
        if p.peek() == Some(',') {
            p.pos += 1;
        } else if p.peek() != Some('}') {
            return Err(NpyError::malformed(format!(
                "expected ',' or '}}' in {:?}",
                p.text
            )));
        }
    }
    p.pos += 1;
    if p.peek().is_some() {
        return Err(NpyError::malformed(format!(
            "unexpected text after the dict in {:?}",
            p.text
        )));
    }
    let missing = |k: &str| NpyError::malformed(format!("missing key '{k}'"));
    let (dtype, big_endian) = match descr.ok_or_else(|| missing("descr"))? {
        Value::Str(s) => parse_descr(&s)?,
        Value::Other(s) => return Err(NpyError::new(NpyErrorKind::UnsupportedDtype(s))),
        v => {
            return Err(NpyError::malformed(format!(
                "'descr' is {v}, not a dtype string such as '<f8'"
            )));
        }
    };
    let fortran_order = match fortran.ok_or_else(|| missing("fortran_order"))? {
        Value::Bool(b) => b,
        v => {
            return Err(NpyError::malformed(format!(
                "'fortran_order' is {v}, not True or False"
            )));
        }
    };
    let shape = match shape.ok_or_else(|| missing("shape"))? {
        Value::Tuple(dims) => dims,
        v => {
            return Err(NpyError::malformed(format!(
                "'shape' is {v}, not a tuple of non-negative integers"
            )));
        }
    };
    Ok(Header {
        dtype,
        big_endian,
        fortran_order,
        shape,
    })
}

/// Parses a dtype string such as `<f8`: returns the dtype and whether it is big-endian.
fn parse_descr(descr: &str) -> Result<(DType, bool), NpyError> {
    let unsupported = || NpyError::new(NpyErrorKind::UnsupportedDtype(descr.to_string()));
    let (order, code) = match descr.chars().next() {
        Some(c @ ('<' | '>' | '|' | '=')) => (c, &descr[1..]),
        // No byte-order mark means native order, like '='.
        _ => ('=', descr),
    };
    let dtype = match code {
        "b1" | "?" => DType::Bool,
        "i4" => DType::I32,
        "i8" => DType::I64,
        "f4" => DType::F32,
        "f8" => DType::F64,
        "c8" => DType::C64,
        "c16" => DType::C128,
        _ => return Err(unsupported()),
    };
    // '|' means "byte order does not apply", which is only true of one-byte types; on a wider
    // type we cannot know the order, so we refuse rather than guess. '=' is native order:
    // np.save never writes it (it writes '<' or '>'), and every platform we run on is
    // little-endian.
    let big_endian = match order {
        '>' => true,
        '|' if dtype.itemsize() > 1 => {
            return Err(NpyError::new(NpyErrorKind::NoByteOrder(descr.to_string())));
        }
        _ => false,
    };
    Ok((dtype, big_endian))
}
