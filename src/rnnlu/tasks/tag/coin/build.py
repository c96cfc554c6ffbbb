"""Build the coin-mention data set from ../shared/data: ``python -m rnnlu.tasks.tag.coin.build``.

Reads the 2018 crypto tweets and a deterministic sample of ``more_crypto_tweets.txt.gz``, drops
near-copies (``data.copy_key``), pre-tags safe aliases, applies the hand labels (``labels.tsv``),
adds the ordinary-sense sentences (``ordinary.tsv``) and this project's own sentences
(``own_sentences.tsv``), splits 80/10/10 by a hash of the near-copy key and writes
``coin-{train,dev,test}.tsv`` (``token<TAB>tag``, blank line between sentences),
``coin-{split}.ambiguous.tsv`` (which tokens are context-dependent aliases), ``coin-{split}.index.tsv``
(where each sentence came from) and ``STATS.json``. Same inputs, same bytes.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from rnnlu.engine.tokenize import surface_tokens
from rnnlu.errors import RnnluError
from rnnlu.tasks.tag.coin import data as cd

TWEETS_2018 = "tagging/crypto/tweets_2018_dattobbes/tweets_unique.jsonl"
MORE_TWEETS = "tagging/crypto/more_crypto_tweets.txt.gz"
ALIASES_TSV = "tagging/crypto/coin_aliases.tsv"
# Unlabelled tweets taken from more_crypto_tweets (those with no context-dependent alias): with the
# 2018 set and the hand-labelled ones about 10k tweets, ~200k tokens: many contexts for every
# frequent coin, while the hand-read context-dependent hits stay a visible share of the data.
MORE_SAMPLE = 7500
PER_TICKER = 40  # of those, first up to this many per ticker (hash order), so rare coins appear too


@dataclass
class Item:
    """One sentence: where it came from, its text, and (once built) tokens, tags and marks."""

    source: str
    key: str
    text: str
    tokens: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    ambiguous: list[tuple[int, str]] = field(default_factory=list)  # (token index, alias)
    mentions: list[tuple[str, str]] = field(default_factory=list)  # (ticker, how: safe/hand/own)


def _read_2018(path: Path) -> list[Item]:
    items = []
    with path.open(encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if line.strip():
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as e:
                    raise RnnluError(f"{path}:{number}: not JSON ({e.msg})") from None
                items.append(Item("tweets2018", str(row["id"]), row["text"]))
    return items


def read_lines(path: Path) -> list[str]:
    """A text file's lines (gzip too), line ends removed: the builder's and the probe's one reader."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", newline="") as f:
        return [line.rstrip("\r\n") for line in f]


def _read_more(path: Path) -> list[Item]:
    return [Item("more", str(n), line) for n, line in enumerate(read_lines(path), 1) if line.strip()]


def _need(path: Path) -> Path:
    if not path.exists():
        raise RnnluError(f"{path} not found: pass --data pointing at the shared data folder (../shared/data)")
    return path


# ---- ordinary-sense and own sentences ---------------------------------------------------------------
def _field(line: str, how: str, where: str) -> str:
    """The sentence on a corpus line: the whole line, a CoNLL-U ``# text =`` line, or a TSV's 2nd column."""
    if how == "line":
        return line
    if how == "conllu":
        if not line.startswith("# text = "):
            raise RnnluError(f"{where}: expected a '# text = ' line, found {line[:40]!r}")
        return line[len("# text = "):]
    if how == "tsv2":
        if "\t" not in line:
            raise RnnluError(f"{where}: expected label<TAB>text, found no tab")
        return line.split("\t", 1)[1]
    raise RnnluError(f"{where}: unknown field kind {how!r} (line, conllu or tsv2)")


