"""The `rnnlu explain` picture: gates and each word's part in the answer, on a terminal or as SVG/HTML."""

from __future__ import annotations

import json
from pathlib import Path

from rnnlu import io
from rnnlu.render.console import LABEL_STYLE, terminal, visible

_safe = io.safe_markup


_GATE_HELP = {
    "update": "update gate z: share of old memory kept; high = the word was skipped (rewrite = 1 − z)",
    "reset": "reset gate r: share of old memory used to read the word; low = the word is read afresh",
    "input": "input gate: how much of the word is written into the cell (long-term memory)",
    "forget": "forget gate: share of the cell kept from before; low = the memory is wiped at this word",
    "output": "output gate: how much of the cell is passed on (to the next layer or the answer)",
    "cell_norm": "|c|: size (L2 norm) of the cell state after the word; shade relative to the largest here",
}


_GATE_SHORT = {"update": "upd z", "reset": "reset", "input": "in", "forget": "forget", "output": "out",
               "cell_norm": "|c|"}


_SHOWN_GATES = {"gru": ("update", "reset"), "lstm": ("input", "forget", "output", "cell_norm"), "rnn": ()}


_GREY, _BRIGHT = (52, 52, 58), (255, 226, 110)


_GREY, _BRIGHT = (52, 52, 58), (255, 226, 110)


_TOWARDS, _AWAY, _NEUTRAL = (214, 48, 49), (35, 110, 220), (52, 52, 58)


_TOWARDS, _AWAY, _NEUTRAL = (214, 48, 49), (35, 110, 220), (52, 52, 58)


_TOWARDS, _AWAY, _NEUTRAL = (214, 48, 49), (35, 110, 220), (52, 52, 58)


def _mix(a: tuple, b: tuple, t: float) -> tuple[int, int, int]:
    t = min(1.0, max(0.0, t))
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b))


def _shade(text: str, rgb: tuple):
    """Text on a background colour, with black or white letters, whichever reads better."""
    from rich.text import Text

    light = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2] > 140
    return Text(text, style=f"{'rgb(16,16,16)' if light else 'rgb(245,245,245)'} on rgb({rgb[0]},{rgb[1]},{rgb[2]})")


