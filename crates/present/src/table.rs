//! One table type, drawn two ways: Markdown for the reports and the book, aligned
//! plain text for the terminal.

use unicode_width::UnicodeWidthStr;

/// How a column's cells line up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Text: flush left.
    Left,
    /// Numbers: flush right.
    Right,
}

/// A table: headers with their alignment, then rows of cells. A row shorter than
/// the headers leaves its last cells blank.
///
/// ```
/// use pipeline_present::{Align, Table};
///
/// let mut table = Table::new([("pipeline", Align::Left), ("wall", Align::Right)]);
/// table.row(["blocking", "850 µs"]);
/// table.row(["spinning", "1.07 ms"]);
/// assert_eq!(
///     table.to_text(),
///     "pipeline     wall\nblocking   850 µs\nspinning  1.07 ms\n"
/// );
/// assert_eq!(
///     table.to_markdown(),
///     "| pipeline | wall |\n|---|---:|\n| blocking | 850 µs |\n| spinning | 1.07 ms |\n"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    columns: Vec<(String, Align)>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// An empty table with these column headers.
    pub fn new<S: Into<String>>(columns: impl IntoIterator<Item = (S, Align)>) -> Table {
        Table {
            columns: columns
                .into_iter()
                .map(|(header, align)| (header.into(), align))
                .collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row. Cells past the last column are dropped; missing ones are blank.
    pub fn row<S: Into<String>>(&mut self, cells: impl IntoIterator<Item = S>) {
        let mut row: Vec<String> = cells
            .into_iter()
            .take(self.columns.len())
            .map(Into::into)
            .collect();
        row.resize(self.columns.len(), String::new());
        self.rows.push(row);
    }

    /// How many rows the table has (the header row not counted).
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether the table has no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The header row and then the rows.
    fn lines(&self) -> impl Iterator<Item = Vec<&str>> {
        std::iter::once(self.columns.iter().map(|(h, _)| h.as_str()).collect()).chain(
            self.rows
                .iter()
                .map(|r| r.iter().map(String::as_str).collect()),
        )
    }

    /// The table as GitHub-flavoured Markdown: `| a | b |` lines, the rule after the
    /// header saying each column's alignment (`---` or `---:`). A `|` inside a cell
    /// is escaped.
    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        for (index, cells) in self.lines().enumerate() {
            let cells: Vec<String> = cells.iter().map(|c| c.replace('|', "\\|")).collect();
            out.push_str("| ");
            out.push_str(&cells.join(" | "));
            out.push_str(" |\n");
            if index == 0 {
                let rule: Vec<&str> = self
                    .columns
                    .iter()
                    .map(|(_, align)| match align {
                        Align::Left => "---",
                        Align::Right => "---:",
                    })
                    .collect();
                out.push('|');
                out.push_str(&rule.join("|"));
                out.push_str("|\n");
            }
        }
        out
    }

    /// The table as aligned plain text for a terminal: columns two spaces apart,
    /// each as wide as its widest cell as a terminal draws it (`µs` and `—` take one
    /// column, most CJK characters two), no spaces at the end of a line.
    pub fn to_text(&self) -> String {
        let mut widths = vec![0; self.columns.len()];
        for cells in self.lines() {
            for (width, cell) in widths.iter_mut().zip(&cells) {
                *width = (*width).max(cell.width());
            }
        }
        let mut out = String::new();
        for cells in self.lines() {
            let mut line = String::new();
            for (column, cell) in cells.iter().enumerate() {
                if column > 0 {
                    line.push_str("  ");
                }
                let pad = " ".repeat(widths[column] - cell.width());
                match self.columns[column].1 {
                    Align::Left => {
                        line.push_str(cell);
                        line.push_str(&pad);
                    }
                    Align::Right => {
                        line.push_str(&pad);
                        line.push_str(cell);
                    }
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Align::{Left, Right};

    #[test]
    fn columns_line_up() {
        let mut table = Table::new([("name", Left), ("n", Right)]);
        table.row(["a", "1000"]);
        table.row(["longer", "7"]);
        assert_eq!(
            table.to_text(),
            "name       n\na       1000\nlonger     7\n"
        );
    }

    #[test]
    fn wide_characters_are_measured_as_a_terminal_draws_them() {
        let mut table = Table::new([("what", Left), ("time", Right), ("note", Left)]);
        table.row(["µs", "850 µs", "—"]);
        table.row(["큐", "1.07 ms", "ok"]);
        let text = table.to_text();
        assert_eq!(
            text,
            "what     time  note\nµs     850 µs  —\n큐    1.07 ms  ok\n"
        );
        let widths: Vec<usize> = text
            .lines()
            .map(|line| line.split("  ").next().unwrap().width())
            .collect();
        assert_eq!(widths, [4, 2, 2]);
    }

    #[test]
    fn short_rows_are_blank_at_the_end_and_lines_have_no_trailing_spaces() {
        let mut table = Table::new([("a", Left), ("b", Left), ("c", Right)]);
        table.row(["x"]);
        table.row(["", "", "1"]);
        table.row(["y", "z", "2", "dropped"]);
        assert_eq!(table.len(), 3);
        assert_eq!(table.to_text(), "a  b  c\nx\n      1\ny  z  2\n");
        assert_eq!(
            table.to_markdown(),
            "| a | b | c |\n|---|---|---:|\n| x |  |  |\n|  |  | 1 |\n| y | z | 2 |\n"
        );
    }

    #[test]
    fn markdown_escapes_pipes_and_marks_alignment() {
        let mut table = Table::new([("name", Left), ("value", Right)]);
        assert!(table.is_empty());
        table.row(["a|b", "1"]);
        assert_eq!(
            table.to_markdown(),
            "| name | value |\n|---|---:|\n| a\\|b | 1 |\n"
        );
    }

    #[test]
    fn a_table_without_rows_is_its_header() {
        let table = Table::new([("only", Right)]);
        assert_eq!(table.to_text(), "only\n");
        assert_eq!(table.to_markdown(), "| only |\n|---:|\n");
    }
}