def read_ordinary(data_dir: Path, path: Path = cd.ORDINARY_PATH) -> list[Item]:
    """Sentences named in ``ordinary.tsv`` (file, 1-based line, field, sha1, alias), text checked by sha1."""
    rows = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#") or line.startswith("file\t"):
            continue
        cells = line.split("\t")
        if len(cells) != 5:
            raise RnnluError(f"{path}:{number}: expected 5 columns (file, line, field, sha1, alias)")
        rows.append((number, *cells))
    files: dict[str, list[str]] = {}
    items = []
    for number, rel, line_no, how, sha1, _alias in rows:
        if rel not in files:
            files[rel] = read_lines(_need(data_dir / rel))
        lines = files[rel]
        where = f"{path}:{number} ({rel}:{line_no})"
        if not 1 <= int(line_no) <= len(lines):
            raise RnnluError(f"{where}: the file has {len(lines)} lines")
        text = _field(lines[int(line_no) - 1], how, where)
        if not cd.sha1_prefix(text).startswith(sha1) or not sha1:
            raise RnnluError(f"{where}: the line's sha1 {cd.sha1_prefix(text)} is not {sha1!r}: the source changed")
        items.append(Item(f"ordinary:{rel}", line_no, text))
    return items


def read_own(path: Path = cd.OWN_PATH) -> list[tuple[Item, list[str]]]:
    """This project's own sentences: ``id<TAB>text<TAB>tags of its context-dependent hits, in order``."""
    out = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#") or line.startswith("id\t"):
            continue
        cells = line.split("\t")
        if len(cells) != 3:
            raise RnnluError(f"{path}:{number}: expected 3 columns (id, text, tags of the context-dependent hits)")
        out.append((Item("own", cells[0], cells[1]), cells[2].split()))
    return out


@lru_cache(maxsize=1 << 17)
def _mentions(text: str) -> tuple[cd.Mention, ...]:
    """Alias matches in a tweet's surface tokens, found once: the build reads each candidate twice."""
    return tuple(cd.find_mentions([t for t, _, _ in surface_tokens(text)]))


# ---- tagging one item --------------------------------------------------------------------------------
def tag_tweet(item: Item, labels: list[cd.Label]) -> Item:
    """Safe aliases pre-tag; labels overwrite; every context-dependent hit must be covered by a label."""
    spans = surface_tokens(item.text)
    item.tokens = [t for t, _, _ in spans]
    tags, mentions = cd.pretag(item.tokens)
    where = f"{item.source} {item.key}"
    item.tags = cd.apply_labels(item.text, spans, tags, labels, where)
    for m in mentions:
        start, end = spans[m.first][1], spans[m.last - 1][2]
        covering = [lab for lab in labels if lab.start < end and lab.end > start]
        if not m.safe:
            if not covering:
                raise RnnluError(f"{where}: the context-dependent hit {item.text[start:end]!r} at {start}-{end} "
                                 "has no hand label in labels.tsv: label it (POLICY.md)")
            item.ambiguous.extend((i, m.alias) for i in range(m.first, m.last))
        elif m.ticker != cd.NOT_A_COIN and not covering:
            item.mentions.append((m.ticker, "safe"))
    item.mentions.extend((lab.tag, "hand") for lab in labels if lab.tag != cd.NOT_A_COIN)
    return item


def tag_plain(item: Item, hit_tags: list[str] | None) -> Item:
    """Ordinary sentences (``hit_tags`` None: all ``U``) or own sentences (tags of their hits, in order)."""
    item.tokens = [t for t, _, _ in surface_tokens(item.text)]
    mentions = cd.find_mentions(item.tokens)
    dependent = [m for m in mentions if not m.safe]
    where = f"{item.source} {item.key}"
    if hit_tags is None:
        item.tags = [cd.NOT_A_COIN] * len(item.tokens)
        if not dependent:
            raise RnnluError(f"{where}: no context-dependent alias in {item.text[:60]!r}: nothing to learn from it")
    else:
        item.tags, _ = cd.pretag(item.tokens)
        if len(hit_tags) != len(dependent):
            raise RnnluError(f"{where}: {len(dependent)} context-dependent hits "
                             f"({', '.join(m.alias for m in dependent)}) but {len(hit_tags)} tags given")
        for m, tag in zip(dependent, hit_tags):
            if tag != cd.NOT_A_COIN and tag not in cd.TICKERS:
                raise RnnluError(f"{where}: unknown tag {tag!r}")
            item.tags[m.first:m.last] = [tag] * (m.last - m.first)
        item.mentions = [(m.ticker, "safe") for m in mentions if m.safe and m.ticker != cd.NOT_A_COIN]
        item.mentions += [(t, "own") for t in hit_tags if t != cd.NOT_A_COIN]
    for m in dependent:
        item.ambiguous.extend((i, m.alias) for i in range(m.first, m.last))
    return item


