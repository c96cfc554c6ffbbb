"""Ordinary senses nobody labelled: how often the coin tagger calls a capitalised ordinary word a coin.

Lines of the pre-crypto corpora in ``../shared/data`` (Brown, 1961; the MSR Holmes novels, 19th century)
that hold a context-dependent alias written with a capital ("Cosmos, the oversoul", "NEAR THE FIRE",
"Dash me!") are read. Every token there is ``U`` by construction, so each coin the tagger puts on one is
a false mention; the alias dictionary (the baseline) tags them all. Lines that are sentences of the data
set (``ordinary.tsv``) are left out. A report, never a choice:

    python -m rnnlu.tasks.tag.coin.probe [--data ../shared/data] [--novels 200] [--model tag-coin]
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from rnnlu.engine.tokenize import surface_tokens
from rnnlu.tasks.tag.coin.baseline import dictionary_tags
from rnnlu.tasks.tag.coin.build import read_lines, read_ordinary
from rnnlu.tasks.tag.coin.data import NOT_A_COIN, find_mentions

BROWN = "fillblank/corpus/nltk_brown/brown.txt"
NOVELS = "fillblank/corpus/holmes_training/texts"


def capitalised_lines(data: Path, novels: int = 200, known: set[str] | None = None) -> list[str]:
    """Brown's lines and those of the first ``novels`` Holmes novels (by file name) whose tokens include a
    context-dependent alias starting with a capital letter, whitespace collapsed, minus the sentences the
    data set already holds (``known``; default: those ``ordinary.tsv`` names, read as the builder reads them)."""
    if known is None:
        known = {" ".join(item.text.split()) for item in read_ordinary(data)}
    paths = [data / BROWN] + sorted((data / NOVELS).glob("*.gz"))[:novels]
    lines = []
    for path in paths:
        for line in read_lines(path):
            text = " ".join(line.split())
            if not text or text in known:
                continue
            tokens = [t for t, _, _ in surface_tokens(text)]
            if any(not m.safe and tokens[m.first][:1].isupper() for m in find_mentions(tokens)):
                lines.append(text)
    return lines


def report(lines: list[str], model) -> dict:
    """Capitalised context-dependent alias tokens in ``lines``, and how many the tagger tags as a coin."""
    from rnnlu.tasks.tag.task import TagTask

    token_lists = [[t for t, _, _ in surface_tokens(text)] for text in lines]
    tags, _ = TagTask("coin").predict_tags(model, token_lists)
    seen, wrong, baseline, examples = Counter(), Counter(), Counter(), {}
    for tokens, predicted in zip(token_lists, tags):
        dictionary = dictionary_tags(tokens)
        for m in find_mentions(tokens):
            word = tokens[m.first]
            if m.safe or not word[:1].isupper():
                continue
            seen[word] += 1
            baseline[word] += any(t != NOT_A_COIN for t in dictionary[m.first:m.last])
            if any(t != NOT_A_COIN for t in predicted[m.first:m.last]):
                wrong[word] += 1
                examples.setdefault(word, " ".join(tokens)[:120])
    return {"lines": len(lines), "alias_tokens": sum(seen.values()), "dictionary_false_coins": sum(baseline.values()),
            "model_false_coins": sum(wrong.values()),
            "by_word": {w: {"tokens": n, "model_false_coins": wrong[w], "example": examples.get(w)}
                        for w, n in seen.most_common()}}


def main() -> None:
    from rnnlu.registry import load_model

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--novels", type=int, default=200, help="Holmes novels read, first by file name")
    parser.add_argument("--model", default=None, help="a coin tagger (default: the bundled tag-coin)")
    args = parser.parse_args()
    model = load_model(args.model, task="tag", scheme="coin")
    print(json.dumps(report(capitalised_lines(args.data, args.novels), model), indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
