"""`render` output: the policy's document as Markdown, or as one self-contained HTML page that
prints on A4 (a table of contents, each major section on a new page, no network: no fonts,
scripts or images from elsewhere). Both are deterministic: the same policy gives the same bytes."""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import IO

from ..policy.register import Clause
from ..review.render import RenderedPolicy
from ..review.sections import Basis, Rule, Section, Table


def _basis_parts(doc: RenderedPolicy, basis: Basis, link: Callable[[str], str]) -> list[str]:
    parts = [", ".join(link(c) for c in basis.clauses)] if basis.clauses else []
    if basis.choice:
        parts.append(f"{doc.words['choice']}{doc.words['colon']}{basis.choice}")
    if basis.note:
        parts.append(f"{doc.words['note']}{doc.words['colon']}{basis.note}")
    return parts


def _clause_text(doc: RenderedPolicy, clause: Clause) -> list[str]:
    """The register's own words; in English also its paraphrase."""
    texts = list(clause.text)
    if doc.lang == "en" and clause.paraphrase:
        texts.append(clause.paraphrase)
    return texts


def _appendices(doc: RenderedPolicy) -> list[Section]:
    """The appendices after the sections: the clauses' words, the index of rules and codes, the notes as written."""
    found = [Section("appendix", doc.words["appendix"]), Section("index", doc.words["index"])]
    return found + ([Section("originals", doc.words["originals"])] if doc.originals else [])


def _index_tables(doc: RenderedPolicy) -> list[Table]:
    """Where each rule and table row is defined (file:line), and each value code with its name: the codes and
    paths the body leaves out."""
    tables = [Table(doc.words["index_rules"], (doc.words["id"], doc.words["defined_at"]), doc.places, (None,) * len(doc.places))]
    if doc.codes:
        tables.append(Table(doc.words["index_codes"], (doc.words["code"], doc.words["name"], doc.words["defined_at"]), doc.codes,
                            (None,) * len(doc.codes)))
    return tables


# Markdown ---------------------------------------------------------------------------------

def _md_cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _md_link(clause: str) -> str:
    return f"[{clause}](#{clause})"


def _md_table(doc: RenderedPolicy, table: Table) -> list[str]:
    lines = [f"**{table.caption}**", ""] if table.caption else []
    with_basis = any(b is not None for b in table.bases)
    header = [*table.header, *([doc.words["basis"]] if with_basis else [])]
    lines += ["| " + " | ".join(_md_cell(h) for h in header) + " |", "|" + "---|" * len(header)]
    for row, basis in zip(table.rows, table.bases):
        cells = [_md_cell(c) for c in row]
        if with_basis:
            cells.append("<br>".join(_md_cell(p) for p in _basis_parts(doc, basis, _md_link)) if basis else "")
        lines.append("| " + " | ".join(cells) + " |")
    return [*lines, ""]


def _md_rule(doc: RenderedPolicy, rule: Rule, quotes: dict[str, Clause]) -> list[str]:
    lines = [f"### {rule.title}", "", *(f"- {line}" for line in rule.lines)]
    lines += [f"- {part}" for part in _basis_parts(doc, rule.basis, _md_link)]
    for c in rule.basis.clauses:
        if c in quotes:
            lines += ["", f"> **{c}** {rule.quoted.get(c) or (quotes[c].text[0] if quotes[c].text else '')}".rstrip()]
    return [*lines, ""]


