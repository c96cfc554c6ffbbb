"""rnnlu tag: readers, spans and the CoNLL scorer, Viterbi, a tiny tagger trained for real, every output format."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import SHARED, assert_resume_is_exact

from rnnlu.conll import read_sentences, sentence_text
from rnnlu.engine.viterbi import bio_allowed, viterbi
from rnnlu.engine.wordshape import CASES, case_class, word_key
from rnnlu.errors import RnnluError
from rnnlu.spans import bio_spans, run_spans, span_scores
from rnnlu.tasks.tag.baseline import FrequentTagBaseline

POS_SENTENCES = [
    ("the dog runs .", "DET NOUN VERB PUNCT"),
    ("a cat sleeps .", "DET NOUN VERB PUNCT"),
    ("the big dog barks", "DET ADJ NOUN VERB"),
    ("John likes Mary .", "PROPN VERB PROPN PUNCT"),
    ("Mary sees the small cat", "PROPN VERB DET ADJ NOUN"),
    ("a dog likes John", "DET NOUN VERB PROPN"),
]
NER_SENTENCES = [
    ("I love Paris", "O O B-location"),
    ("Barack Obama visited London today", "B-person I-person O B-location O"),
    ("we met Anna in Rome", "O O B-person O B-location"),
    ("Anna likes London", "B-person O B-location"),
]


def write_tagged(path: Path, sentences, repeat: int = 1) -> Path:
    blocks = []
    for text, tags in sentences * repeat:
        blocks.append("\n".join(f"{w}\t{t}" for w, t in zip(text.split(), tags.split())))
    path.write_text("\n\n".join(blocks) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def tag_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tagdata")
    return (write_tagged(folder / "pos-train.tsv", POS_SENTENCES, repeat=4), write_tagged(folder / "pos-dev.tsv", POS_SENTENCES),
            write_tagged(folder / "ner-train.tsv", NER_SENTENCES, repeat=4), write_tagged(folder / "ner-dev.tsv", NER_SENTENCES))


def _train(scheme: str, train_file: Path, dev_file: Path, out: Path) -> Path:
    from rnnlu.training.train import TrainOptions, train

    result = train(TrainOptions(task="tag", scheme=scheme, train=[str(train_file)], dev=[str(dev_file)], out=str(out),
                                hidden=16, embedding_dim=16, epochs=30, min_freq=1, patience=40, seed=1, dropout=0.0,
                                word_dropout=0.0, lr=0.03, batch_size=4, subword_buckets=50, threads=1))
    return Path(result.path)


@pytest.fixture(scope="session")
def pos_model(tmp_path_factory, tag_files):
    return _train("pos", tag_files[0], tag_files[1], tmp_path_factory.mktemp("tagmodels") / "tiny-pos.safetensors")


@pytest.fixture(scope="session")
def ner_model(tmp_path_factory, tag_files):
    return _train("ner", tag_files[2], tag_files[3], tmp_path_factory.mktemp("tagmodels") / "tiny-ner.safetensors")


# ---- spans and scoring ---------------------------------------------------------------------------------
def test_bio_spans_follow_conlleval():
    tags = ["B-person", "I-person", "O", "I-location", "I-location", "B-location", "I-person"]
    assert [(s.label, s.start, s.end) for s in bio_spans(tags)] == [
        ("person", 0, 2), ("location", 3, 5), ("location", 5, 6), ("person", 6, 7)]


def test_coin_spans_are_runs_of_one_ticker():
    tags = ["U", "BCH", "BCH", "ETH", "U", "BTC"]
    assert [(s.label, s.start, s.end) for s in run_spans(tags)] == [("BCH", 1, 3), ("ETH", 3, 4), ("BTC", 5, 6)]


def test_span_scores_on_a_hand_made_file(tmp_path):
    gold = tmp_path / "gold.tsv"
    gold.write_text("Anna\tB-person\nlives\tO\nin\tO\nNew\tB-location\nYork\tI-location\n\n"
                    "Apple\tB-corporation\nsells\tO\niPhones\tB-product\n", encoding="utf-8")
    pred = tmp_path / "pred.tsv"  # person right; location cut short (wrong); corporation right; product missed; one spurious
    pred.write_text("Anna\tB-person\nlives\tO\nin\tB-group\nNew\tB-location\nYork\tO\n\n"
                    "Apple\tB-corporation\nsells\tO\niPhones\tO\n", encoding="utf-8")
    g = [s.tags for s in read_sentences(gold)]
    p = [s.tags for s in read_sentences(pred)]
    overall, per_type = span_scores(g, p, "bio")
    assert (overall.gold, overall.predicted, overall.correct) == (4, 4, 2)
    assert overall.precision == pytest.approx(0.5) and overall.recall == pytest.approx(0.5)
    by = {r.label: r for r in per_type}
    assert by["location"].f1 == 0.0 and by["person"].f1 == 1.0 and by["group"].precision == 0.0


WNUT = SHARED / "tagging" / "ner" / "wnut17"


@pytest.mark.skipif(not (WNUT / "published_scores.tsv").exists(), reason="WNUT-17 data not present")
def test_span_scorer_matches_the_published_wnut17_score():
    gold = [s.tags for s in read_sentences(WNUT / "emerging.test.annotated")]
    rows = [line.split("\t") for line in (WNUT / "published_scores.tsv").read_text().splitlines()[1:]]
    system = next(r for r in rows if r[1] == "submissions/uh_ritual")
    predicted = [s.tags for s in read_sentences(WNUT / system[1])]
    overall, _ = span_scores(gold, predicted, "bio")
    assert round(overall.precision * 100, 2) == float(system[2])
    assert round(overall.recall * 100, 2) == float(system[3])
    assert round(overall.f1 * 100, 2) == float(system[4])


def test_viterbi_keeps_bio_well_formed_and_agrees_with_argmax_when_it_is():
    labels = ["O", "B-person", "I-person", "B-location", "I-location"]
    start, trans = bio_allowed(labels)
    rng = np.random.default_rng(0)
    for _ in range(50):
        lp = np.log(rng.dirichlet(np.ones(len(labels)), size=8))
        tags = [labels[i] for i in viterbi(lp, start, trans)]
        for i, tag in enumerate(tags):
            if tag.startswith("I-"):
                assert i > 0 and tags[i - 1][2:] == tag[2:] and tags[i - 1] != "O"
    lp = np.log(np.array([[0.1, 0.8, 0.04, 0.03, 0.03], [0.1, 0.05, 0.8, 0.03, 0.02], [0.9, 0.02, 0.04, 0.02, 0.02]]))
    assert viterbi(lp, start, trans) == [1, 2, 0]
    # I-person first is forbidden: the best legal start wins
    lp = np.log(np.array([[0.05, 0.3, 0.6, 0.03, 0.02]]))
    assert viterbi(lp, start, trans) == [1]


# ---- readers -------------------------------------------------------------------------------------------
def test_conllu_reader_skips_ranges_and_reads_text(tmp_path):
    f = tmp_path / "x.conllu"
    cols = lambda i, w, t: f"{i}\t{w}\t_\t{t}\t_\t_\t0\t_\t_\t_"  # noqa: E731
    f.write_text("# text = I don't know\n" + "\n".join([cols(1, "I", "PRON"), "2-3\tdon't\t_\t_\t_\t_\t_\t_\t_\t_",
                 cols(2, "do", "AUX"), cols(3, "n't", "PART"), cols(4, "know", "VERB")]) + "\n\n", encoding="utf-8")
    (s,) = list(read_sentences(f))
    assert s.tokens == ["I", "do", "n't", "know"] and s.tags == ["PRON", "AUX", "PART", "VERB"]
    text, offsets = sentence_text(s)
    assert text == "I don't know" and [text[a:b] for a, b in offsets] == s.tokens


def test_malformed_line_names_its_line(tmp_path):
    f = tmp_path / "bad.tsv"
    f.write_text("the\tDET\ndog\tNOUN\n\na\tDET\ncat NOUN\n", encoding="utf-8")
    with pytest.raises(RnnluError, match=r"bad.tsv:5: expected `token<TAB>tag`"):
        list(read_sentences(f))


def test_tag_outside_the_scheme_is_refused_with_its_line(tmp_path):
    from rnnlu.tasks.tag import TagTask

    f = tmp_path / "x.tsv"
    f.write_text("the\tDET\ndog\tNOUN\n\na\tDET\ncat\tNOUNN\n", encoding="utf-8")
    with pytest.raises(RnnluError, match=r"x.tsv:5: tag 'NOUNN' is not in the pos scheme"):
        TagTask("pos").read_labelled(f)


def test_word_features():
    assert word_key("Bitcoin") == "bitcoin" and word_key("2018") == "0000" and word_key("@bob") == "<user>"
    assert [CASES[case_class(w)] for w in ("coin", "Bitcoin", "BTC", "2018", "iPhone", "!!", "I")] == \
        ["lower", "title", "upper", "digit", "mixed", "other", "title"]


def test_feature_rows_are_each_tokens_ngrams_then_its_case_class():
    """The vectorised [B, steps, K] rows: every token's n-gram buckets in order, then its case row; 0 after;
    lists longer than ``steps`` cut; with no buckets, the case row alone."""
    from rnnlu.engine.subwords import bucket_ids
    from rnnlu.engine.wordshape import feature_rows

    lists = [["Bitcoin", "to", "the", "MOON", "!!"], [], ["iPhone", "2018", "naïve", "I", "Bitcoin", "x"]]
    for buckets in (0, 101):
        for steps in (3, 6):
            got = feature_rows(lists, buckets, steps)
            for b, tokens in enumerate(lists):
                for t in range(steps):
                    row = got[b, t].tolist()
                    if t >= len(tokens):
                        assert row == [0] * len(row)
                        continue
                    grams = list(bucket_ids(tokens[t], buckets)) if buckets else []
                    case = (buckets + 1 if buckets else 1) + case_class(tokens[t])
                    assert row == grams + [case] + [0] * (len(row) - len(grams) - 1)
            longest = max((len(bucket_ids(t, buckets)) if buckets else 0) for x in lists for t in x[:steps])
            assert got.shape == (len(lists), steps, longest + 1)


def test_frequent_tag_baseline_round_trips():
    b = FrequentTagBaseline.fit([["the", "run", "run", "The"], ["a", "run"]], [["DET", "NOUN", "VERB", "DET"], ["DET", "VERB"]])
    again = FrequentTagBaseline.from_dict(json.loads(json.dumps(b.to_dict())))
    assert again(["the", "run", "THE", "zebra"]) == ["DET", "VERB", "DET", "DET"]  # unknown: the most frequent tag


# ---- a tiny tagger, for real ----------------------------------------------------------------------------
def test_numpy_engine_answers_as_torch_does(pos_model):
    import torch

    from rnnlu.engine.model import Model
    from rnnlu.engine.wordshape import feature_rows
    from rnnlu.nn.network import Network

    model = Model.load(pos_model)
    net = Network(model.config)
    net.load_state_dict({k: torch.from_numpy(np.asarray(v, dtype=np.float32)) for k, v in model.tensors.items()})
    net.eval()
    tokens = [["Mary", "likes", "the", "Zebra", "!"], ["a", "dog"]]
    fwd = model.forward(tokens)
    sub = torch.from_numpy(feature_rows(tokens, model.config.subword_buckets, fwd.ids.shape[1]))
    with torch.no_grad():
        logits = net(torch.from_numpy(fwd.ids), torch.from_numpy(fwd.lengths), sub).numpy()
    mask = np.arange(fwd.ids.shape[1])[None, :] < fwd.lengths[:, None]
    assert np.allclose(logits[mask], fwd.logits[mask], atol=1e-4)


def test_tiny_tagger_learns_and_its_card_has_the_baseline(pos_model):
    card = json.loads(pos_model.with_name("tiny-pos.card.json").read_text())
    assert card["task"] == "tag" and card["scheme"] == "pos"
    dev = card["dev"][0]
    assert dev["metric"] == "accuracy" and dev["value"] >= 0.9 and "baseline_value" in dev
    assert "| split | file | tokens |" in pos_model.with_name("tiny-pos.card.md").read_text()


def test_cli_formats(run_cli, pos_model, tmp_path):
    text = "Mary likes the dog ."
    tags = run_cli("tag", "-m", pos_model, "-f", "tags", text, "")
    assert tags.returncode == 0, tags.stderr
    lines = tags.stdout.decode().split("\n")
    assert len(lines[0].split()) == 5 and lines[1] == ""  # an empty text: an empty line, not an error
    rec = [json.loads(line) for line in run_cli("tag", "-m", pos_model, "-f", "jsonl", text, "").stdout.decode().splitlines()]
    assert rec[0]["tokens"] == ["Mary", "likes", "the", "dog", "."] and len(rec[0]["probabilities"]) == 5
    assert rec[0]["tags"] == lines[0].split() and rec[1]["tokens"] == [] and rec[1]["tags"] == []
    whole = json.loads(run_cli("tag", "-m", pos_model, "-f", "json", text).stdout)
    assert whole[0]["tags"] == rec[0]["tags"]
    conll = run_cli("tag", "-m", pos_model, "-f", "conll", text).stdout.decode()
    assert conll.startswith("# text = Mary likes the dog .\n1\tMary\t_\t") and len(conll.strip().splitlines()) == 6
    table = run_cli("tag", "-m", pos_model, "-f", "table", "--compare", text).stdout.decode()
    assert "Mary" in table and "baseline" in table
    csv_in = tmp_path / "in.csv"
    csv_in.write_text("id,text\n7,Mary likes the dog .\n8,\n", encoding="utf-8")
    out = run_cli("tag", "-m", pos_model, "--csv", csv_in, "-f", "csv", "--compare")
    rows = out.stdout.decode().splitlines()
    assert rows[0] == "id,text,tokens,tags,probabilities,spans,model,baseline_tags"
    assert rows[1].startswith("7,Mary likes the dog .,Mary likes the dog .,") and "differ on" in out.stderr.decode()


def test_cli_conll_input_keeps_its_tokens_and_summary_counts(run_cli, pos_model, tag_files):
    out = run_cli("tag", "-m", pos_model, "--conll", tag_files[1], "-f", "jsonl")
    recs = [json.loads(line) for line in out.stdout.decode().splitlines()]
    assert [r["tokens"] for r in recs] == [t.split() for t, _ in POS_SENTENCES]
    summary = json.loads(run_cli("tag", "-m", pos_model, "--conll", tag_files[1], "--summary", "-f", "json").stdout)
    total = sum(len(t.split()) for t, _ in POS_SENTENCES)
    assert sum(c["model"] for c in summary["counts"]) == total == sum(c["baseline"] for c in summary["counts"])
    counts = [c["model"] for c in summary["counts"]]
    assert counts == sorted(counts, reverse=True)


def test_ner_spans_have_offsets_into_the_text(run_cli, ner_model):
    text = "Barack Obama visited London today"
    rec = json.loads(run_cli("tag", "-m", ner_model, "-f", "jsonl", text).stdout)
    assert rec["spans"], rec
    for span in rec["spans"]:
        assert text[span["start"] : span["end"]] == span["text"] and 0 < span["score"] <= 1
    assert ("location", "London") in {(s["label"], s["text"]) for s in rec["spans"]}
    assert "London\tB-location" in run_cli("tag", "-m", ner_model, "-f", "conll", text).stdout.decode()


def test_cli_evaluate_tag(run_cli, ner_model, tag_files):
    out = run_cli("evaluate", "tag", "-m", ner_model, "--data", tag_files[3], "--compare", "-f", "json")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["metric"] == "span_f1" and result["model_scores"]["spans"]["gold"] == 7
    assert {t["label"] for t in result["model_scores"]["span_types"]} >= {"person", "location"}
    assert "baseline_scores" in result


def test_evaluate_tag_table_is_the_shared_report(run_cli, ner_model, tag_files):
    """The terminal report of any task comes from one printer: rows of model | baseline, spans per type."""
    out = run_cli("evaluate", "tag", "-m", ner_model, "--data", tag_files[3], "--compare")
    text = out.stdout.decode()
    assert out.returncode == 0, out.stderr
    assert "spans P / R / F1 (gold 7)" in text and "  person (gold" in text and "baseline (" in text
    assert "model and baseline differ on" in text and "confusion, model" in text


def test_input_columns_are_kept_beside_the_tags(run_cli, pos_model, tmp_path):
    rows = tmp_path / "in.jsonl"
    rows.write_text('{"id": 7, "body": "The dog runs", "lang": "en"}\n{"id": 8, "body": "A cat sleeps", "lang": "en"}\n')
    out = run_cli("tag", "-m", pos_model, "--jsonl", rows, "--field", "body", "-f", "jsonl")
    assert out.returncode == 0, out.stderr
    records = [json.loads(line) for line in out.stdout.decode().splitlines()]
    assert [(r["id"], r["body"], r["lang"], r["tokens"]) for r in records] == [
        (7, "The dog runs", "en", ["The", "dog", "runs"]), (8, "A cat sleeps", "en", ["A", "cat", "sleeps"])]
    table = tmp_path / "in.csv"
    table.write_text("id,body,lang\n7,The dog runs,en\n")
    out = run_cli("tag", "-m", pos_model, "--csv", table, "--column", "body", "-f", "csv")
    assert out.stdout.decode().splitlines()[:2] == [
        "id,body,lang,tokens,tags,probabilities,spans,model", f"7,The dog runs,en,The dog runs,{out.stdout.decode().splitlines()[1].split(',', 4)[4]}"]


def test_empty_input_is_one_line_for_every_answering_command(run_cli, pos_model, tiny_model):
    for args in (("sentiment", "-m", tiny_model), ("tag", "-m", pos_model), ("fill-blank",)):
        out = run_cli(*args, input="")
        err = out.stderr.decode()
        assert out.returncode == 1 and err.startswith("rnnlu: error: no input texts in") and err.count("\n") == 1, err
        assert ("a sentence with ___" in err) == (args[0] == "fill-blank"), err   # what this command wants


# ---- bad input -------------------------------------------------------------------------------------------
def test_bad_input(run_cli, pos_model, tiny_model, tag_files, tmp_path):
    out = run_cli("tag", "--scheme", "colour", "hello")
    assert out.returncode == 2 and "unknown tag scheme 'colour'" in out.stderr.decode()
    bad = tmp_path / "bad.conllu"
    bad.write_text("1\tThe\t_\tDET\t_\t_\t0\t_\t_\t_\n2\tdog\t_\tNOUN\t_\t_\t0\t_\t_\n", encoding="utf-8")
    out = run_cli("evaluate", "tag", "-m", pos_model, "--data", bad)
    assert out.returncode == 1 and "bad.conllu:2:" in out.stderr.decode() and "Traceback" not in out.stderr.decode()
    wrong = tmp_path / "wrong.tsv"
    wrong.write_text("the\tDET\ndog\tANIMAL\n", encoding="utf-8")
    out = run_cli("train", "tag", "--scheme", "pos", "--train", wrong, "--dev", tag_files[1], "--out", tmp_path / "m.safetensors")
    assert out.returncode == 1 and "wrong.tsv:2: tag 'ANIMAL' is not in the pos scheme" in out.stderr.decode()
    out = run_cli("tag", "-m", tiny_model, "hello")
    assert out.returncode == 1 and "is a sentiment model" in out.stderr.decode() and "rnnlu sentiment" in out.stderr.decode()
    out = run_cli("sentiment", "-m", pos_model, "hello")
    assert out.returncode == 1 and "is a tag model" in out.stderr.decode() and "rnnlu tag" in out.stderr.decode()
    out = run_cli("tag", "-m", pos_model, "--scheme", "ner", "hello")
    assert out.returncode == 2 and "tags the pos scheme" in out.stderr.decode()


SEED = "Both Ether and Litecoin are going to take over BTC. BTC is too slow and expensive."


def test_seed_sentence_with_the_bundled_coin_model(run_cli):
    from rnnlu.registry import _index

    if "tag:coin" not in _index().get("defaults", {}):
        pytest.skip("no bundled coin tagger")
    out = run_cli("tag", "-f", "tags", SEED)
    # The seed's tag line has 17 tags for 18 tokens: it leaves out the final full stop (coin/POLICY.md).
    assert out.stdout.decode().strip() == "U ETH U LTC U U U U U BTC U BTC U U U U U" + " U"


def test_explain_a_tagger(run_cli, pos_model):
    out = run_cli("explain", "--task", "tag", "-m", pos_model, "Mary likes the dog", "-f", "json")
    assert out.returncode == 0, out.stderr
    words = json.loads(out.stdout)["tokens"]
    assert [w["token"] for w in words] == ["Mary", "likes", "the", "dog"]
    assert all(w["tag"] and 0 < w["tag_probability"] <= 1 and w["gates"] for w in words)


def test_crf_decoding_is_the_best_path_and_marginals_sum_to_one():
    from itertools import product

    from rnnlu.engine.viterbi import marginals

    rng = np.random.default_rng(3)
    em, start, end = rng.normal(size=(4, 3)), rng.normal(size=3), rng.normal(size=3)
    trans = rng.normal(size=(3, 3))
    trans[0, 2] = -np.inf  # a forbidden move

    def score(path):
        s = start[path[0]] + em[0, path[0]] + end[path[-1]]
        return s + sum(trans[a, b] + em[t + 1, b] for t, (a, b) in enumerate(zip(path, path[1:])))

    paths = list(product(range(3), repeat=4))
    assert tuple(viterbi(em, start, trans, end)) == max(paths, key=score)
    m = marginals(em, start, trans, end)
    assert np.allclose(m.sum(axis=1), 1.0)
    weights = np.exp([score(p) for p in paths])
    brute = sum(w for p, w in zip(paths, weights) if p[1] == 2) / weights.sum()
    assert m[1, 2] == pytest.approx(brute)


def test_a_crf_tagger_trains_and_answers(tmp_path, tag_files, run_cli):
    from rnnlu.training.train import TrainOptions, train

    result = train(TrainOptions(task="tag", scheme="ner", crf=True, train=[str(tag_files[2])], dev=[str(tag_files[3])],
                                out=str(tmp_path / "crf.safetensors"), hidden=16, embedding_dim=16, epochs=25, min_freq=1,
                                patience=40, seed=1, dropout=0.0, word_dropout=0.0, lr=0.03, batch_size=4, threads=1))
    card = result.card
    assert "CRF" in card["architecture"] and card["dev"][0]["value"] == pytest.approx(card["dev_metric"])
    rec = json.loads(run_cli("tag", "-m", result.path, "-f", "jsonl", "Anna visited Rome").stdout)
    assert len(rec["tags"]) == 3 and all(0 < p <= 1 for p in rec["probabilities"])


def test_a_tagger_can_start_from_a_language_model(tmp_path, tag_files):
    from rnnlu.training.pretrain import PretrainOptions, pretrain
    from rnnlu.training.train import TrainOptions, train

    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(t.lower() for t, _ in POS_SENTENCES * 10) + "\n", encoding="utf-8")
    lm = pretrain(PretrainOptions(corpus=[str(corpus)], out=str(tmp_path / "lm.safetensors"), arch="bigru", hidden=12,
                                  embedding_dim=12, epochs=1, min_freq=1, device="cpu"))
    result = train(TrainOptions(task="tag", scheme="pos", arch="bigru", init_from=lm.path, train=[str(tag_files[0])],
                                dev=[str(tag_files[1])], out=str(tmp_path / "t.safetensors"), epochs=2, threads=1, min_freq=1))
    assert result.card["architecture"].startswith("BiGRU 1x12") and result.card["initialised_from"]["path"] == lm.path


def test_coin_scores_count_context_dependent_alias_tokens():
    from rnnlu.tasks.tag import TagTask
    from rnnlu.tasks.tag.evaluate import score_tags

    tokens = [["the", "ripple", "effect", "of", "Bitcoin"], ["I", "bought", "ether", "today"]]
    gold = [["U", "U", "U", "U", "BTC"], ["U", "U", "ETH", "U"]]
    predicted = [["U", "XRP", "U", "U", "BTC"], ["U", "U", "ETH", "U"]]
    s = score_tags(TagTask("coin"), gold, predicted, tokens=tokens)
    assert s.ambiguous == {"tokens": 2, "accuracy": 0.5}  # "Bitcoin" is a safe alias: not counted
    assert s.spans.gold == 2 and s.spans.correct == 2 and s.spans.predicted == 3


def test_a_tagger_can_start_from_a_fill_blank_model_and_trim_its_vocabulary(tmp_path, tag_files):
    from rnnlu.engine.model import Model
    from rnnlu.engine.modelfile import load_tensors
    from rnnlu.training.pretrain import PretrainOptions, pretrain
    from rnnlu.training.train import TrainOptions, train

    corpus = tmp_path / "corpus.txt"
    filler = " ".join(f"w{i}" for i in range(60))          # frequent words the tagging data never uses
    corpus.write_text("\n".join([t.lower() for t, _ in POS_SENTENCES * 3] + [filler] * 40) + "\n", encoding="utf-8")
    blank = pretrain(PretrainOptions(corpus=[str(corpus)], out=str(tmp_path / "fb.safetensors"), arch="bigru", hidden=12,
                                     embedding_dim=16, epochs=1, min_freq=1, objective="blank", device="cpu"))
    tensors, meta = load_tensors(blank.path)
    common = dict(task="tag", scheme="pos", arch="bigru", init_from=blank.path, train=[str(tag_files[0])],
                  dev=[str(tag_files[1])], epochs=1, threads=1, min_freq=1)
    whole = train(TrainOptions(**common, out=str(tmp_path / "a.safetensors")))
    trimmed = train(TrainOptions(**common, out=str(tmp_path / "b.safetensors"), init_vocab=10))
    a, b = Model.load(whole.path), Model.load(trimmed.path)
    assert set(meta["vocab"]) <= set(a.vocab.itos)
    used = {w.lower() for text, _ in POS_SENTENCES for w in text.split()}
    from_blank = [w for w in b.vocab.itos if w in set(meta["vocab"])]
    assert from_blank == [w for i, w in enumerate(meta["vocab"]) if i < 10 or w in used]   # its order, by frequency
    assert len(from_blank) < len(meta["vocab"]) and any(w.startswith("w") for w in meta["vocab"][10:])
    # the kept rows are the blank model's own vectors (then trained one epoch): the encoder came along
    assert b.config.hidden_size == 12 and trimmed.card["initialised_from"]["path"] == blank.path
    with pytest.raises(Exception, match="--init-vocab"):
        train(TrainOptions(task="tag", scheme="pos", train=[str(tag_files[0])], dev=[str(tag_files[1])],
                           out=str(tmp_path / "c.safetensors"), init_vocab=10, threads=1))


def test_conll2003_style_files_take_the_last_column_and_skip_docstart(tmp_path):
    f = tmp_path / "x.bio"
    f.write_text("-DOCSTART- -X- -X- O\n\nRT\t-\t-\tO\nObama\t-\t-\tB-PER\nwins\t-\t-\tO\n-DOCSTART- -X- -X- O\n"
                 "Apple\t-\t-\tB-ORG\n", encoding="utf-8")
    first, second = list(read_sentences(f))
    assert first.tokens == ["RT", "Obama", "wins"] and first.tags == ["O", "B-PER", "O"] and first.line == 3
    assert second.tokens == ["Apple"] and second.tags == ["B-ORG"]


def test_relabel_maps_another_corpus_types_and_drops_sentences(tmp_path):
    from rnnlu.tasks.tag import TagTask

    f = tmp_path / "other.bio"
    f.write_text("Obama\t-\tB-PER\nin\t-\tO\nNew\t-\tB-LOC\nYork\t-\tI-LOC\n\nApple\t-\tB-ORG\nwins\t-\tO\n\nhi\t-\tO\n",
                 encoding="utf-8")
    task = TagTask("ner")
    with pytest.raises(RnnluError, match=r"other.bio:1: tag 'B-PER' is not in the ner scheme"):
        task.read_labelled(f)
    data = task.read_labelled(f, relabel={"PER": "person", "LOC": "location", "ORG": "-"})
    assert data.tags == [["B-person", "O", "B-location", "I-location"], ["O"]] and data.rows == [1, 9]


def test_relabel_option_is_checked(tmp_path, tag_files):
    from rnnlu.errors import UsageError
    from rnnlu.training.train import TrainOptions, train

    base = dict(dev=[str(tag_files[3])], out=str(tmp_path / "m.safetensors"), epochs=1, threads=1)
    with pytest.raises(UsageError, match="PER=person"):
        train(TrainOptions(task="tag", scheme="ner", train=[str(tag_files[2])], relabel=["PER"], **base))
    with pytest.raises(UsageError, match="--relabel are for `rnnlu train tag`"):
        train(TrainOptions(task="sentiment", train=[str(tag_files[2])], relabel=["PER=person"], **base))


def test_a_tagger_continues_from_a_trained_tagger_with_all_its_weights(tmp_path, ner_model, tag_files):
    from rnnlu.engine.model import Model
    from rnnlu.errors import UsageError
    from rnnlu.training.train import TrainOptions, train

    other = tmp_path / "other.bio"   # another corpus's types, mapped onto the scheme's
    other.write_text("Anna\t-\t-\tB-PER\nin\t-\t-\tO\nRome\t-\t-\tB-LOC\n\nJohn\t-\t-\tB-PER\nSmith\t-\t-\tI-PER\n",
                     encoding="utf-8")
    result = train(TrainOptions(task="tag", scheme="ner", init_from=str(ner_model), train=[str(tag_files[2]), str(other)],
                                relabel=["PER=person", "LOC=location"], dev=[str(tag_files[3])],
                                out=str(tmp_path / "more.safetensors"), epochs=1, lr=1e-9, threads=1, seed=3))
    start, more = Model.load(ner_model), Model.load(result.path)
    assert more.config.hidden_size == start.config.hidden_size == 16 and more.vocab.itos == start.vocab.itos
    for name, value in start.tensors.items():   # a learning rate of 1e-9 leaves every weight where it started
        np.testing.assert_allclose(np.asarray(more.tensors[name], np.float32), np.asarray(value, np.float32), atol=1e-3)
    assert result.card["train_data"][1]["examples"] == 2
    with pytest.raises(UsageError, match="tags ner; give the same --scheme"):
        train(TrainOptions(task="tag", scheme="pos", init_from=str(ner_model), train=[str(tag_files[0])],
                           dev=[str(tag_files[1])], out=str(tmp_path / "x.safetensors"), epochs=1, threads=1))


def test_calibrate_folds_the_outside_offset_into_the_file(tmp_path, tag_files):
    from rnnlu.engine.model import Model
    from rnnlu.errors import UsageError
    from rnnlu.tasks.tag import TagTask
    from rnnlu.tasks.tag.evaluate import evaluate_tags
    from rnnlu.training.train import TrainOptions, train

    # a model stopped early says O too readily: dev asks for a negative offset on O
    result = train(TrainOptions(task="tag", scheme="ner", crf=True, calibrate=True, train=[str(tag_files[2])],
                                dev=[str(tag_files[3])], out=str(tmp_path / "cal.safetensors"), hidden=16, embedding_dim=16,
                                epochs=1, min_freq=1, patience=40, seed=1, dropout=0.0, word_dropout=0.0, lr=0.03,
                                batch_size=4, threads=1))
    cal, model = result.card["calibration"], Model.load(result.path)
    outside = model.labels.index("O")
    assert [i for i, x in enumerate(cal["offsets"]) if x] == [outside] and cal["offsets"][outside] < 0
    assert cal["after"] > cal["before"]
    task = TagTask("ner")   # the file alone (no decode-time option) gives the calibrated dev score
    again = evaluate_tags(task, model, task.read_labelled(tag_files[3])).scores.get("span_f1")
    assert again == pytest.approx(cal["after"], abs=1e-4) == pytest.approx(result.card["dev_metric"], abs=1e-4)
    with pytest.raises(UsageError, match="--scheme ner or coin"):
        train(TrainOptions(task="tag", scheme="pos", calibrate=True, train=[str(tag_files[0])], dev=[str(tag_files[1])],
                           out=str(tmp_path / "p.safetensors"), epochs=1, threads=1))


def test_an_interrupted_and_resumed_tagger_run_writes_the_same_file(tmp_path, tag_files):
    """`rnnlu train tag --resume` continues exactly: same seed, stopped after epoch 2 and resumed, the same bytes
    as an uninterrupted run (dropout's torch state, the per-epoch batch order and word drops, the decayed rate)."""
    from rnnlu.training.train import TrainOptions

    def opts(out, **kw):
        return TrainOptions(task="tag", scheme="ner", train=[str(tag_files[2])], dev=[str(tag_files[3])], out=str(out),
                            hidden=8, embedding_dim=8, epochs=4, min_freq=1, patience=10, seed=3, dropout=0.3,
                            word_dropout=0.2, lr_decay=0.5, batch_size=4, subword_buckets=50, threads=1, **kw)

    assert_resume_is_exact(opts, tmp_path)
