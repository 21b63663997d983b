//! A report as a small document model, rendered to Markdown (`report.md`)
//! and to one self-contained HTML file (`report.html`, images embedded, no
//! network), so that the two always say the same thing.
//!
//! Text may use two inline marks, as in Markdown: `` `code` `` and
//! `**bold**`. The HTML holds one script, which counts the images that
//! decoded; nothing is fetched from the network.

use crate::error::Error;
use crate::output::files::write_atomic;
use base64::Engine;
use std::path::Path;

/// One block of a report.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A heading of level 1 to 3.
    Heading(u8, String),
    /// A paragraph.
    Paragraph(String),
    /// A bulleted list.
    List(Vec<String>),
    /// A table: header cells, then rows; `numeric[i]` right-aligns column i.
    Table {
        /// Column headings.
        header: Vec<String>,
        /// Which columns hold numbers.
        numeric: Vec<bool>,
        /// The rows.
        rows: Vec<Vec<String>>,
    },
    /// A PNG beside the report, by file name, with its alternative text.
    Image(String, String),
    /// Data for machines: a JSON document the HTML embeds in a
    /// `<script type="application/json">` with this id (left out of Markdown).
    Data(String, String),
}

/// A report: a title and its blocks.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    /// The title.
    pub title: String,
    /// The blocks, in order.
    pub blocks: Vec<Block>,
}

impl Report {
    /// Appends a block.
    pub fn push(&mut self, block: Block) {
        self.blocks.push(block);
    }

    /// The report as Markdown.
    pub fn to_markdown(&self) -> String {
        let mut md = format!("# {}\n\n", self.title);
        for block in &self.blocks {
            match block {
                Block::Heading(level, text) => {
                    md += &format!("{} {text}\n\n", "#".repeat(usize::from(*level).clamp(1, 3) + 1));
                }
                Block::Paragraph(text) => md += &format!("{text}\n\n"),
                Block::List(items) => {
                    for item in items {
                        md += &format!("- {item}\n");
                    }
                    md += "\n";
                }
                Block::Table { header, numeric, rows } => {
                    let cells = |row: &[String]| row.iter().map(|c| markdown_cell(c)).collect::<Vec<_>>().join(" | ");
                    md += &format!("| {} |\n", cells(header));
                    let rule: Vec<&str> = numeric.iter().map(|&n| if n { "---:" } else { "---" }).collect();
                    md += &format!("| {} |\n", rule.join(" | "));
                    for row in rows {
                        md += &format!("| {} |\n", cells(row));
                    }
                    md += "\n";
                }
                Block::Image(file, alt) => md += &format!("![{alt}]({file})\n\n"),
                Block::Data(..) => {}
            }
        }
        md
    }

    /// The report as one HTML file, with the PNGs named by [`Block::Image`]
    /// read from `dir` and embedded as data URIs.
    pub fn to_html(&self, dir: &Path) -> Result<String, Error> {
        let mut html = String::from(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
        );
        html += &format!("<title>{}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n<main>\n", escape(&self.title));
        html += &format!("<h1>{}</h1>\n", inline(&self.title));
        for block in &self.blocks {
            match block {
                Block::Heading(level, text) => {
                    let level = usize::from(*level).clamp(1, 3) + 1;
                    html += &format!("<h{level}>{}</h{level}>\n", inline(text));
                }
                Block::Paragraph(text) => html += &format!("<p>{}</p>\n", inline(text)),
                Block::List(items) => {
                    html += "<ul>\n";
                    for item in items {
                        html += &format!("<li>{}</li>\n", inline(item));
                    }
                    html += "</ul>\n";
                }
                Block::Table { header, numeric, rows } => {
                    let class = |i: usize| if numeric.get(i) == Some(&true) { " class=\"n\"" } else { "" };
                    html += "<div class=\"table\"><table>\n<thead><tr>";
                    for (i, cell) in header.iter().enumerate() {
                        html += &format!("<th{}>{}</th>", class(i), inline(cell));
                    }
                    html += "</tr></thead>\n<tbody>\n";
                    for row in rows {
                        html += "<tr>";
                        for (i, cell) in row.iter().enumerate() {
                            html += &format!("<td{}>{}</td>", class(i), inline(cell));
                        }
                        html += "</tr>\n";
                    }
                    html += "</tbody></table></div>\n";
                }
                Block::Image(file, alt) => {
                    let path = dir.join(file);
                    let bytes = std::fs::read(&path).map_err(|source| Error::Output { path: path.clone(), source })?;
                    let data = base64::engine::general_purpose::STANDARD.encode(bytes);
                    html += &format!(
                        "<figure><img src=\"data:image/png;base64,{data}\" alt=\"{}\" data-file=\"{}\"><figcaption>{}</figcaption></figure>\n",
                        escape(alt),
                        escape(file),
                        inline(alt)
                    );
                }
                Block::Data(id, json) => {
                    // `</` cannot end the script early once its slash is escaped.
                    html += &format!(
                        "<script type=\"application/json\" id=\"{}\">{}</script>\n",
                        escape(id),
                        json.replace("</", "<\\/")
                    );
                }
            }
        }
        html += "</main>\n";
        html += IMAGE_CHECK;
        html += "</body>\n</html>\n";
        Ok(html)
    }

