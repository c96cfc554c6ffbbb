"""Coin-mention data: the alias table, alias matching, near-copy keys, splits and hand labels.

Tags: ``U`` (not a coin) or a coin's ticker on every token of a mention. Tokens are
``rnnlu.engine.tokenize.surface_tokens``. Safe aliases tag themselves; context-dependent aliases are
labelled by hand (``labels.tsv``, policy in ``POLICY.md``).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from rnnlu.errors import RnnluError

HERE = Path(__file__).resolve().parent
LABELS_PATH = HERE / "labels.tsv"
ORDINARY_PATH = HERE / "ordinary.tsv"
OWN_PATH = HERE / "own_sentences.tsv"
NOT_A_COIN = "U"

# ticker, safe aliases, context-dependent aliases: the columns of
# ../shared/data/tagging/crypto/coin_aliases.tsv (this project's own table), kept here so the
# dictionary baseline answers without the shared data. ``check_alias_table`` compares the two.
ALIAS_TABLE: tuple[tuple[str, str, str], ...] = (
    ("BTC", "bitcoin|bitcoins|btc|xbt|₿", "sats|satoshi"),
    ("ETH", "ethereum|eth", "ether"),
    ("LTC", "litecoin|ltc", ""),
    ("XRP", "xrp", "ripple"),
    ("DOGE", "dogecoin", "doge"),
    ("ADA", "cardano", "ada"),
    ("SOL", "solana", "sol"),
    ("DOT", "polkadot", "dot"),
    ("LINK", "chainlink", "link"),
    ("MATIC", "matic", "polygon"),
    ("AVAX", "avax", "avalanche"),
    ("TRX", "trx", "tron"),
    ("XLM", "xlm", "stellar"),
    ("XMR", "monero|xmr", ""),
    ("BCH", "bch", "bitcoin cash"),
    ("BNB", "bnb", "binance"),
    ("SHIB", "shib", "shiba|shiba inu"),
    ("EOS", "", "eos"),
    ("NEO", "", "neo"),
    ("DASH", "", "dash"),
    ("ATOM", "", "atom|cosmos"),
    ("NEAR", "", "near"),
    ("GRT", "grt", "graph"),
    ("MIOTA", "miota", "iota"),
    ("MKR", "mkr", "maker"),
    ("SAND", "", "sand"),
    ("MANA", "", "mana"),
    ("USDT", "usdt", "tether"),
    ("UNI", "uniswap", "uni"),
    ("ETC", "", "etc"),
    ("LUNA", "", "luna|terra"),
)
TICKERS: tuple[str, ...] = tuple(row[0] for row in ALIAS_TABLE)
# Multi-word names from the table's name column that would otherwise be read as another coin's safe
# alias ("Ethereum Classic" is not ETH + U), and names of other coins that contain a safe alias
# (tagged U: "Bitcoin Gold" is a fork, not bitcoin). Both tag themselves.
EXTRA_SAFE_ALIASES: tuple[tuple[str, str], ...] = (
    ("ETC", "ethereum classic"), ("BNB", "binance coin"), ("NEAR", "near protocol"),
)
# Context-dependent in the table (it contains the BTC alias "bitcoin"), but every one of the 56 hits
# read by hand in the sample was Bitcoin Cash: the spaced name tags itself (POLICY.md).
PROMOTED_TO_SAFE: tuple[str, ...] = ("bitcoin cash",)
OTHER_COIN_NAMES: tuple[str, ...] = ("bitcoin gold", "bitcoin sv", "bitcoin diamond", "bitcoin private")


def _alias_maps() -> tuple[dict[tuple[str, ...], str], dict[tuple[str, ...], str]]:
    """Token sequences (lower case) -> ticker, for safe and context-dependent aliases.

    A multi-word alias also matches written as one word ("#BitcoinCash", "shibainu"), with the
    same status as the multi-word form.
    """
    safe: dict[tuple[str, ...], str] = {}
    dependent: dict[tuple[str, ...], str] = {}
    for ticker, safe_aliases, dependent_aliases in ALIAS_TABLE:
        for names, table in ((safe_aliases, safe), (dependent_aliases, dependent)):
            for name in filter(None, names.split("|")):
                target = safe if name in PROMOTED_TO_SAFE else table
                words = tuple(name.split())
                target[words] = ticker
                if len(words) > 1:
                    target[("".join(words),)] = ticker
    for ticker, name in (*EXTRA_SAFE_ALIASES, *((NOT_A_COIN, n) for n in OTHER_COIN_NAMES)):
        safe[tuple(name.split())] = safe[(name.replace(" ", ""),)] = ticker
    return safe, dependent


SAFE_ALIASES, DEPENDENT_ALIASES = _alias_maps()
MAX_ALIAS_WORDS = max(len(k) for k in (*SAFE_ALIASES, *DEPENDENT_ALIASES))
_FIRST_WORDS = frozenset(k[0] for k in (*SAFE_ALIASES, *DEPENDENT_ALIASES))  # most tokens start no alias


def check_alias_table(path: Path) -> None:
    """Refuse a shared ``coin_aliases.tsv`` whose tickers or aliases differ from ``ALIAS_TABLE``."""
    rows = [line.split("\t") for line in Path(path).read_text(encoding="utf-8").splitlines()[1:] if line.strip()]
    found = tuple((r[0], r[3], r[4]) for r in rows)
    if found != ALIAS_TABLE:
        raise RnnluError(f"{path} differs from ALIAS_TABLE in rnnlu/tasks/tag/coin/data.py: "
                         "update the table there (and relabel new context-dependent hits)")


def alias_key(token: str) -> str:
    """How a token is looked up: lower case, a leading ``#`` (hashtag) dropped."""
    return token.lower().lstrip("#") if token.startswith("#") and len(token) > 1 else token.lower()


