//! The fast path for `$regex`: a pattern that `GLOB` or `LIKE` can express
//! (anchors, `.`, `.*`, `.+` and literal text) runs as one, because SQLite
//! can use an index for a literal prefix and skips a function call per row;
//! every other pattern runs under `REGEXP`. (Unlike in a regex, `.` in
//! `GLOB`/`LIKE` also matches a line break, and `LIKE` folds ASCII case
//! only.)

use cairn_core::filter::Regex;

/// A regex as SQLite runs it: a `GLOB` pattern (case-sensitive) or a
/// `LIKE` pattern (ASCII case-insensitive, escaped with `\`) where the regex
/// is that simple (unlike in a regex, `.` then also matches a line break),
/// else the regex itself under `REGEXP`.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Pattern {
    pub text: String,
    kind: PatternKind,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum PatternKind {
    Glob,
    Like,
    Regexp,
}

/// One step of a regex Cairn can evaluate.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Piece {
    Literal(char),
    /// `.`
    One,
    /// `.*`
    Many,
}

impl Pattern {
    /// How `regex` runs: `GLOB` without flags, `LIKE` with just `i`, where
    /// the pattern is that simple; otherwise `REGEXP` on the checked pattern.
    pub(super) fn of(regex: &Regex) -> Pattern {
        let simple = match regex.flags.as_str() {
            "" => Pattern::from_regex(&regex.source, false).ok(),
            "i" => Pattern::from_regex(&regex.source, true).ok(),
            _ => None,
        };
        simple.unwrap_or_else(|| Pattern {
            text: regex.pattern.clone(),
            kind: PatternKind::Regexp,
        })
    }

    /// `Err` names the first regex feature GLOB and LIKE cannot express.
    fn from_regex(regex: &str, insensitive: bool) -> Result<Pattern, String> {
        let (anchored_start, pieces, anchored_end) = regex_pieces(regex)?;
        let (any_one, any_run) = if insensitive { ("_", "%") } else { ("?", "*") };
        let mut text = String::new();
        if !anchored_start {
            text.push_str(any_run);
        }
        for piece in pieces {
            match piece {
                Piece::One => text.push_str(any_one),
                Piece::Many => text.push_str(any_run),
                Piece::Literal(c) if insensitive => push_like_literal(&mut text, c),
                Piece::Literal(c) => push_glob_literal(&mut text, c),
            }
        }
        if !anchored_end {
            text.push_str(any_run);
        }
        Ok(Pattern {
            text,
            kind: if insensitive {
                PatternKind::Like
            } else {
                PatternKind::Glob
            },
        })
    }

    /// The test to apply to a value, with one `?` for [`Pattern::text`].
    pub(super) fn sql(&self) -> &'static str {
        match self.kind {
            PatternKind::Like => crate::dialect::LIKE,
            PatternKind::Glob => crate::dialect::GLOB,
            PatternKind::Regexp => crate::dialect::REGEXP,
        }
    }
}

fn push_glob_literal(text: &mut String, c: char) {
    match c {
        '*' => text.push_str("[*]"),
        '?' => text.push_str("[?]"),
        '[' => text.push_str("[[]"),
        c => text.push(c),
    }
}

fn push_like_literal(text: &mut String, c: char) {
    if matches!(c, '%' | '_' | '\\') {
        text.push('\\');
    }
    text.push(c);
}

/// A regex as (anchored at the start, pieces, anchored at the end).
fn regex_pieces(regex: &str) -> Result<(bool, Vec<Piece>, bool), String> {
    let mut chars = regex.chars().peekable();
    let anchored_start = chars.next_if_eq(&'^').is_some();
    let mut anchored_end = false;
    let mut pieces = Vec::new();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                None => return Err("a trailing backslash".into()),
                Some(e) if e.is_ascii_alphanumeric() => {
                    return Err(format!("the escape \"\\{e}\""));
                }
                Some(e) => pieces.push(Piece::Literal(e)),
            },
            '.' => {
                if chars.next_if_eq(&'*').is_some() {
                    pieces.push(Piece::Many);
                } else if chars.next_if_eq(&'+').is_some() {
                    pieces.extend([Piece::One, Piece::Many]);
                } else {
                    pieces.push(Piece::One);
                }
                // Lazy `.*?` and `.+?` match the same strings.
                if pieces.last() == Some(&Piece::Many) {
                    chars.next_if_eq(&'?');
                }
            }
            '$' if chars.peek().is_none() => anchored_end = true,
            '^' | '$' => return Err(format!("\"{c}\" other than at the ends")),
            '*' | '+' | '?' | '{' => return Err(format!("the quantifier \"{c}\"")),
            '[' => return Err("a character class \"[…]\"".into()),
            '(' | ')' => return Err("a group \"(…)\"".into()),
            '|' => return Err("alternation \"|\"".into()),
            c => pieces.push(Piece::Literal(c)),
        }
    }
    Ok((anchored_start, pieces, anchored_end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regexes_translate_to_escaped_patterns() {
        let glob = |regex| Pattern::from_regex(regex, false).map(|p| p.text);
        let like = |regex| Pattern::from_regex(regex, true).map(|p| p.text);
        assert_eq!(glob(r"^50%_off\.$").unwrap(), "50%_off.");
        assert_eq!(like(r"^50%_off\.$").unwrap(), r"50\%\_off.");
        assert_eq!(glob(r"a\*\?\[").unwrap(), "*a[*][?][[]*");
        assert_eq!(like(r"a\\b").unwrap(), r"%a\\b%");
        assert_eq!(glob("^x.*?y.+z").unwrap(), "x*y?*z*");
        assert_eq!(glob("a?").unwrap_err(), "the quantifier \"?\"");
        assert_eq!(glob("a|b").unwrap_err(), "alternation \"|\"");
        assert_eq!(glob(r"\d").unwrap_err(), "the escape \"\\d\"");
        assert_eq!(glob("a^b").unwrap_err(), "\"^\" other than at the ends");
    }
}