    /// Writes `report.md` and `report.html` into `dir` (each atomically);
    /// the charts the report shows must already be there.
    pub fn write(&self, dir: &Path) -> Result<(), Error> {
        write_text(&dir.join("report.md"), &self.to_markdown())?;
        write_text(&dir.join("report.html"), &self.to_html(dir)?)
    }
}

fn write_text(path: &Path, text: &str) -> Result<(), Error> {
    write_atomic(path, text.as_bytes())
}

/// Marks on `<body>` how many images decoded (`data-images-loaded="5/5"`)
/// once the page has loaded, and shows a note where one did not: a reader
/// sees a missing chart, and the browser check reads the count.
const IMAGE_CHECK: &str = "<script>\nwindow.addEventListener('load', function () {\n  var images = Array.prototype.slice.call(document.images);\n  var loaded = images.filter(function (i) { return i.complete && i.naturalWidth > 0; });\n  images.forEach(function (i) {\n    if (loaded.indexOf(i) < 0) { i.insertAdjacentText('afterend', 'This chart did not load.'); }\n  });\n  document.body.setAttribute('data-images-loaded', loaded.length + '/' + images.length);\n});\n</script>\n";

const STYLE: &str =
    "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;color:#1d1d1f;background:#fafafa}\n\
main{max-width:1180px;margin:0 auto;padding:24px 28px 64px;background:#fff}\n\
h1{font-size:1.9em;margin-top:0.4em}h2{margin-top:1.8em;border-bottom:1px solid #ddd;padding-bottom:4px}\n\
.table{overflow-x:auto}table{border-collapse:collapse;margin:12px 0;font-size:0.92em}\n\
th,td{border:1px solid #d6d6d6;padding:4px 9px;text-align:left;white-space:nowrap}\n\
th{background:#f1f3f5}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}\n\
tbody tr:nth-child(even){background:#fbfbfc}code{background:#f1f3f5;padding:1px 4px;border-radius:3px}\n\
figure{margin:18px 0}img{max-width:100%;height:auto;border:1px solid #e3e3e3}figcaption{color:#555;font-size:0.9em}\n";

/// Escapes text for HTML.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Escapes text and turns `` `code` `` and `**bold**` into HTML.
fn inline(text: &str) -> String {
    let mut out = String::new();
    let escaped = escape(text);
    let mut code = false;
    let mut bold = false;
    let mut chars = escaped.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '`' => {
                out += if code { "</code>" } else { "<code>" };
                code = !code;
            }
            '*' if !code && chars.peek() == Some(&'*') => {
                chars.next();
                out += if bold { "</strong>" } else { "<strong>" };
                bold = !bold;
            }
            '\\' if chars.peek() == Some(&'|') => {}
            c => out.push(c),
        }
    }
    if code {
        out += "</code>";
    }
    if bold {
        out += "</strong>";
    }
    out
}

/// A table cell for Markdown: pipes escaped, no line breaks.
pub fn markdown_cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_report_two_renderings() {
        let mut report = Report { title: "Sweep report: demo".into(), blocks: Vec::new() };
        report.push(Block::Paragraph("**a** costs `$1` < b".into()));
        report.push(Block::Table {
            header: vec!["option".into(), "cost".into()],
            numeric: vec![false, true],
            rows: vec![vec!["a|b".into(), "1.0".into()]],
        });
        report.push(Block::Data("data".into(), "{\"x\":\"</script>\"}".into()));
        let md = report.to_markdown();
        assert!(md.contains("**a** costs `$1` < b"), "{md}");
        assert!(md.contains("| a\\|b | 1.0 |\n"), "{md}");
        assert!(!md.contains("script"), "{md}");
        let html = report.to_html(Path::new(".")).unwrap();
        assert!(html.contains("<p><strong>a</strong> costs <code>$1</code> &lt; b</p>"), "{html}");
        assert!(html.contains("<td>a|b</td><td class=\"n\">1.0</td>"), "{html}");
        assert!(html.contains("{\"x\":\"<\\/script>\"}</script>"), "{html}");
    }
}