@dataclass(frozen=True)
class Mention:
    """Tokens ``[first, last)`` match an alias of ``ticker``; ``safe`` False = context-dependent.

    ``ticker`` is ``U`` for the names of other coins that contain an alias ("Bitcoin Gold")."""

    first: int
    last: int
    ticker: str
    safe: bool
    alias: str


def find_mentions(tokens: list[str]) -> list[Mention]:
    """Alias matches, longest first, left to right; "Bitcoin Cash" is one (context-dependent) match."""
    keys = [alias_key(t) for t in tokens]
    found: list[Mention] = []
    i = 0
    while i < len(tokens):
        if keys[i] not in _FIRST_WORDS:
            i += 1
            continue
        for width in range(min(MAX_ALIAS_WORDS, len(tokens) - i), 0, -1):
            words = tuple(keys[i:i + width])
            if width > 1 and any(tokens[k].startswith("#") for k in range(i + 1, i + width)):
                continue  # "#bitcoin #cash" are two hashtags, not one name
            if words in DEPENDENT_ALIASES:
                found.append(Mention(i, i + width, DEPENDENT_ALIASES[words], False, " ".join(words)))
                break
            if words in SAFE_ALIASES:
                found.append(Mention(i, i + width, SAFE_ALIASES[words], True, " ".join(words)))
                break
        else:
            i += 1
            continue
        i = found[-1].last
    return found


def pretag(tokens: list[str]) -> tuple[list[str], list[Mention]]:
    """Tags from safe aliases only (context-dependent hits stay ``U``), and every mention found."""
    tags = [NOT_A_COIN] * len(tokens)
    mentions = find_mentions(tokens)
    for m in mentions:
        if m.safe and m.ticker != NOT_A_COIN:
            tags[m.first:m.last] = [m.ticker] * (m.last - m.first)
    return tags, mentions


# ---- near-copies and splits -------------------------------------------------------------------------
_RT_RE = re.compile(r"^\s*((RT\s+)?[@\uff20]\w+\s*:?\s*)+", re.IGNORECASE)  # "RT @a:", "@a @b" (a reply)
_URL_RE = re.compile(r"(https?://\S*|www\.\S+)", re.IGNORECASE)
_HTML = {"&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'"}
_NOT_WORD_RE = re.compile(r"[\W_]+")
_DIGITS_RE = re.compile(r"\d+")
KEY_CHARS = 60


