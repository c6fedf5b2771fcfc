//! Column alignment with the semantics of Go's `text/tabwriter` (in the variant kubectl vendors,
//! which adds `RememberWidths`).
//!
//! Text is a sequence of cells. A tab ends a cell, a newline ends a line, and the text after
//! the last tab of a line is not part of any column. A column block is a run of consecutive
//! lines that all have a cell in that column; each block is as wide as its widest cell plus
//! the padding. A line with a single cell ends every block, so the writer flushes there.

/// Cells are padded on the left instead of the right.
pub const ALIGN_RIGHT: u32 = 1 << 2;
/// Columns whose cells are all empty and were ended by a vertical tab get zero width.
pub const DISCARD_EMPTY_COLUMNS: u32 = 1 << 3;
/// Leading empty cells are padded with tabs whatever the padding character.
pub const TAB_INDENT: u32 = 1 << 4;
/// HTML tags count as zero width and entities as one character.
pub const FILTER_HTML: u32 = 1 << 0;
/// Column widths seen before a flush are kept as minimums after it.
pub const REMEMBER_WIDTHS: u32 = 1 << 6;

/// The parameters of a writer, as given to Go's `tabwriter.NewWriter`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TabConfig {
    /// Minimal width of a column, padding included.
    pub minwidth: usize,
    /// Width of a tab when the padding character is a tab.
    pub tabwidth: usize,
    /// Added to the widest cell of a column.
    pub padding: usize,
    /// The padding character (ASCII).
    pub padchar: char,
    /// A union of the flag constants of this module.
    pub flags: u32,
}

impl TabConfig {
    /// The writer `kubectl get` prints tables with (cli-runtime's `GetNewTabWriter`).
    pub const KUBECTL_GET: TabConfig = TabConfig {
        minwidth: 6,
        tabwidth: 4,
        padding: 3,
        padchar: ' ',
        flags: REMEMBER_WIDTHS,
    };

    /// The writer `kubectl describe` prints sections with.
    pub const KUBECTL_DESCRIBE: TabConfig = TabConfig {
        minwidth: 0,
        tabwidth: 8,
        padding: 2,
        padchar: ' ',
        flags: 0,
    };
}

/// One cell: its text length in bytes, its width in characters, and whether a tab ended it.
#[derive(Debug, Clone, Copy, Default)]
struct Cell {
    size: usize,
    width: usize,
    htab: bool,
}

/// A buffering column aligner; write text, then [`TabWriter::flush`] or
/// [`TabWriter::finish`] to get the aligned output.
#[derive(Debug, Clone)]
pub struct TabWriter {
    config: TabConfig,
    out: String,
    buf: String,
    pos: usize,
    cell: Cell,
    in_html: Option<char>,
    lines: Vec<Vec<Cell>>,
    widths: Vec<usize>,
    maxwidths: Vec<usize>,
}

impl TabWriter {
    /// A writer with the given parameters. A tab padding character turns `ALIGN_RIGHT` off, as
    /// in Go.
    pub fn new(mut config: TabConfig) -> Self {
        if config.padchar == '\t' {
            config.flags &= !ALIGN_RIGHT;
        }
        TabWriter {
            config,
            out: String::new(),
            buf: String::new(),
            pos: 0,
            cell: Cell::default(),
            in_html: None,
            lines: vec![Vec::new()],
            widths: Vec::new(),
            maxwidths: Vec::new(),
        }
    }

    /// Buffers `text`, flushing at every line made of a single cell and at every form feed.
    pub fn write_str(&mut self, text: &str) {
        let mut start = 0;
        for (i, ch) in text.char_indices() {
            if let Some(end) = self.in_html {
                if ch == end {
                    let j = i + ch.len_utf8();
                    self.append(&text[start..j]);
                    start = j;
                    self.end_html();
                }
                continue;
            }
            match ch {
                '\t' | '\u{b}' | '\n' | '\u{c}' => {
                    self.append(&text[start..i]);
                    self.update_width();
                    start = i + 1;
                    let ncells = self.terminate_cell(ch == '\t');
                    if ch == '\n' || ch == '\u{c}' {
                        self.lines.push(Vec::new());
                        if ch == '\u{c}' || ncells == 1 {
                            self.flush();
                        }
                    }
                }
                '<' | '&' if self.config.flags & FILTER_HTML != 0 => {
                    self.append(&text[start..i]);
                    self.update_width();
                    start = i;
                    self.in_html = Some(if ch == '<' { '>' } else { ';' });
                }
                _ => {}
            }
        }
        self.append(&text[start..]);
    }

