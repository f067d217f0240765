//! The console's statement history, navigated with Up/Down like a shell.

/// Past inputs plus a cursor; `draft` keeps what was typed before browsing started.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct History {
    entries: Vec<String>,
    /// `None`: not browsing; `Some(i)`: showing `entries[i]`.
    cursor: Option<usize>,
    draft: String,
}

impl History {
    /// Records a run input (skipping blanks and immediate repeats) and stops browsing.
    pub fn push(&mut self, input: &str) {
        let input = input.trim_end();
        self.cursor = None;
        self.draft.clear();
        if input.trim().is_empty() || self.entries.last().map(String::as_str) == Some(input) {
            return;
        }
        self.entries.push(input.to_string());
    }

    /// Up: the previous entry, or `None` when there is nothing older.
    pub fn older(&mut self, current: &str) -> Option<String> {
        let next = match self.cursor {
            None => {
                self.draft = current.to_string();
                self.entries.len().checked_sub(1)?
            }
            Some(i) => i.checked_sub(1)?,
        };
        self.cursor = Some(next);
        self.entries.get(next).cloned()
    }

    /// Down: the next entry, then the draft again; `None` when not browsing.
    pub fn newer(&mut self) -> Option<String> {
        let i = self.cursor?;
        if i + 1 < self.entries.len() {
            self.cursor = Some(i + 1);
            self.entries.get(i + 1).cloned()
        } else {
            self.cursor = None;
            Some(std::mem::take(&mut self.draft))
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Whether the caret (a UTF-16 offset, as the DOM reports it) is on the first line of `text`.
pub fn caret_on_first_line(text: &str, caret_utf16: usize) -> bool {
    !prefix_utf16(text, caret_utf16).contains('\n')
}

/// Whether the caret is on the last line of `text`.
pub fn caret_on_last_line(text: &str, caret_utf16: usize) -> bool {
    let prefix = prefix_utf16(text, caret_utf16);
    !text[prefix.len()..].contains('\n')
}

/// The prefix of `text` up to a UTF-16 offset, clamped to the text (never panics).
fn prefix_utf16(text: &str, caret_utf16: usize) -> &str {
    let mut units = 0;
    for (i, ch) in text.char_indices() {
        if units >= caret_utf16 {
            return &text[..i];
        }
        units += ch.len_utf16();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browse_back_and_forth() {
        let mut h = History::default();
        h.push("SELECT 1;");
        h.push("SELECT 2;");
        h.push("SELECT 2;");
        h.push("   ");
        assert_eq!(h.len(), 2);
        assert_eq!(h.older("draft").as_deref(), Some("SELECT 2;"));
        assert_eq!(h.older("ignored").as_deref(), Some("SELECT 1;"));
        assert_eq!(h.older("ignored"), None);
        assert_eq!(h.newer().as_deref(), Some("SELECT 2;"));
        assert_eq!(h.newer().as_deref(), Some("draft"));
        assert_eq!(h.newer(), None);
    }

    #[test]
    fn empty_history() {
        let mut h = History::default();
        assert!(h.is_empty());
        assert_eq!(h.older("x"), None);
        assert_eq!(h.newer(), None);
    }

    #[test]
    fn caret_lines() {
        let t = "SELECT\n  é😀\nFROM t";
        assert!(caret_on_first_line(t, 0));
        assert!(caret_on_first_line(t, 6));
        assert!(!caret_on_first_line(t, 7));
        assert!(!caret_on_last_line(t, 7));
        // "SELECT\n" = 7, "  é😀" = 2 + 1 + 2 UTF-16 units, "\n" = 1
        assert!(caret_on_last_line(t, 13));
        assert!(!caret_on_last_line(t, 12));
        assert!(caret_on_last_line(t, 1000));
        assert!(caret_on_first_line("", 5));
    }
}