# ---- selection ---------------------------------------------------------------------------------------
def _hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def select_more(candidates: list[Item], n: int = MORE_SAMPLE, per_ticker: int = PER_TICKER) -> list[Item]:
    """Unlabelled tweets with no context-dependent alias: up to ``per_ticker`` mentioning each coin,
    then the rest by hash order, ``n`` in all; returned in file order."""
    ordered = sorted(candidates, key=lambda it: _hash(cd.copy_key(it.text)))
    chosen: dict[int, Item] = {}
    by_ticker: dict[str, int] = Counter()
    for it in ordered:
        tickers = {m.ticker for m in _mentions(it.text) if m.ticker != cd.NOT_A_COIN}
        if any(by_ticker[t] < per_ticker for t in tickers) and len(chosen) < n:
            chosen[id(it)] = it
            for t in tickers:
                by_ticker[t] += 1
    for it in ordered:
        if len(chosen) >= n:
            break
        chosen.setdefault(id(it), it)
    keep = set(chosen)
    return [it for it in candidates if id(it) in keep]


# ---- the build ---------------------------------------------------------------------------------------
def build(data_dir: str | Path, out_dir: str | Path, more_sample: int = MORE_SAMPLE,
          labels_path: Path = cd.LABELS_PATH, ordinary_path: Path = cd.ORDINARY_PATH,
          own_path: Path = cd.OWN_PATH) -> dict:
    """Build the data set into ``out_dir``; return the counts written to ``STATS.json``."""
    data_dir, out_dir = Path(data_dir), Path(out_dir)
    cd.check_alias_table(_need(data_dir / ALIASES_TSV))
    tweets = _read_2018(_need(data_dir / TWEETS_2018)) + _read_more(_need(data_dir / MORE_TWEETS))
    labels_by_item: dict[tuple[str, str], list[cd.Label]] = defaultdict(list)
    for label in cd.read_labels(labels_path):
        labels_by_item[(label.source, label.key)].append(label)
    ordinary = [tag_plain(it, None) for it in read_ordinary(data_dir, ordinary_path)]
    own = [tag_plain(it, tags) for it, tags in read_own(own_path)]

    kept, group_sizes = cd.dedup(tweets)
    kept_ids = {(it.source, it.key) for it in kept}
    dropped = sorted(set(labels_by_item) - kept_ids)
    if dropped:
        source, key = dropped[0]
        raise RnnluError(f"labels.tsv labels {source} {key}, which is not in the data or is a near-copy "
                         f"of an earlier tweet ({len(dropped)} such): label the first of its group")
    chosen, candidates = [], []
    for it in kept:
        labels = labels_by_item.get((it.source, it.key), [])
        if it.source == "tweets2018" or labels:
            chosen.append(tag_tweet(it, labels))
            continue
        if not any(not m.safe for m in _mentions(it.text)):
            candidates.append(it)
    sampled = [tag_tweet(it, []) for it in select_more(candidates, more_sample)]
    order = {id(it): n for n, it in enumerate(kept)}
    tweets_in = sorted(chosen + sampled, key=lambda it: order[id(it)])

    pool, _ = cd.dedup([it for it in tweets_in + ordinary + own if it.tokens])
    splits: dict[str, list[Item]] = {s: [] for s in cd.SPLITS}
    for it in pool:
        splits[cd.split_of(cd.copy_key(it.text))].append(it)
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, items in splits.items():
        _write(out_dir / f"coin-{name}.tsv",
               "\n".join("".join(f"{tok}\t{tag}\n" for tok, tag in zip(it.tokens, it.tags)) for it in items))
        _write(out_dir / f"coin-{name}.ambiguous.tsv", "sentence\ttoken\talias\tgold\n" + "".join(
            f"{s}\t{i}\t{alias}\t{it.tags[i]}\n" for s, it in enumerate(items) for i, alias in it.ambiguous))
        _write(out_dir / f"coin-{name}.index.tsv", "sentence\tsource\tkey\n" + "".join(
            f"{s}\t{it.source}\t{it.key}\n" for s, it in enumerate(items)))
    stats = _stats(tweets, kept, group_sizes, splits, labels_by_item, more_sample)
    _write(out_dir / "STATS.json", json.dumps(stats, indent=1, sort_keys=True) + "\n")
    return stats