    /// Formats and emits everything buffered so far. Remembered widths survive.
    pub fn flush(&mut self) {
        if self.cell.size > 0 {
            if self.in_html.is_some() {
                self.end_html();
            }
            self.terminate_cell(false);
        }
        let nlines = self.lines.len();
        self.format(0, 0, nlines);

        self.buf.clear();
        self.pos = 0;
        self.cell = Cell::default();
        self.in_html = None;
        self.lines = vec![Vec::new()];
        self.widths.clear();
    }

    /// Flushes and returns all output produced since the writer was made (or last drained).
    pub fn finish(mut self) -> String {
        self.flush();
        self.out
    }

    /// Takes the output produced so far, leaving buffered (unflushed) text in place.
    pub fn take_output(&mut self) -> String {
        std::mem::take(&mut self.out)
    }

    fn append(&mut self, text: &str) {
        self.buf.push_str(text);
        self.cell.size += text.len();
    }

    fn update_width(&mut self) {
        self.cell.width += self.buf[self.pos..].chars().count();
        self.pos = self.buf.len();
    }

    fn end_html(&mut self) {
        // A tag has no width; an entity shows as one character.
        if self.in_html == Some(';') {
            self.cell.width += 1;
        }
        self.pos = self.buf.len();
        self.in_html = None;
    }

    fn terminate_cell(&mut self, htab: bool) -> usize {
        self.cell.htab = htab;
        let line = self
            .lines
            .last_mut()
            .expect("the writer always holds a current line");
        line.push(self.cell);
        self.cell = Cell::default();
        line.len()
    }

    fn format(&mut self, pos0: usize, line0: usize, line1: usize) -> usize {
        let mut pos = pos0;
        let mut line0 = line0;
        let column = self.widths.len();
        let mut this = line0;
        while this < line1 {
            if column + 1 >= self.lines[this].len() {
                this += 1;
                continue;
            }

            // This line has a cell in the column: print what comes before the block.
            pos = self.write_lines(pos, line0, this);
            line0 = this;

            let mut width = self.config.minwidth;
            let mut discardable = true;
            while this < line1 {
                let line = &self.lines[this];
                if column + 1 >= line.len() {
                    break;
                }
                let c = line[column];
                width = width.max(c.width + self.config.padding);
                if c.width > 0 || c.htab {
                    discardable = false;
                }
                this += 1;
            }
            if discardable && self.config.flags & DISCARD_EMPTY_COLUMNS != 0 {
                width = 0;
            }
            if self.config.flags & REMEMBER_WIDTHS != 0 {
                width = self.remember(width);
            }

            self.widths.push(width);
            pos = self.format(pos, line0, this);
            self.widths.pop();
            line0 = this;
        }
        self.write_lines(pos, line0, line1)
    }

    fn remember(&mut self, width: usize) -> usize {
        let depth = self.widths.len();
        if self.maxwidths.len() < depth {
            let missing = self.widths[self.maxwidths.len()..].to_vec();
            self.maxwidths.extend(missing);
        }
        if self.maxwidths.len() == depth {
            self.maxwidths.push(width);
            width
        } else if self.maxwidths[depth] > width {
            self.maxwidths[depth]
        } else {
            self.maxwidths[depth] = width;
            width
        }
    }

    fn write_lines(&mut self, pos0: usize, line0: usize, line1: usize) -> usize {
        let mut pos = pos0;
        for i in line0..line1 {
            let mut use_tabs = self.config.flags & TAB_INDENT != 0;
            for j in 0..self.lines[i].len() {
                let c = self.lines[i][j];
                let cell_width = self.widths.get(j).copied();
                if c.size == 0 {
                    if let Some(w) = cell_width {
                        self.write_padding(c.width, w, use_tabs);
                    }
                    continue;
                }
                use_tabs = false;
                let text_end = pos + c.size;
                if self.config.flags & ALIGN_RIGHT == 0 {
                    self.out.push_str(&self.buf[pos..text_end]);
                    if let Some(w) = cell_width {
                        self.write_padding(c.width, w, false);
                    }
                } else {
                    if let Some(w) = cell_width {
                        self.write_padding(c.width, w, false);
                    }
                    self.out.push_str(&self.buf[pos..text_end]);
                }
                pos = text_end;
            }

            if i + 1 == self.lines.len() {
                // The last buffered line has no newline yet: emit the partial cell.
                let end = pos + self.cell.size;
                self.out.push_str(&self.buf[pos..end]);
                pos = end;
            } else {
                self.out.push('\n');
            }
        }
        pos
    }

