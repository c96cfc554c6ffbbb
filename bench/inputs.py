"""Benchmark inputs: real sentences from ../shared/data (generated ones where it is absent), cycled to
the line counts needed and written to a temporary folder, never into the repository."""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from rnnlu.engine.tokenize import tokenize

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data" / "sentiment"
# The text column (second TSV field) of these files makes up the input corpus.
CORPUS_FILES = ["semeval2017_task4a/test.tsv", "sst2/test.tsv"]
TRAIN_FILE, DEV_FILE = "sst2/train.tsv", "sst2/dev.tsv"


@dataclass
class Corpus:
    """Distinct one-line texts, where they came from, and their token counts (rnnlu.engine.tokenize)."""

    texts: list[str]
    source: str

    @cached_property
    def tokens(self) -> list[list[str]]:
        return [tokenize(t) for t in self.texts]

    @cached_property
    def token_counts(self) -> list[int]:
        return [len(t) for t in self.tokens]

    def cycled(self, n: int, tokenized: bool = False) -> list:
        """The first ``n`` lines of the corpus repeated end to end (as token lists when ``tokenized``)."""
        items = self.tokens if tokenized else self.texts
        return list(itertools.islice(itertools.cycle(items), n))

    def tokens_in_first(self, n: int) -> int:
        """Tokens in the first ``n`` lines of the cycled corpus, without tokenising them again."""
        full, rest = divmod(n, len(self.texts))
        return full * sum(self.token_counts) + sum(self.token_counts[:rest])

    def write(self, folder: Path, n: int) -> Path:
        """``n`` lines, one text per line, in ``folder`` (reused when already there)."""
        path = folder / f"texts_{n}.txt"
        if not path.exists():
            with open(path, "w", encoding="utf-8") as f:
                for chunk in _chunks(n, len(self.texts)):
                    f.write("\n".join(self.texts[:chunk]))
                    f.write("\n")
        return path


def _chunks(n: int, size: int):
    while n > 0:
        yield min(n, size)
        n -= size


def load_corpus() -> Corpus:
    files = [SHARED / f for f in CORPUS_FILES]
    if all(f.is_file() for f in files):
        texts = [text for f in files for _, text in _read_tsv(f)]
        return Corpus(_distinct(texts), " + ".join(f"shared/data/sentiment/{f}" for f in CORPUS_FILES))
    return Corpus(generated_texts(5000), "generated sentences (../shared/data/sentiment not found)")


def _read_tsv(path: Path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            label, sep, text = line.rstrip("\n").partition("\t")
            if sep and text.strip():
                yield label, " ".join(text.split())  # one line, no tabs


def _distinct(texts: list[str]) -> list[str]:
    return list(dict.fromkeys(t for t in texts if t))


# ---- training data ------------------------------------------------------------------------------
@dataclass
class TrainingFiles:
    train: Path
    dev: Path
    lines: int
    source: str


def training_files(folder: Path, lines: int, dev_lines: int | None = None) -> TrainingFiles:
    """The first ``lines`` lines of sst2/train.tsv and sst2/dev.tsv as dev (its first ``dev_lines``
    lines when given), or generated ones."""
    train, dev = SHARED / TRAIN_FILE, SHARED / DEV_FILE
    out = folder / f"train_{lines}.tsv"
    if train.is_file() and dev.is_file():
        _head(train, out, lines)
        dev_source = f"shared/data/sentiment/{DEV_FILE}"
        if dev_lines:
            dev = _head(dev, folder / f"dev_{dev_lines}.tsv", dev_lines)
            dev_source = f"first {dev_lines} lines of {dev_source}"
        return TrainingFiles(out, dev, lines, f"first {lines} lines of shared/data/sentiment/{TRAIN_FILE}; "
                                                f"dev: {dev_source}")
    rng = random.Random(7)
    labelled = [_labelled_sentence(rng) for _ in range(lines + (dev_lines or 500))]
    out.write_text("".join(f"{lab}\t{txt}\n" for lab, txt in labelled[:lines]), encoding="utf-8")
    dev_out = folder / "dev_generated.tsv"
    dev_out.write_text("".join(f"{lab}\t{txt}\n" for lab, txt in labelled[lines:]), encoding="utf-8")
    return TrainingFiles(out, dev_out, lines, "generated labelled sentences (../shared/data/sentiment not found)")


def _head(src: Path, dst: Path, lines: int) -> Path:
    with open(src, encoding="utf-8") as f:
        dst.write_text("".join(itertools.islice(f, lines)), encoding="utf-8")
    return dst


# ---- generated sentences (fallback only) --------------------------------------------------------
_SUBJECTS = ["the film", "this phone", "the service", "our hotel room", "the new album", "the food", "my flight"]
_POSITIVE = ["wonderful", "great", "moving", "excellent", "delightful", "funny", "comfortable"]
_NEGATIVE = ["boring", "awful", "terrible", "slow", "disappointing", "dull", "broken"]
_FRAMES = ["{s} was {a} .", "i thought {s} was not {a} at all .", "honestly , {s} is {a} and i would say so again",
           "{s} felt {a} , but the rest was fine", "everyone told me {s} would be {a} and it was"]


def _labelled_sentence(rng: random.Random) -> tuple[str, str]:
    polarity = rng.choice(["positive", "negative"])
    adjective = rng.choice(_POSITIVE if polarity == "positive" else _NEGATIVE)
    frame = rng.choice(_FRAMES)
    if " not " in frame:  # "not great" is negative
        polarity = "negative" if polarity == "positive" else "positive"
    return polarity, frame.format(s=rng.choice(_SUBJECTS), a=adjective)


def generated_texts(n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    return _distinct([_labelled_sentence(rng)[1] for _ in range(n)])