def markdown(doc: RenderedPolicy, out: IO[str]) -> None:
    quotes = {c.id: c for c, _ in doc.clauses}
    lines = [f"# {doc.title}", "", *(f"- **{k}**: {v}" for k, v in doc.facts), "", f"## {doc.words['contents']}", ""]
    sections = [*doc.sections, *_appendices(doc)]
    lines += [f"{i}. [{s.title}](#{s.anchor})" for i, s in enumerate(sections, 1)]
    lines.append("")
    for i, section in enumerate(doc.sections, 1):
        lines += [f'<a id="{section.anchor}"></a>', "", f"## {i}. {section.title}", ""]
        lines += [*(p + "\n" for p in section.paragraphs)]
        for table in section.tables:
            lines += _md_table(doc, table)
        for rule in section.rules:
            lines += _md_rule(doc, rule, quotes)
    number = len(doc.sections) + 1
    lines += ['<a id="appendix"></a>', "", f"## {number}. {doc.words['appendix']}", ""]
    for clause, cited_by in doc.clauses:
        lines += [f'<a id="{clause.id}"></a>', "", f"### {clause.id}", ""]
        lines += [f"> {text}" for text in _clause_text(doc, clause)]
        lines += ["", f"{doc.words['cited_by']}{doc.words['colon']}{', '.join(cited_by)}", ""]
    lines += ['<a id="index"></a>', "", f"## {number + 1}. {doc.words['index']}", ""]
    for table in _index_tables(doc):
        lines += _md_table(doc, table)
    if doc.originals:
        lines += ['<a id="originals"></a>', "", f"## {number + 2}. {doc.words['originals']}", ""]
        lines += [f"{i}. {_md_cell(text)}" for i, text in enumerate(doc.originals, 1)]
    out.write("\n".join(lines).rstrip("\n") + "\n")


# HTML -------------------------------------------------------------------------------------

CSS = """
@page { size: A4; margin: 18mm 16mm 20mm; }
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "Helvetica Neue", Arial, sans-serif;
       font-size: 10.5pt; line-height: 1.5; color: #1a1a1a; max-width: 190mm; margin: 0 auto; padding: 8mm; }
h1 { font-size: 20pt; margin: 0 0 4mm; } h2 { font-size: 14pt; border-bottom: 1.5pt solid #2b4c7e; padding-bottom: 1mm; }
h3 { font-size: 11.5pt; margin: 5mm 0 1mm; } dl.facts { display: grid; grid-template-columns: max-content auto; gap: 1mm 6mm; }
dl.facts dt { font-weight: bold; } dl.facts dd { margin: 0; }
table { border-collapse: collapse; width: 100%; margin: 2mm 0 5mm; font-size: 9.5pt; }
caption { text-align: left; font-weight: bold; padding: 1mm 0; }
th, td { border: 0.6pt solid #9aa5b4; padding: 1.2mm 2mm; vertical-align: top; text-align: left; }
th { background: #e8edf4; } thead { display: table-header-group; } tr { break-inside: avoid; }
.choice { display: inline-block; background: #fff3cd; border: 0.5pt solid #d4a72c; border-radius: 2pt; padding: 0 1mm; }
.note { color: #4a4a4a; font-style: italic; } .source { color: #666; font-family: monospace; font-size: 8.5pt; }
blockquote { margin: 1mm 0 2mm; padding: 1mm 3mm; border-left: 2pt solid #2b4c7e; background: #f5f7fa; }
section.rule { break-inside: avoid; } nav.toc ol { columns: 2; }
section.major { break-before: page; }
a { color: #2b4c7e; text-decoration: none; }
@media print { body { padding: 0; max-width: none; } a { color: inherit; } }
""".strip()


def _html_link(clause: str) -> str:
    return f'<a href="#{escape(clause)}">{escape(clause)}</a>'


def _html_basis(doc: RenderedPolicy, basis: Basis) -> str:
    parts = [", ".join(_html_link(c) for c in basis.clauses)] if basis.clauses else []
    if basis.choice:
        parts.append(f'<span class="choice">{escape(doc.words["choice"])}</span> {escape(basis.choice)}')
    if basis.note:
        parts.append(f'<span class="note">{escape(doc.words["note"])}{escape(doc.words["colon"])}{escape(basis.note)}</span>')
    return "<br>".join(parts)


