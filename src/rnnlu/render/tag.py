"""How `rnnlu tag` presents its answers: the aligned table, its own formats (the seed's tag line, CoNLL),
the model-vs-baseline line; summaries; evaluation. Rows of the other formats come from ``render.results``."""

from __future__ import annotations

import json
from pathlib import Path

from rnnlu import io
from rnnlu.errors import UsageError
from rnnlu.spans import spans_of
from rnnlu.tasks.tag.run import TagRun
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


def comparison_line(run: TagRun) -> str:
    share = run.differing / run.tokens if run.tokens else 0.0
    return (f"model and baseline differ on {run.differing:,} of {run.tokens:,} tokens ({share:.1%}) "
            f"over {run.total:,} texts")


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


FORMATS = {  # the tag command's own formats, one text's block at a time
    "tags": lambda result, run: " ".join(result.tags) + "\n",
    "conll": lambda result, run: conll_block(result, run.scheme),
}


def print_table(pairs, run: TagRun) -> None:
    """Each text as columns of token over tag (entities in colour); with --compare a baseline row, differences marked."""
    from rich.console import Console

    from rnnlu.io import safe_markup as escape  # markup and escape sequences shown, never obeyed

    console = Console(highlight=False)
    width = max(40, console.width)
    outside = _outside(run.scheme)
    console.print(f"[dim]tag · scheme {escape(run.scheme)} · model {escape(run.model_name)}[/]")
    for _, result in pairs:
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
    if run.compare and run.total > 1:
        console.print(comparison_line(run))


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
