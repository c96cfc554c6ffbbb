"""Sentiment augmentations: extra training texts whose labels are right by construction.

Negated copies of short polar phrases ("not at all happy": negative), negation inside short clauses
("it was not bad at all": positive), "X but Y" pairs of clauses each polar on its own (labelled as Y),
the opinion lexicon's words as one-word examples, and real sentences of plain prose that hold no
opinion word (labelled neutral). Used by ``rnnlu train sentiment --augment-*``.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from rnnlu.corpus import corpus_files, read_wrapped
from rnnlu.engine.tokenize import NUMBER, tokenize
from rnnlu.errors import UsageError
from rnnlu.tasks.base import LabelledData
from rnnlu.tasks.sentiment.baseline import WordCountBaseline

NEGATION_CUES = (("not",), ("not", "at", "all"), ("never",), ("not", "very"), ("hardly",), ("not", "really"))
NEGATION_WORDS = {"not", "n't", "no", "never", "hardly", "nothing", "none", "nor", "neither", "without", "nobody"}
FLIP = {"positive": "negative", "negative": "positive"}


def negation_examples(data: LabelledData, seed: int, max_tokens: int = 3) -> LabelledData:
    """Negated copies of short polar phrases: "happy" (positive) -> "not at all happy" (negative).

    Sentence corpora hold few plain negations, so a model can learn "happy" without learning "not
    happy". Each polar text of at most ``max_tokens`` plain words (no punctuation, no conjunction, no
    negation of its own) gets one copy behind a negation cue (seeded), with the opposite label.
    """
    rng = random.Random(seed)
    return _negated_copies(data, max_tokens, lambda toks: list(rng.choice(NEGATION_CUES)) + toks, "negated copies")


def _negated_copies(data: LabelledData, max_tokens: int, negate: Callable[[list[str]], list[str]],
                    what: str) -> LabelledData:
    """``negate(tokens)`` of every short plain polar text, with the opposite label."""
    texts, tokens, labels = [], [], []
    for toks, label in zip(data.tokens, data.labels):
        plain = all(t.replace("-", "").isalpha() for t in toks) and not {"and", "but", "or", "to"} & set(toks)
        if label in FLIP and 0 < len(toks) <= max_tokens and plain and not NEGATION_WORDS.intersection(toks):
            copy = negate(list(toks))
            tokens.append(copy)
            texts.append(" ".join(copy))
            labels.append(FLIP[label])
    return LabelledData(f"{data.path} ({what})", texts, tokens, labels, [0] * len(texts))


NEGATION_FRAMES = ((["it", "was", "not"], ["at", "all"]), (["it", "is", "not"], ["at", "all"]),
                   (["not"], ["at", "all"]), (["this", "is", "not"], []), (["that", "was", "not"], []),
                   (["it", "was", "never"], []), (["they", "were", "not"], ["at", "all"]),
                   (["i", "was", "not"], []), (["it", "is", "not", "really"], []))


def negation_frame_examples(data: LabelledData, seed: int, max_tokens: int = 2) -> LabelledData:
    """Negated copies inside short clauses: "bad" (negative) -> "it was not bad at all" (positive).

    ``negation_examples`` puts the cue first; in real text the negated word often sits inside a clause,
    with "at all" after it. Each plain polar text of at most ``max_tokens`` words gets one copy in a
    frame drawn (seeded) from ``NEGATION_FRAMES``, with the opposite label.
    """
    rng = random.Random(seed + 2)

    def negate(toks: list[str]) -> list[str]:
        before, after = rng.choice(NEGATION_FRAMES)
        return before + toks + after

    return _negated_copies(data, max_tokens, negate, "negated in a clause")


def clearly_polar(tokens: list[str], label: str) -> bool:
    """True when ``tokens`` carry ``label`` on their own: an opinion-lexicon word of that polarity
    decides the word count and no negation can turn it. Only such clauses go into contrast pairs, so
    the clause after "but" is always itself polar ("they were not" is a fragment, not a contrast)."""
    if NEGATION_WORDS.intersection(tokens):
        return False
    return WordCountBaseline.opinion_lexicon()(tokens).label == label


CONTRAST_CUES = (("but",), (",", "but"), (";", "however", ","), (".", "but"))
CONTRAST_WORDS = {"but", "however", "although", "though", "yet", "while", "whereas"}


def contrast_examples(data: list[LabelledData], seed: int, copies: int = 15000,
                      min_tokens: int = 2, max_tokens: int = 8) -> LabelledData:
    """"X but Y" texts from two short polar texts of opposite labels; the label is Y's.

    After "but" (or "however") the second clause decides ("the plot was thin but the acting was
    superb": positive). Both clauses must be :func:`clearly_polar`, so every pair is a real contrast
    and its label is right. Training data holds few such pairs with the first clause opposite, so a model
    may learn to weigh every polar word alike. Pairs are drawn (seeded) from plain polar texts of
    ``min_tokens``..``max_tokens`` tokens that hold no contrast word of their own.
    """
    rng = random.Random(seed + 1)
    pools: dict[str, list[list[str]]] = {"positive": [], "negative": []}
    for d in data:
        for toks, label in zip(d.tokens, d.labels):
            if label in pools and min_tokens <= len(toks) <= max_tokens and not CONTRAST_WORDS.intersection(toks) \
                    and toks[-1] not in {",", ";", ":", "-", "--", "and", "or", "the", "a"} \
                    and clearly_polar(toks, label):
                pools[label].append(toks)
    texts, tokens, labels = [], [], []
    if pools["positive"] and pools["negative"]:
        for i in range(copies):
            second = "positive" if i % 2 else "negative"
            x, y = rng.choice(pools[FLIP[second]]), rng.choice(pools[second])
            toks = [t for t in x if t not in {".", "!", "?"}] + list(rng.choice(CONTRAST_CUES)) + y
            tokens.append(toks)
            texts.append(" ".join(toks))
            labels.append(second)
    return LabelledData("contrast pairs", texts, tokens, labels, [0] * len(texts))


CLAIM_NEGATORS = (("i", "do", "n't", "think"), ("i", "do", "not", "think"), ("i", "would", "n't", "say"),
                  ("i", "ca", "n't", "say"), ("i", "do", "n't", "believe"), ("nobody", "would", "say"),
                  ("it", "is", "not", "true", "that"), ("i", "do", "n't", "feel", "that"), ("i", "would", "not", "claim"),
                  ("no", "one", "could", "say"), ("i", "did", "n't", "find", "that"), ("i", "am", "not", "sure"))
CLAIM_SUBJECTS = {"the", "this", "it", "these", "those", "its", "his", "her", "their", "they", "he", "she",
                  "we", "my", "our", "your", "everything", "a", "an"}
BE = {"is", "was", "were", "are"}


def is_claim(tokens: list[str]) -> bool:
    """A short whole clause, subject first: "the performances are remarkable", "it 's a good one"."""
    if not 3 <= len(tokens) <= 9 or tokens[0] not in CLAIM_SUBJECTS or CONTRAST_WORDS.intersection(tokens):
        return False
    if tokens[-1] in {",", ";", "-", "--", "and", "or", "the", "a"}:
        return False
    return (tokens[0] in {"it", "he", "she"} and tokens[1] == "'s") or bool(BE.intersection(tokens[1:5]))


def negated_claim_examples(data: list[LabelledData], seed: int, per_claim: int = 3) -> LabelledData:
    """A polar clause under a negated verb of belief or saying, with the opposite label: "the performances
    are remarkable" (positive) -> "i do n't think the performances are remarkable" (negative).

    The negation sits outside the clause it turns, often words away from the opinion word, which the
    short negated phrases never show. Clauses are the training texts that are whole clauses
    (:func:`is_claim`) and :func:`clearly_polar`; each gets ``per_claim`` copies under negators drawn
    (seeded) from ``CLAIM_NEGATORS``.
    """
    rng = random.Random(seed + 4)
    texts, tokens, labels = [], [], []
    for d in data:
        for toks, label in zip(d.tokens, d.labels):
            if label in FLIP and is_claim(toks) and clearly_polar(toks, label):
                clause = [t for t in toks if t not in {".", "!"}]
                for negator in rng.sample(CLAIM_NEGATORS, per_claim):
                    copy = list(negator) + clause
                    tokens.append(copy)
                    texts.append(" ".join(copy))
                    labels.append(FLIP[label])
    return LabelledData("negated claims", texts, tokens, labels, [0] * len(texts))


LEXICON_SOURCE = "opinion lexicon (Hu & Liu 2004, shipped in rnnlu/tasks/sentiment/lexicons)"


def lexicon_examples(labels: set[str]) -> LabelledData:
    """One-word examples from Hu & Liu's opinion lexicon: "dreadful" (negative), "superb" (positive).

    Half of the lexicon's 6,786 words are outside a 25k-word vocabulary, and most never occur alone in
    the training data, so a model meets "dreadful" first in a review it must read. As examples of their
    own they teach the word vectors and, for unknown words, the character n-grams which way a word leans;
    the negation augmentations then put them behind "not" as well. The lists are the ones the word-count
    baseline counts, shipped inside the package.
    """
    if not {"positive", "negative"} <= labels:
        raise UsageError("--augment-lexicon needs training files labelled positive and negative")
    lexicon = WordCountBaseline.opinion_lexicon()
    texts, tokens, out_labels = [], [], []
    for words, sign in lexicon.polarity.items():
        toks = tokenize(" ".join(words))
        texts.append(" ".join(words))
        tokens.append(toks)
        out_labels.append("positive" if sign > 0 else "negative")
    return LabelledData(LEXICON_SOURCE, texts, tokens, out_labels, [0] * len(texts))


NEUTRAL_PUNCTUATION = {",", ".", ";", ":", "(", ")", "-", "--"}


def plain_statement(tokens: list[str], lexicon: WordCountBaseline) -> bool:
    """True for a sentence that states without judging: words, numbers and plain punctuation only (no
    "!" or "?", no quotation, no markup), and not one word or phrase of the opinion lexicon."""
    for t in tokens:
        if t in NEUTRAL_PUNCTUATION or t in {"'s", "n't", "'re", "'ve", "'ll", "'d", "'m", NUMBER}:
            continue
        if not t.replace("-", "").replace("'", "").replace(".", "").isalnum():
            return False
    result = lexicon(tokens)
    return not result.positive and not result.negative


def neutral_examples(path: str, seed: int, count: int, labels: list[str],
                     min_tokens: int = 4, max_tokens: int = 25) -> LabelledData:
    """Up to ``count`` sentences of real prose (news, encyclopedia, fiction) with no opinion word, as
    neutral examples: "the museum is closed on mondays", "he did not take the train".

    Polar training data teaches what opinion looks like; without statements that hold none, a model
    calls every fact positive or negative. A sentence passes :func:`plain_statement`; a third of the
    sample (where the text has that many) holds a negation ("not", "n't", "no", "never", ...), because a
    negated fact is no opinion either. The final full stop is dropped (a model must not learn "ends in
    a full stop: neutral"). Sentences are cut from ``path`` (a file or folder of raw text,
    wrapped or one per line) and sampled with ``seed``. Every label in ``labels`` competes in the loss.
    """
    lexicon = WordCountBaseline.opinion_lexicon()
    plain, negated = [], []
    for file in corpus_files(path):
        for sentence in read_wrapped(file):
            toks = tokenize(sentence)
            if toks and toks[-1] == ".":   # prose ends in " ."; tweets and phrases seldom do: not a cue to learn
                toks, sentence = toks[:-1], sentence.rstrip().removesuffix(".").rstrip()
            if min_tokens <= len(toks) <= max_tokens and plain_statement(toks, lexicon):
                (negated if NEGATION_WORDS.intersection(toks) or "n't" in toks else plain).append((sentence, toks))
    if not plain and not negated:
        raise UsageError(f"--augment-neutral {path}: no sentence of {min_tokens}-{max_tokens} words without an "
                         "opinion word; give plain prose (news, encyclopedia text), one sentence or paragraph per line")
    rng = random.Random(seed + 3)
    take_negated = min(len(negated), count // 3)
    chosen = rng.sample(negated, take_negated) + rng.sample(plain, min(len(plain), count - take_negated))
    rng.shuffle(chosen)
    return LabelledData(path, [s for s, _ in chosen], [t for _, t in chosen], ["neutral"] * len(chosen),
                        [0] * len(chosen), could_say=list(labels))