def _stats(tweets, kept, group_sizes, splits, labels_by_item, more_sample) -> dict:
    from rnnlu.tasks.tag.coin.baseline import dictionary_tags

    def kind(it: Item) -> str:
        return "ordinary" if it.source.startswith("ordinary:") else it.source

    per_split = {}
    for name, items in splits.items():
        ambiguous = [(it, i) for it in items for i, _ in it.ambiguous]
        base_right = 0
        for it in items:
            guess = dictionary_tags(it.tokens) if it.ambiguous else None
            base_right += sum(guess[i] == it.tags[i] for i, _ in it.ambiguous)
        per_split[name] = {
            "sentences": len(items),
            "sentences_by_source": dict(sorted(Counter(kind(it) for it in items).items())),
            "tokens": sum(len(it.tokens) for it in items),
            "coin_tokens": sum(t != cd.NOT_A_COIN for it in items for t in it.tags),
            "mentions": sum(len(it.mentions) for it in items),
            "ambiguous_tokens": len(ambiguous),
            "ambiguous_tokens_coin": sum(it.tags[i] != cd.NOT_A_COIN for it, i in ambiguous),
            "dictionary_baseline_accuracy_on_ambiguous": round(base_right / len(ambiguous), 4) if ambiguous else None,
        }
    everything = [it for items in splits.values() for it in items]
    senses: dict[str, Counter] = defaultdict(Counter)
    for it in everything:
        for i, alias in it.ambiguous:
            sense = "U" if it.tags[i] == cd.NOT_A_COIN else "coin"
            senses[alias][f"{sense}:{kind(it)}"] += 1
    mention_tickers = Counter(t for it in everything for t, _ in it.mentions)
    how = Counter(h for it in everything for _, h in it.mentions)
    hand_rows = [lab for labs in labels_by_item.values() for lab in labs]
    return {
        "tweets_read": len(tweets),
        "near_copy_groups": len(kept),
        "largest_near_copy_group": max(group_sizes.values()),
        "more_crypto_sample_unlabelled": more_sample,
        "splits": per_split,
        "mentions_per_ticker": dict(sorted(mention_tickers.items())),
        "mentions_by_how": dict(sorted(how.items())),
        "hand_labels": len(hand_rows),
        "hand_labels_by_tag": dict(sorted(Counter(lab.tag for lab in hand_rows).items())),
        "ambiguous_tokens_by_alias_and_sense": {a: dict(sorted(c.items())) for a, c in sorted(senses.items())},
    }


def _write(path: Path, text: str) -> None:
    """Write atomically: a temporary file next to ``path``, then a rename."""
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(text, encoding="utf-8", newline="\n")
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rnnlu.tasks.tag.coin.build", description=__doc__.split("\n")[0])
    parser.add_argument("--data", default="../shared/data", help="the shared data folder (default ../shared/data)")
    parser.add_argument("--out", required=True, help="folder to write coin-*.tsv and STATS.json into")
    parser.add_argument("--more-sample", type=int, default=MORE_SAMPLE,
                        help=f"unlabelled tweets taken from more_crypto_tweets (default {MORE_SAMPLE})")
    args = parser.parse_args(argv)
    try:
        stats = build(args.data, args.out, more_sample=args.more_sample)
    except RnnluError as e:
        print(f"rnnlu: error: {e}", file=sys.stderr)
        return e.exit_code
    except OSError as e:
        print(f"rnnlu: error: {e.strerror}: {e.filename}", file=sys.stderr)
        return 1
    print(json.dumps({k: stats[k] for k in ("near_copy_groups", "hand_labels", "mentions_per_ticker")}
                     | {"splits": {s: v["sentences"] for s, v in stats["splits"].items()}}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
