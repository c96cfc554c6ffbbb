"""The coin-mention data set: near-copies, splits, safe-alias pre-tagging, hand labels, builder, baseline."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from rnnlu.engine.tokenize import surface_tokens
from rnnlu.errors import RnnluError
from rnnlu.tasks.tag.coin import build as cb
from rnnlu.tasks.tag.coin import data as cd
from rnnlu.tasks.tag.coin.baseline import dictionary_tags

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def words(text: str) -> list[str]:
    return [t for t, _, _ in surface_tokens(text)]


def label(text: str, surface: str, tag: str, source: str = "more", key: str = "1", nth: int = 0) -> cd.Label:
    start = -1
    for _ in range(nth + 1):
        start = text.index(surface, start + 1)
    return cd.Label(source, key, start, start + len(surface), tag, surface, cd.sha1_prefix(text))


# ---- near-copies and splits ---------------------------------------------------------------------------
COPIES = [
    "RT @alice: Bitcoin breaks $60,000 for the first time as funds pile in https://t.co/aaa",
    "Bitcoin breaks $61,500 for the first time as funds pile in… https://t.co/bbb",
    "RT @bob: BITCOIN breaks $60,000   for the first time, as funds pile in!!",
]
OTHER = "Ethereum fees fall to a two-year low as the network upgrade lands"


def test_near_copies_share_one_key_and_dedup_keeps_the_first():
    assert len({cd.copy_key(t) for t in COPIES}) == 1
    assert cd.copy_key(OTHER) != cd.copy_key(COPIES[0])
    items = [cb.Item("more", str(n), t) for n, t in enumerate([COPIES[0], OTHER, COPIES[1], COPIES[2]], 1)]
    kept, sizes = cd.dedup(items)
    assert [it.key for it in kept] == ["1", "2"]
    assert sizes[cd.copy_key(COPIES[0])] == 3


def test_split_is_a_function_of_the_key_and_roughly_80_10_10():
    assert len({cd.split_of(cd.copy_key(t)) for t in COPIES}) == 1
    keys = [f"tweet number {n} about coins" for n in range(3000)]
    first = [cd.split_of(k) for k in keys]
    assert first == [cd.split_of(k) for k in keys]
    share = {s: first.count(s) / len(first) for s in cd.SPLITS}
    assert 0.75 < share["train"] < 0.85 and 0.07 < share["dev"] < 0.13 and 0.07 < share["test"] < 0.13


# ---- pre-tagging, labels, baseline --------------------------------------------------------------------
def test_safe_aliases_pretag_hashtags_cashtags_and_bitcoin_cash():
    tokens = words("#Bitcoin and $BTC beat Bitcoin Cash, ethereum and #ETH")
    tags, _ = cd.pretag(tokens)
    assert list(zip(tokens, tags)) == [
        ("#Bitcoin", "BTC"), ("and", "U"), ("$", "U"), ("BTC", "BTC"), ("beat", "U"), ("Bitcoin", "BCH"),
        ("Cash", "BCH"), (",", "U"), ("ethereum", "ETH"), ("and", "U"), ("#ETH", "ETH")]


def test_context_dependent_aliases_are_not_pretagged_but_found():
    tokens = words("Ripple and link and near")
    tags, mentions = cd.pretag(tokens)
    assert tags == ["U"] * 5
    assert [(m.alias, m.safe) for m in mentions] == [("ripple", False), ("link", False), ("near", False)]


def test_a_hand_label_overrides_the_tags_at_its_offsets():
    text = "Ripple hired a lawyer, so I sold my Ripple and my BTC"
    spans = surface_tokens(text)
    tags, _ = cd.pretag([t for t, _, _ in spans])
    labels = [label(text, "Ripple", "U"), label(text, "Ripple", "XRP", nth=1), label(text, "BTC", "U")]
    out = cd.apply_labels(text, spans, tags, labels, "test")
    assert [(t, g) for (t, _, _), g in zip(spans, out) if t in ("Ripple", "BTC")] == [
        ("Ripple", "U"), ("Ripple", "XRP"), ("BTC", "U")]


def test_the_sha1_check_refuses_a_changed_text():
    text = "Buy Ripple now"
    changed = "Buy Ripple today"
    lab = label(text, "Ripple", "XRP")
    with pytest.raises(RnnluError, match="sha1"):
        cd.apply_labels(changed, surface_tokens(changed), ["U"] * 3, [lab], "test")


def test_a_label_whose_surface_does_not_match_is_refused():
    text = "Buy Ripple now"
    bad = cd.Label("more", "1", 0, 3, "XRP", "Rip", cd.sha1_prefix(text))
    with pytest.raises(RnnluError, match="label says"):
        cd.apply_labels(text, surface_tokens(text), ["U"] * 3, [bad], "test")


def test_dictionary_baseline_tags_every_alias_even_a_ripple_effect():
    tokens = words("The ripple effect of Bitcoin Cash: click the link")
    assert dictionary_tags(tokens) == ["U", "XRP", "U", "U", "BCH", "BCH", "U", "U", "U", "LINK"]


def test_the_seed_example_reads_as_the_seed_writes_it():
    text = "Both Ether and Litecoin are going to take over BTC. BTC is too slow and expensive."
    item = cb.tag_plain(cb.Item("own", "seed", text), ["ETH"])
    seed = "U ETH U LTC U U U U U BTC U BTC U U U U U".split()
    assert item.tags[:-1] == seed and item.tags[-1] == "U" and item.tokens[-1] == "."


def test_own_sentence_with_the_wrong_number_of_tags_is_refused():
    with pytest.raises(RnnluError, match="2 context-dependent hits"):
        cb.tag_plain(cb.Item("own", "x", "Ripple is near"), ["XRP"])


# ---- the builder on a tiny data folder ----------------------------------------------------------------
def _fixture(tmp: Path) -> dict:
    data = tmp / "data"
    crypto = data / "tagging" / "crypto"
    (crypto / "tweets_2018_dattobbes").mkdir(parents=True)
    header = "ticker\tname\tname_in_spothq_manifest\tsafe_aliases\tcontext_dependent_aliases\ta\tb\tc\n"
    (crypto / "coin_aliases.tsv").write_text(header + "".join(
        f"{t}\tn\tn\t{s}\t{d}\t0\t0\t\n" for t, s, d in cd.ALIAS_TABLE), encoding="utf-8")
    t2018 = ["Ripple partners with a bank in Spain", "Buy #XRP and #ripple today",
             "Ethereum is slow today, I said it first"]
    with (crypto / "tweets_2018_dattobbes" / "tweets_unique.jsonl").open("w", encoding="utf-8") as f:
        for n, text in enumerate(t2018):
            f.write(json.dumps({"id": n, "text": text}) + "\n")
    more = [COPIES[0], OTHER, COPIES[1], "Stack sats and click the link", COPIES[2],
            "Litecoin and Monero are both up", "Sol hits a new high today"]
    with gzip.open(crypto / "more_crypto_tweets.txt.gz", "wt", encoding="utf-8") as f:
        f.write("\n".join(more) + "\n")
    (data / "corpus").mkdir()
    (data / "corpus" / "plain.txt").write_text("Add a dash of salt .\nThe ripple on the pond .\n", encoding="utf-8")
    labels = [label(t2018[0], "Ripple", "U", "tweets2018", "0"), label(t2018[1], "#ripple", "XRP", "tweets2018", "1"),
              label(more[3], "sats", "BTC", "more", "4"), label(more[3], "link", "U", "more", "4")]
    lab_path = tmp / "labels.tsv"
    lab_path.write_text("source\ttweet_key\tstart\tend\tticker_or_U\tsurface\tsha1\n" + "".join(
        f"{x.source}\t{x.key}\t{x.start}\t{x.end}\t{x.tag}\t{x.surface}\t{x.sha1}\n" for x in labels), encoding="utf-8")
    ord_path = tmp / "ordinary.tsv"
    ord_path.write_text("file\tline\tfield\tsha1\talias\n"
                        f"corpus/plain.txt\t1\tline\t{cd.sha1_prefix('Add a dash of salt .')}\tdash\n"
                        f"corpus/plain.txt\t2\tline\t{cd.sha1_prefix('The ripple on the pond .')}\tripple\n",
                        encoding="utf-8")
    own_path = tmp / "own.tsv"
    own_path.write_text("id\ttext\ttags\nown1\tSend me some ether, not either.\tETH\n", encoding="utf-8")
    return dict(data_dir=data, labels_path=lab_path, ordinary_path=ord_path, own_path=own_path)


def _read_sentences(path: Path) -> list[list[tuple[str, str]]]:
    blocks = path.read_text(encoding="utf-8").split("\n\n")
    return [[tuple(line.split("\t")) for line in b.splitlines()] for b in blocks if b.strip()]


def test_build_on_a_fixture_is_deterministic_and_labels_what_it_should(tmp_path):
    args = _fixture(tmp_path)
    stats = cb.build(out_dir=tmp_path / "a", more_sample=100, **args)
    cb.build(out_dir=tmp_path / "b", more_sample=100, **args)
    for name in sorted(p.name for p in (tmp_path / "a").iterdir()):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    sentences = [s for split in cd.SPLITS for s in _read_sentences(tmp_path / "a" / f"coin-{split}.tsv")]
    texts = [" ".join(t for t, _ in s) for s in sentences]
    assert sum("Bitcoin breaks" in t or "BITCOIN breaks" in t for t in texts) == 1   # near-copies kept once
    assert "Sol hits a new high today" not in texts       # a context-dependent hit nobody labelled
    tagged = {t: g for s in sentences for t, g in s}
    assert tagged["sats"] == "BTC" and tagged["link"] == "U" and tagged["#ripple"] == "XRP"
    assert tagged["dash"] == "U" and tagged["ether"] == "ETH" and tagged["Monero"] == "XMR"
    assert stats["hand_labels"] == 4
    assert sum(v["sentences"] for v in stats["splits"].values()) == len(sentences)
    ambiguous = sum(len((tmp_path / "a" / f"coin-{s}.ambiguous.tsv").read_text().splitlines()) - 1 for s in cd.SPLITS)
    assert ambiguous == 7   # Ripple, #ripple, sats, link, dash, ripple (pond), ether


def test_build_refuses_an_unlabelled_context_dependent_hit_in_the_2018_tweets(tmp_path):
    args = _fixture(tmp_path)
    lines = args["labels_path"].read_text(encoding="utf-8").splitlines()
    args["labels_path"].write_text("\n".join(line for line in lines if "Ripple" not in line) + "\n", encoding="utf-8")
    with pytest.raises(RnnluError, match="no hand label"):
        cb.build(out_dir=tmp_path / "out", more_sample=100, **args)


def test_build_refuses_a_changed_ordinary_sentence(tmp_path):
    args = _fixture(tmp_path)
    (args["data_dir"] / "corpus" / "plain.txt").write_text("Add a dash of pepper .\nThe ripple on the pond .\n")
    with pytest.raises(RnnluError, match="source changed"):
        cb.build(out_dir=tmp_path / "out", more_sample=100, **args)


def test_main_reports_missing_data_in_one_line(tmp_path, capsys):
    assert cb.main(["--data", str(tmp_path / "nowhere"), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("rnnlu: error: ") and "--data" in err and len(err.strip().splitlines()) == 1


# ---- the real data set, where the shared data exists --------------------------------------------------
@pytest.mark.skipif(not (SHARED / cb.TWEETS_2018).exists(), reason="../shared/data not present")
def test_real_build_has_disjoint_splits_after_normalisation(tmp_path):
    stats = cb.build(SHARED, tmp_path)
    keys = {}
    for split in cd.SPLITS:
        sentences = _read_sentences(tmp_path / f"coin-{split}.tsv")
        assert len(sentences) == stats["splits"][split]["sentences"]
        keys[split] = {cd.copy_key(" ".join(t for t, _ in s)) for s in sentences}
        keys[split + ":full"] = {cd.normalise(" ".join(t for t, _ in s)) for s in sentences}
    for a, b in (("train", "dev"), ("train", "test"), ("dev", "test")):
        assert not keys[a] & keys[b], (a, b, sorted(keys[a] & keys[b])[:3])
        assert not keys[a + ":full"] & keys[b + ":full"]
    assert stats["hand_labels"] > 1000 and stats["splits"]["dev"]["ambiguous_tokens"] > 50


def test_probe_reads_capitalised_ordinary_aliases_and_leaves_out_known_sentences(tmp_path):
    from rnnlu.tasks.tag.coin import probe

    brown = tmp_path / probe.BROWN
    brown.parent.mkdir(parents=True)
    brown.write_text("The Cosmos is vast .\nthe cosmos is vast .\nNothing here .\nNEAR THE FIRE\n", encoding="utf-8")
    novels = tmp_path / probe.NOVELS
    novels.mkdir(parents=True)
    with gzip.open(novels / "a.txt.gz", "wt", encoding="utf-8") as f:
        f.write("Dash me if I know!\na dash of salt\n")
    lines = probe.capitalised_lines(tmp_path, known={"NEAR THE FIRE"})
    assert lines == ["The Cosmos is vast .", "Dash me if I know!"]  # lower-case senses and a known sentence left out


def test_probe_counts_every_coin_the_tagger_puts_on_a_capitalised_alias(monkeypatch):
    from rnnlu.tasks.tag.coin import probe
    from rnnlu.tasks.tag.task import TagTask

    lines = ["Cosmos , the oversoul", "NEAR THE FIRE and near the door", "Bitcoin and Dash"]
    # capitalised context-dependent aliases: Cosmos, NEAR, Dash (lower-case "near" and safe "Bitcoin" do not count)
    every_capital = lambda self, model, token_lists: ([[("X" if t[:1].isupper() else "U") for t in ts]  # noqa: E731
                                                       for ts in token_lists], None)
    monkeypatch.setattr(TagTask, "predict_tags", every_capital)
    tagged = probe.report(lines, model=None)
    assert (tagged["alias_tokens"], tagged["model_false_coins"], tagged["dictionary_false_coins"]) == (3, 3, 3)
    assert set(tagged["by_word"]) == {"Cosmos", "NEAR", "Dash"}
    monkeypatch.setattr(TagTask, "predict_tags", lambda self, model, token_lists: ([["U"] * len(ts) for ts in token_lists], None))
    assert probe.report(lines, model=None)["model_false_coins"] == 0
