"""`rnnlu tag`'s answers: aligned table, the seed's tag line, CoNLL, rows in any format; summaries; evaluation."""

from __future__ import annotations

import itertools
import json
import sys
from pathlib import Path

from rnnlu import io
from rnnlu.errors import RnnluError, UsageError
from rnnlu.spans import spans_of
from rnnlu.tasks.tag.run import TagRun, tag_row
from rnnlu.tasks.tag.task import TagResult


TAG_FORMATS = ("table", "tags", "json", "jsonl", "conll", "csv", "tsv")


def choose_tag_format(fmt: str | None, output: Path | None, kind: str, stdout_is_tty: bool) -> str:
    if fmt in ("tags", "conll"):
        return fmt
    if fmt is None and output is not None and output.suffix.lower() in (".conll", ".conllu"):
        return "conll"
    if fmt is None and not output and not stdout_is_tty:
        return {"csv": "csv", "jsonl": "jsonl", "conll": "conll"}.get(kind, "tags")
    if fmt and fmt not in TAG_FORMATS:
        raise UsageError(f"unknown format {fmt!r}; choose one of {', '.join(TAG_FORMATS)}")
    return io.choose_format(fmt, output, kind if kind != "conll" else "jsonl", stdout_is_tty)


def write_tag_results(run: TagRun, fmt: str, output: Path | None, compare: bool, source_kind: str) -> None:
    rows = iter(run.results)
    first = next(rows, None)
    if first is None:
        raise RnnluError("no input texts: give TEXT arguments, lines on stdin, or a file with rows")
    rows = itertools.chain([first], rows)
    if fmt == "table":
        _print_table(rows, run)
    else:
        with io.output_stream(output) as stream:
            if fmt == "tags":
                for _, result in rows:
                    stream.write(" ".join(result.tags) + "\n")
            elif fmt == "conll":
                for _, result in rows:
                    stream.write(conll_block(result, run.scheme))
            else:
                columns = io.merge_columns(run.columns if source_kind == "csv" else ["text"], [
                    c for c in ("tokens", "tags", "probabilities", "spans", "model") + (("baseline_tags",) if compare else ())])
                writer = io.Writer(stream, fmt, columns)
                for record, result in rows:
                    row = tag_row(record, result, compare)
                    if fmt in ("csv", "tsv"):
                        row = {**row, "tokens": " ".join(result.tokens), "tags": " ".join(result.tags),
                               "probabilities": " ".join(f"{p:.4f}" for p in result.probabilities),
                               "spans": json.dumps(result.spans, ensure_ascii=False)}
                        if compare:
                            row["baseline_tags"] = " ".join(result.baseline_tags or [])
                    writer.write(row)
                writer.close()
    if compare and fmt != "table" and run.texts > 1:
        print(difference_line(run), file=sys.stderr)


def difference_line(run: TagRun) -> str:
    share = run.differing / run.tokens if run.tokens else 0.0
    return (f"model and baseline differ on {run.differing:,} of {run.tokens:,} tokens ({share:.1%}) "
            f"over {run.texts:,} texts")


def conll_block(result: TagResult, scheme: str) -> str:
    """pos: CoNLL-U columns (UPOS filled); ner/coin: ``token<TAB>tag`` (coin adds a BIO column)."""
    lines = [f"# text = {result.text}"] if scheme == "pos" else []
    bio = _as_bio(result.tags) if scheme == "coin" else None
    for i, (token, tag) in enumerate(zip(result.tokens, result.tags)):
        base = f"\t{result.baseline_tags[i]}" if result.baseline_tags is not None else ""
        if scheme == "pos":
            lines.append(f"{i + 1}\t{token}\t_\t{tag}\t_\t_\t_\t_\t_\t{'_' if not base else 'Baseline=' + base[1:]}")
        elif bio is not None:
            lines.append(f"{token}\t{tag}\t{bio[i]}{base}")
        else:
            lines.append(f"{token}\t{tag}{base}")
    return "\n".join(lines) + "\n\n"


def _as_bio(tags: list[str]) -> list[str]:
    out = ["O"] * len(tags)
    for span in spans_of(tags, "runs"):
        out[span.start] = f"B-{span.label}"
        for i in range(span.start + 1, span.end):
            out[i] = f"I-{span.label}"
    return out


def _outside(scheme: str) -> str:
    return {"ner": "O", "coin": "U"}.get(scheme, "")