    fn write_padding(&mut self, textw: usize, cellw: usize, use_tabs: bool) {
        if self.config.padchar == '\t' || use_tabs {
            let tabwidth = self.config.tabwidth;
            if tabwidth == 0 {
                return;
            }
            let cellw = cellw.div_ceil(tabwidth) * tabwidth;
            let n = cellw.saturating_sub(textw);
            self.out
                .extend(std::iter::repeat_n('\t', n.div_ceil(tabwidth)));
            return;
        }
        let n = cellw.saturating_sub(textw);
        self.out.extend(std::iter::repeat_n(self.config.padchar, n));
    }
}

/// Aligns `text` in one go with the given writer parameters.
pub fn align(config: TabConfig, text: &str) -> String {
    let mut w = TabWriter::new(config);
    w.write_str(text);
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn get_table_pads_each_column_to_widest_cell_plus_three() {
        let text = "NAME\tREADY\tSTATUS\tRESTARTS\tAGE\n\
                    carts-db-rdkdwrc9xf-k22xc\t1/1\tRunning\t0\t12m\n\
                    user-grwpzxng5-vz246\t1/1\tRunning\t0\t12m\n";
        let expected = "NAME                        READY   STATUS    RESTARTS   AGE\n\
                        carts-db-rdkdwrc9xf-k22xc   1/1     Running   0          12m\n\
                        user-grwpzxng5-vz246        1/1     Running   0          12m\n";
        assert_eq!(align(TabConfig::KUBECTL_GET, text), expected);
    }

    #[test]
    fn minwidth_widens_narrow_columns() {
        let text = "A\tB\nx\ty\n";
        assert_eq!(align(TabConfig::KUBECTL_GET, text), "A     B\nx     y\n");
    }

    #[test]
    fn trailing_tab_pads_last_column_as_top_does() {
        let text = "NAME\tCPU(cores)\t\nab\t4m\t\n";
        assert_eq!(
            align(TabConfig::KUBECTL_GET, text),
            "NAME   CPU(cores)   \nab     4m           \n"
        );
    }

    #[test]
    fn a_line_without_tabs_ends_the_block_in_describe() {
        let text = "IP:\t10.244.1.13\nIPs:\n  IP:\t10.244.1.13\nControlled By:\tReplicaSet/x\n";
        let expected =
            "IP:  10.244.1.13\nIPs:\n  IP:           10.244.1.13\nControlled By:  ReplicaSet/x\n";
        assert_eq!(align(TabConfig::KUBECTL_DESCRIBE, text), expected);
    }

    #[test]
    fn describe_conditions_rows_keep_their_trailing_space() {
        let text = "  Type\tStatus\n  Ready \tTrue \n";
        assert_eq!(
            align(TabConfig::KUBECTL_DESCRIBE, text),
            "  Type    Status\n  Ready   True \n"
        );
    }

    #[test]
    fn remembered_widths_survive_a_blank_line_flush() {
        let text = "NAME\tA\nlong-long-name\tx\n\nN\tB\ny\tz\n";
        let expected =
            "NAME             A\nlong-long-name   x\n\nN                B\ny                z\n";
        assert_eq!(align(TabConfig::KUBECTL_GET, text), expected);
        let plain = TabConfig {
            flags: 0,
            ..TabConfig::KUBECTL_GET
        };
        let expected = "NAME             A\nlong-long-name   x\n\nN     B\ny     z\n";
        assert_eq!(align(plain, text), expected);
    }

    #[test]
    fn align_right_pads_before_the_text() {
        let config = TabConfig {
            minwidth: 0,
            tabwidth: 0,
            padding: 1,
            padchar: '.',
            flags: ALIGN_RIGHT,
        };
        assert_eq!(align(config, "a\tbbb\t\naa\tb\t\n"), "..a.bbb\n.aa...b\n");
    }

    #[test]
    fn tab_padding_rounds_to_tab_stops() {
        let config = TabConfig {
            minwidth: 0,
            tabwidth: 8,
            padding: 1,
            padchar: '\t',
            flags: 0,
        };
        assert_eq!(
            align(config, "a\tb\naaaaaaaaa\tc\n"),
            "a\t\tb\naaaaaaaaa\tc\n"
        );
    }

    #[test]
    fn filter_html_counts_entities_as_one_character() {
        let config = TabConfig {
            flags: FILTER_HTML,
            ..TabConfig::KUBECTL_DESCRIBE
        };
        assert_eq!(align(config, "&amp;\tx\nab\ty\n"), "&amp;   x\nab  y\n");
    }

    #[test]
    fn multibyte_cells_are_measured_in_characters() {
        assert_eq!(
            align(TabConfig::KUBECTL_DESCRIBE, "é\tx\nab\ty\n"),
            "é   x\nab  y\n"
        );
    }

    #[test]
    fn unterminated_last_line_is_emitted_on_finish() {
        assert_eq!(
            align(TabConfig::KUBECTL_GET, "a\tb\nc\td"),
            "a     b\nc     d"
        );
    }
}