def _html_table(doc: RenderedPolicy, table: Table) -> list[str]:
    with_basis = any(b is not None for b in table.bases)
    header = [*table.header, *([doc.words["basis"]] if with_basis else [])]
    lines = ["<table>"]
    if table.caption:
        lines.append(f"<caption>{escape(table.caption)}</caption>")
    lines.append("<thead><tr>" + "".join(f"<th>{escape(h)}</th>" for h in header) + "</tr></thead><tbody>")
    for row, basis in zip(table.rows, table.bases):
        cells = "".join(f"<td>{escape(c)}</td>" for c in row)
        if with_basis:
            cells += f"<td>{_html_basis(doc, basis) if basis else ''}</td>"
        lines.append(f"<tr>{cells}</tr>")
    return [*lines, "</tbody></table>"]


def _html_rule(doc: RenderedPolicy, rule: Rule, quotes: dict[str, Clause]) -> list[str]:
    lines = ['<section class="rule">', f'<h3 title="{escape(rule.basis.source)}">{escape(rule.title)}</h3>', "<ul>"]
    lines += [f"<li>{escape(line)}</li>" for line in rule.lines]
    basis = _html_basis(doc, rule.basis)
    if basis:
        lines.append(f"<li>{basis}</li>")
    lines.append("</ul>")
    for c in rule.basis.clauses:
        if c in quotes and quotes[c].text:
            lines.append(f"<blockquote><b>{_html_link(c)}</b> {escape(rule.quoted.get(c) or quotes[c].text[0])}</blockquote>")
    return [*lines, "</section>"]


def html(doc: RenderedPolicy, out: IO[str]) -> None:
    quotes = {c.id: c for c, _ in doc.clauses}
    lang = "zh-Hans" if doc.lang == "zh" else "en"
    lines = ["<!DOCTYPE html>", f'<html lang="{lang}">', "<head>", '<meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>{escape(doc.title)}</title>", f"<style>\n{CSS}\n</style>", "</head>", "<body>",
             f"<header><h1>{escape(doc.title)}</h1>", '<dl class="facts">']
    lines += [f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in doc.facts]
    lines += ["</dl></header>", f'<nav class="toc"><h2>{escape(doc.words["contents"])}</h2><ol>']
    sections = [*doc.sections, *_appendices(doc)]
    lines += [f'<li><a href="#{s.anchor}">{escape(s.title)}</a></li>' for s in sections]
    lines.append("</ol></nav>")
    for i, section in enumerate(doc.sections, 1):
        lines += [f'<section class="major" id="{section.anchor}">', f"<h2>{i}. {escape(section.title)}</h2>"]
        lines += [f"<p>{escape(p)}</p>" for p in section.paragraphs]
        for table in section.tables:
            lines += _html_table(doc, table)
        for rule in section.rules:
            lines += _html_rule(doc, rule, quotes)
        lines.append("</section>")
    number = len(doc.sections) + 1
    lines += ['<section class="major" id="appendix">', f"<h2>{number}. {escape(doc.words['appendix'])}</h2>"]
    for clause, cited_by in doc.clauses:
        lines += [f'<section class="rule" id="{escape(clause.id)}">', f"<h3>{escape(clause.id)}</h3>"]
        lines += [f"<blockquote>{escape(text)}</blockquote>" for text in _clause_text(doc, clause)]
        lines += [f"<p>{escape(doc.words['cited_by'])}{escape(doc.words['colon'])}{escape(', '.join(cited_by))}</p>", "</section>"]
    lines += ["</section>", '<section class="major" id="index">', f"<h2>{number + 1}. {escape(doc.words['index'])}</h2>"]
    for table in _index_tables(doc):
        lines += _html_table(doc, table)
    lines.append("</section>")
    if doc.originals:
        lines += ['<section class="major" id="originals">', f"<h2>{number + 2}. {escape(doc.words['originals'])}</h2>", "<ol>"]
        lines += [f"<li>{escape(text)}</li>" for text in doc.originals]
        lines += ["</ol>", "</section>"]
    lines += ["</body>", "</html>"]
    out.write("\n".join(lines) + "\n")


FORMATTERS: dict[str, Callable[[RenderedPolicy, IO[str]], None]] = {"markdown": markdown, "html": html}