def _explanation_picture(ex) -> list:
    """The explain picture: a header, one table row per word, and a legend (rich renderables)."""
    from rich.table import Table
    from rich.text import Text

    parts: list = []
    head = Text.assemble(("explain", "bold"), f" · model {ex.model} ({ex.architecture}) · {ex.task}")
    if ex.label is not None:
        head.append(": ")
        head.append(ex.label, style=f"bold {LABEL_STYLE.get(ex.label, '')}")
        head.append("   " + "  ".join(f"p({l[:3]}) {p:.2f}" for l, p in ex.probabilities.items()))
    parts.append(head)
    b = ex.baseline
    counted_pos, counted_neg = set(), set()
    if b is not None and hasattr(b, "positive"):
        counted_pos = {w for entry in b.positive for w in entry.split()}
        counted_neg = {w for entry in b.negative for w in entry.split()}
        words = " ".join([f"+{w}" for w in b.positive] + [f"−{w}" for w in b.negative]) or "no lexicon words"
        line = Text("word-count baseline: ")
        line.append(b.label, style=LABEL_STYLE.get(b.label, ""))
        line.append(f" (score {b.score:+d}: {words})")
        if ex.label is not None:
            line.append("  — agrees with the model" if b.label == ex.label else "  — differs from the model",
                        style="" if b.label == ex.label else "bold")
        parts.append(line)

    has_contrib = any(w.contribution is not None for w in ex.words)
    scale = max([abs(w.contribution) for w in ex.words if w.contribution is not None] + [0.05])
    shown = _SHOWN_GATES.get(ex.cell, ())
    cell_max = max([g.values.get("cell_norm", 0.0) for w in ex.words for g in w.gates] + [1e-9])
    many_layers = len({layer for layer, _ in ex.layers}) > 1

    table = Table(title_justify="left", show_edge=False, pad_edge=False, padding=(0, 1), box=None)
    table.add_column("#", justify="right", style="dim")
    table.add_column("word")
    if counted_pos or counted_neg:
        table.add_column("lex", justify="center")
    has_tags = any(w.tag is not None for w in ex.words)
    if has_tags:
        table.add_column("tag")
        table.add_column("p", justify="right")
    if has_contrib:
        table.add_column("contrib", justify="right")
    for layer, direction in ex.layers:
        arrow = "→" if direction == "forward" else "←"
        for gate in shown:
            table.add_column(f"{f'L{layer}' if many_layers else ''}{arrow} {_GATE_SHORT[gate]}", justify="right")
    for w in ex.words:
        word = Text(visible(w.token)) if w.known else Text(f"{visible(w.token)}?", style="italic dim")
        row = [str(w.index + 1), word]
        if counted_pos or counted_neg:
            row.append(Text("+", style="green") if w.token in counted_pos
                       else Text("−", style="red") if w.token in counted_neg else Text(""))
        if has_tags:
            row += [Text(w.tag or "", style="bold cyan"), f"{w.tag_probability or 0:.2f}"]
        if has_contrib:
            c = w.contribution or 0.0
            row.append(_shade(f"{c:+.3f}", _mix(_NEUTRAL, _TOWARDS if c > 0 else _AWAY, abs(c) / scale)))
        for g in w.gates:
            for gate in shown:
                v = g.values[gate]
                frac = v / cell_max if gate == "cell_norm" else v
                row.append(_shade(f"{v:.2f}", _mix(_GREY, _BRIGHT, frac)))
        table.add_row(*row)
    parts.append(table)

    legend = Text("legend\n", style="bold")
    if has_contrib:
        legend.append("  ")
        legend.append("   ", style="on rgb({},{},{})".format(*_TOWARDS))
        legend.append(f" towards {ex.label!r}   ")
        legend.append("   ", style="on rgb({},{},{})".format(*_AWAY))
        legend.append(f" away from it   (full shade = ±{scale:.2f})\n")
        legend.append(f"  contrib = p({ex.label}) with the whole text minus p({ex.label}) with this word left out\n")
    if shown:
        legend.append("  gates, mean over hidden units:  0 ")
        for k in range(9):
            legend.append("  ", style="on rgb({},{},{})".format(*_mix(_GREY, _BRIGHT, k / 8)))
        legend.append(" 1   (grey = closed, bright = open)\n")
        for gate in shown:
            legend.append(f"  {_GATE_SHORT[gate]:>6}  {_GATE_HELP[gate]}\n")
        directions = {d for _, d in ex.layers}
        legend.append("  → forward layer reads left to right" + ("; ← backward layer reads right to left" if
                      "backward" in directions else "") + ("; L1, L2 … = stacked layers" if many_layers else "") + "\n")
    else:
        legend.append(f"  a plain {ex.cell.upper()} has no gates: only the contributions can be shown\n")
    if counted_pos or counted_neg:
        legend.append("  lex  +/− = word counted by the word-count baseline (positive / negative lexicon)\n")
    if not all(w.known for w in ex.words):
        how = "read by its character n-grams" if ex.subwords else "read as the unknown word"
        legend.append(f"  word? = not in the model's vocabulary: {how}\n")
    legend.rstrip()
    parts.append(legend)
    return parts


def show_explanation(explanation, fmt: str, svg: Path | None = None, html: Path | None = None) -> None:
    """Print an :class:`rnnlu.explain.Explanation` (picture or JSON); save the picture as SVG / HTML."""
    from rnnlu.engine.modelfile import atomic_write
    from rnnlu.errors import UsageError

    if fmt not in ("table", "json"):
        raise UsageError(f"unknown format {fmt!r}; choose table or json")
    picture = _explanation_picture(explanation) if (fmt == "table" or svg or html) else []
    if svg or html:
        from io import StringIO

        from rich.console import Console

        probe = Console(file=StringIO(), width=400)
        width = min(200, max(80, max(probe.measure(part).maximum for part in picture[:-1])))
        recorder = Console(file=StringIO(), record=True, width=width, force_terminal=True,
                           color_system="truecolor", highlight=False)
        for part in picture:
            recorder.print(part)
        title = f"rnnlu explain · {explanation.model}"
        for path, export in ((svg, lambda: recorder.export_svg(title=title, clear=False)),
                             (html, lambda: recorder.export_html(clear=False))):
            if path:
                with atomic_write(path) as f:
                    f.write(export())
    if fmt == "json":
        print(json.dumps(explanation.to_dict(), indent=2, ensure_ascii=False))
    else:
        console = terminal()
        for part in picture:
            console.print(part)
    for path in (svg, html):
        if path:
            terminal(stderr=True).print(f"saved {path}")