def _print_table(rows, run: TagRun) -> None:
    """Each text as columns of token over tag (entities in colour); with --compare a baseline row, differences marked."""
    from rich.console import Console

    from rnnlu.io import safe_markup as escape  # markup and escape sequences shown, never obeyed

    console = Console(highlight=False)
    width = max(40, console.width)
    outside = _outside(run.scheme)
    console.print(f"[dim]tag · scheme {escape(run.scheme)} · model {escape(run.model_name)}[/]")
    for _, result in rows:
        console.print(escape(result.text) if result.text else "[dim](empty text)[/]", soft_wrap=True)
        lines: list[list[str]] = []
        current: list[tuple[str, str, str | None]] = []
        used = 0
        cells = list(zip(result.tokens, result.tags, result.baseline_tags or [None] * len(result.tags)))
        for cell in cells:
            w = max(len(cell[0]), len(cell[1]), len(cell[2] or "")) + 1
            if current and used + w > width:
                lines.append(current)
                current, used = [], 0
            current.append(cell)
            used += w
        if current:
            lines.append(current)
        for line in lines:
            widths = [max(len(t), len(g), len(b or "")) for t, g, b in line]
            tok_row, tag_row_, base_row = [], [], []
            for (token, tag, base), w in zip(line, widths):
                style = "bold cyan" if run.scheme != "pos" and tag != outside else ("dim" if run.scheme != "pos" else "green")
                tok_row.append(escape(token.ljust(w)))
                tag_row_.append(f"[{style}]{escape(tag.ljust(w))}[/]")
                if base is not None:
                    mark = "red" if base != tag else "dim"
                    base_row.append(f"[{mark}]{escape(base.ljust(w))}[/]")
            console.print(" ".join(tok_row), soft_wrap=True)
            console.print(" ".join(tag_row_), soft_wrap=True)
            if base_row:
                console.print(" ".join(base_row) + "  [dim](baseline; red: differs)[/]", soft_wrap=True)
        if result.spans:
            console.print("  " + "; ".join(f"[bold]{escape(s['label'])}[/] {escape(s['text'])!r} ({s['score']:.2f})"
                                           for s in result.spans), soft_wrap=True)
        console.print()
    if run.compare and run.texts > 1:
        console.print(difference_line(run))


def show_summary(summary: dict, fmt: str, output: Path | None) -> None:
    if fmt in ("json", "jsonl"):
        with io.output_stream(output) as stream:
            stream.write(json.dumps(summary, indent=2 if fmt == "json" else None, ensure_ascii=False) + "\n")
        return
    if fmt in ("csv", "tsv", "tags", "conll"):
        with io.output_stream(output) as stream:
            writer = io.Writer(stream, "tsv" if fmt != "csv" else "csv", ["label", "model", "baseline"])
            for row in summary["counts"]:
                writer.write(row)
            writer.close()
        return
    from rich.console import Console
    from rich.table import Table

    what = {"pos": "tag", "ner": "entity type", "coin": "ticker"}[summary["scheme"]]
    console = Console(highlight=False)
    console.print(f"{summary['unit']} per {what} · {summary['texts']:,} texts, {summary['tokens']:,} tokens · "
                  f"model {summary['model']}", soft_wrap=True)
    table = Table()
    table.add_column(what)
    table.add_column("model", justify="right")
    table.add_column("baseline", justify="right")
    for row in summary["counts"]:
        table.add_row(row["label"], f"{row['model']:,}", f"{row['baseline']:,}")
    console.print(table)


def show_tag_evaluation(result, fmt: str) -> None:
    """Headline, token accuracy, per-tag P/R/F1 (model | baseline), spans per type, confusion table."""
    if fmt == "json":
        print(json.dumps(result.to_dict(), indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False)
    s, b = result.scores, result.baseline
    table = Table(title=f"{result.data} · {result.sentences:,} sentences, {s.tokens.n:,} tokens · scheme {result.scheme} · "
                        f"headline: {result.metric}", title_justify="left")
    table.add_column("")
    table.add_column(f"model {result.model}", justify="right")
    if b:
        table.add_column(f"baseline ({result.baseline_name})", justify="right")

    def row(name, m, base=None, bold=False):
        table.add_row(f"[bold]{name}[/]" if bold else name, m, *([base or ""] if b else []))

    row("token accuracy", f"{s.tokens.accuracy:.4f}", b and f"{b.tokens.accuracy:.4f}", result.metric == "accuracy")
    row("macro-F1 over tags", f"{s.tokens.macro_f1:.4f}", b and f"{b.tokens.macro_f1:.4f}")
    if s.spans is not None:
        prf = lambda r: f"{r.precision:.4f} / {r.recall:.4f} / {r.f1:.4f}"  # noqa: E731
        row(f"spans P / R / F1 (gold {s.spans.gold:,})", prf(s.spans), b and prf(b.spans), True)
        base_types = {t.label: t for t in (b.span_types if b else [])}
        for t in s.span_types:
            bt = base_types.get(t.label)
            row(f"  {t.label} (gold {t.gold:,})", prf(t), bt and prf(bt))
    if s.ambiguous is not None:
        row(f"context-dependent alias tokens (n={s.ambiguous['tokens']:,}) accuracy", f"{s.ambiguous['accuracy']:.4f}",
            b and b.ambiguous and f"{b.ambiguous['accuracy']:.4f}")
    base_tags = {c.label: c for c in (b.tokens.per_class if b else [])}
    for c in s.tokens.per_class:
        if c.support == 0 and c.label not in base_tags:
            continue
        bc = base_tags.get(c.label)
        row(f"tag {c.label} P/R/F1 (n={c.support:,})", f"{c.precision:.3f} / {c.recall:.3f} / {c.f1:.3f}",
            bc and f"{bc.precision:.3f} / {bc.recall:.3f} / {bc.f1:.3f}")
    console.print(table)
    if b:
        console.print(f"model and baseline differ on {result.tokens_differing:,} of {s.tokens.n:,} tokens")
    labels = s.tokens.labels
    if len(labels) <= 25:
        cm = Table(title="confusion, model (rows: gold, columns: predicted)", title_justify="left")
        cm.add_column("gold \\ pred")
        for label in labels:
            cm.add_column(label[:6], justify="right")
        for label, counts in zip(labels, s.tokens.confusion):
            if sum(counts):
                cm.add_row(label, *[(f"[bold]{v}[/]" if i == labels.index(label) else str(v)) if v else "·"
                                    for i, v in enumerate(counts)])
        console.print(cm)