def normalise(text: str) -> str:
    """Text as compared for near-copies: no ``RT @user:`` prefix or leading ``@user``s, no links, lower case, only letters
    and digits (no spaces, punctuation, emoji or "…"), every run of digits as one ``0``.

    Dropping the spaces makes it blind to tokenisation: a text and its tokens joined by spaces
    normalise alike.
    """
    text = _RT_RE.sub("", text)
    for entity, char in _HTML.items():
        text = text.replace(entity, char)
    text = _URL_RE.sub(" ", text)
    return _DIGITS_RE.sub("0", _NOT_WORD_RE.sub("", text.lower()))


def copy_key(text: str) -> str:
    """Near-copy key: the first ``KEY_CHARS`` characters of the normalised text (about ten words).

    Two texts equal after normalisation share the key, and so do a retweet cut short and its
    original, or bot tweets that differ only in numbers, links, emoji or punctuation.
    """
    return normalise(text)[:KEY_CHARS]


SPLITS = ("train", "dev", "test")


def split_of(key: str) -> str:
    """train/dev/test (80/10/10) by a hash of the near-copy key: a near-copy cannot cross splits."""
    bucket = int(hashlib.sha1(key.encode("utf-8")).hexdigest()[:8], 16) % 10
    return "test" if bucket == 9 else "dev" if bucket == 8 else "train"


def sha1_prefix(text: str, n: int = 10) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:n]


def dedup(items: list, key=lambda item: copy_key(item.text)) -> tuple[list, dict[str, int]]:
    """Keep the first item of each near-copy group; also the size of each group by key."""
    kept, sizes = [], {}
    for item in items:
        k = key(item)
        if k not in sizes:
            sizes[k] = 0
            kept.append(item)
        sizes[k] += 1
    return kept, sizes


# ---- hand labels ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Label:
    source: str
    key: str
    start: int
    end: int
    tag: str
    surface: str
    sha1: str


LABEL_COLUMNS = ("source", "tweet_key", "start", "end", "ticker_or_U", "surface", "sha1")


def read_labels(path: Path = LABELS_PATH) -> list[Label]:
    """Rows of ``labels.tsv`` (header line, ``#`` comments and blank lines skipped)."""
    labels = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#") or line.startswith("source\t"):
            continue
        cells = line.split("\t")
        if len(cells) != len(LABEL_COLUMNS):
            raise RnnluError(f"{path}:{number}: expected {len(LABEL_COLUMNS)} tab-separated columns "
                             f"({', '.join(LABEL_COLUMNS)}), found {len(cells)}")
        source, key, start, end, tag, surface, sha1 = cells
        if tag != NOT_A_COIN and tag not in TICKERS:
            raise RnnluError(f"{path}:{number}: unknown tag {tag!r}; use U or one of the 31 tickers")
        labels.append(Label(source, key, int(start), int(end), tag, surface, sha1))
    return labels


def apply_labels(text: str, spans: list[tuple[str, int, int]], tags: list[str], labels: list[Label],
                 where: str) -> list[str]:
    """Overwrite ``tags`` on the tokens inside each label's character span; check text and offsets.

    Refuses a label whose sha1 prefix does not match ``text`` (the source changed) or whose
    ``surface`` is not ``text[start:end]`` or that covers no token.
    """
    tags = list(tags)
    digest = sha1_prefix(text)
    for label in labels:
        if not digest.startswith(label.sha1) or not label.sha1:
            raise RnnluError(f"{where}: the text's sha1 {digest} does not match the label's "
                             f"{label.sha1!r}: the source changed; relabel it or restore the source")
        if text[label.start:label.end] != label.surface:
            raise RnnluError(f"{where}: characters {label.start}-{label.end} read "
                             f"{text[label.start:label.end]!r}, the label says {label.surface!r}")
        inside = [i for i, (_, s, e) in enumerate(spans) if s >= label.start and e <= label.end and e > s]
        if not inside:
            raise RnnluError(f"{where}: no token lies inside characters {label.start}-{label.end}")
        for i in inside:
            tags[i] = label.tag
    return tags
