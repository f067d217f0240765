//! Display width of text as psql measures it (`pg_wcswidth`/`pg_wcsformat`): wide East Asian
//! characters take two columns, combining marks none, and control characters are shown escaped.

/// Columns one character occupies on a terminal; `None` for control characters, which psql
/// prints escaped instead.
pub fn char_width(c: char) -> Option<usize> {
    let cp = c as u32;
    if cp == 0 || cp < 0x20 || (0x7f..0xa0).contains(&cp) {
        return None;
    }
    if is_combining(cp) {
        return Some(0);
    }
    Some(if is_wide(cp) { 2 } else { 1 })
}

fn is_combining(cp: u32) -> bool {
    const RANGES: &[(u32, u32)] = &[
        (0x0300, 0x036F),
        (0x0483, 0x0489),
        (0x0591, 0x05BD),
        (0x0610, 0x061A),
        (0x064B, 0x065F),
        (0x200B, 0x200F),
        (0x20D0, 0x20FF),
        (0xFE00, 0xFE0F),
        (0xFE20, 0xFE2F),
    ];
    RANGES.iter().any(|&(lo, hi)| (lo..=hi).contains(&cp))
}

fn is_wide(cp: u32) -> bool {
    const RANGES: &[(u32, u32)] = &[
        (0x1100, 0x115F),
        (0x231A, 0x231B),
        (0x2329, 0x232A),
        (0x23E9, 0x23EC),
        (0x25FD, 0x25FE),
        (0x2614, 0x2615),
        (0x2648, 0x2653),
        (0x26A1, 0x26A1),
        (0x26AA, 0x26AB),
        (0x26BD, 0x26BE),
        (0x26C4, 0x26C5),
        (0x26D4, 0x26D4),
        (0x26EA, 0x26EA),
        (0x26F2, 0x26F5),
        (0x26FA, 0x26FD),
        (0x2705, 0x2705),
        (0x270A, 0x270B),
        (0x2728, 0x2728),
        (0x274C, 0x274C),
        (0x2753, 0x2755),
        (0x2757, 0x2757),
        (0x2795, 0x2797),
        (0x2B1B, 0x2B1C),
        (0x2B50, 0x2B55),
        (0x2E80, 0x303E),
        (0x3041, 0x33FF),
        (0x3400, 0x4DBF),
        (0x4E00, 0x9FFF),
        (0xA000, 0xA4CF),
        (0xA960, 0xA97F),
        (0xAC00, 0xD7A3),
        (0xF900, 0xFAFF),
        (0xFE10, 0xFE19),
        (0xFE30, 0xFE6F),
        (0xFF00, 0xFF60),
        (0xFFE0, 0xFFE6),
        (0x1F004, 0x1F004),
        (0x1F0CF, 0x1F0CF),
        (0x1F18E, 0x1F18E),
        (0x1F191, 0x1F19A),
        (0x1F200, 0x1F251),
        (0x1F300, 0x1F64F),
        (0x1F680, 0x1F6FF),
        (0x1F900, 0x1F9FF),
        (0x1FA70, 0x1FAFF),
        (0x20000, 0x2FFFD),
        (0x30000, 0x3FFFD),
    ];
    RANGES.iter().any(|&(lo, hi)| (lo..=hi).contains(&cp))
}

/// One display line of a cell: the text to print and its width.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub text: String,
    pub width: usize,
}

/// Splits a value into display lines as `pg_wcsformat` does: newlines start a new line, a tab
/// pads to the next multiple of 8, `\r` shows as `\r`, other control characters as `\xNN`.
pub fn format_lines(s: &str) -> Vec<Line> {
    let mut lines = Vec::new();
    let mut text = String::new();
    let mut width = 0usize;
    for c in s.chars() {
        match c {
            '\n' => {
                lines.push(Line {
                    text: std::mem::take(&mut text),
                    width,
                });
                width = 0;
            }
            '\r' => {
                text.push_str("\\r");
                width += 2;
            }
            '\t' => loop {
                text.push(' ');
                width += 1;
                if width.is_multiple_of(8) {
                    break;
                }
            },
            _ => match char_width(c) {
                Some(w) => {
                    text.push(c);
                    width += w;
                }
                None if (c as u32) < 0x80 => {
                    let esc = format!("\\x{:02X}", c as u32);
                    width += esc.len();
                    text.push_str(&esc);
                }
                None => {
                    let esc = format!("\\u{:04X}", c as u32);
                    width += esc.len();
                    text.push_str(&esc);
                }
            },
        }
    }
    lines.push(Line { text, width });
    lines
}

/// Width of the widest line of `s`.
pub fn display_width(s: &str) -> usize {
    format_lines(s).iter().map(|l| l.width).max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths() {
        assert_eq!(display_width("東京"), 4);
        assert_eq!(display_width("café"), 4);
        assert_eq!(display_width("a\nbcd"), 3);
        assert_eq!(display_width("a\tb"), 9);
        assert_eq!(format_lines("x\r")[0].text, "x\\r");
        assert_eq!(format_lines("\u{1}")[0].text, "\\x01");
        assert_eq!(format_lines("ab\n").len(), 2);
    }
}
