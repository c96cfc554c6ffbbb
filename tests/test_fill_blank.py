"""fill-blank: item parsing, the NumPy model against torch, training (agreement, exact resume), the n-gram
baseline, and the command as a user runs it."""

import hashlib
import json
import random
from pathlib import Path

import numpy as np
import pytest

from rnnlu.errors import RnnluError, UsageError
from rnnlu.tasks.fill_blank.items import parse_item, read_items

SUBJECTS = [("the dog", "barks", "bark"), ("the dogs", "bark", "barks"), ("my wife", "hates", "hate"),
            ("the cats", "hate", "hates"), ("the boy", "runs", "run"), ("the boys", "run", "runs")]
PLACES = ["house", "houses", "tree", "trees", "car", "cars"]


def _corpus(path: Path, n: int = 900, seed: int = 0) -> Path:
    """Subject, an attractor of either number, then the verb that agrees with the subject."""
    rng = random.Random(seed)
    lines = []
    for _ in range(n):
        subject, verb, _ = rng.choice(SUBJECTS)
        lines.append(f"{subject} near the {rng.choice(PLACES)} {verb} every day .")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _dev(path: Path) -> Path:
    rows = [f"t\t{s} near the {p} ___ every day .\t{v}\t{w}" for s, v, w in SUBJECTS for p in PLACES]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def _opts(tmp: Path, out: str, lines: int = 900, **kw):
    from rnnlu.training.pretrain import PretrainOptions

    base = dict(corpus=[str(_corpus(tmp / "corpus.txt", lines))], out=str(tmp / out), arch="bigru", hidden=24,
                embedding_dim=16, epochs=6, batch_size=32, lr=1e-2, dropout=0.0, objective="blank", min_freq=1,
                heldout_lines=30, checkpoint_every=10, dev=[str(_dev(tmp / "dev.tsv"))], dev_sample=0,
                device="cpu", seed=3)
    base.update(kw)
    return PretrainOptions(**base)


@pytest.fixture(scope="module")
def blank_model(tmp_path_factory):
    from rnnlu.training.pretrain import pretrain

    tmp = tmp_path_factory.mktemp("blank")
    result = pretrain(_opts(tmp, "m/fb.safetensors"))
    return Path(result.path), result, tmp


# ---- items ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["My wife, who loves dogs, ___ (hate/hates) cats.",
                                  "My wife, who loves dogs, ___ (hate or hates) cats.",
                                  "My wife, who loves dogs, ___ [hate|hates] cats.",
                                  "My wife, who loves dogs, ____ (hate, hates) cats."])
def test_inline_option_spellings(text):
    item = parse_item(text)
    assert item.options == ["hate", "hates"]
    assert item.left == "My wife, who loves dogs, " and item.right == " cats."
    assert item.text == "My wife, who loves dogs, ___ cats."


def test_options_given_apart_and_none():
    assert parse_item("x ___ y", ["a", "b", "c"]).options == ["a", "b", "c"]
    assert parse_item("the ___ (see the map) is far").options == []   # words in brackets are text


@pytest.mark.parametrize("text, options, says", [
    ("no blank at all", None, "no blank"),
    ("two ___ blanks ___ here", None, "2 blanks"),
    ("x ___ (a/) y", None, "empty"),
    ("x ___ (hates) y", None, "only one option"),
    ("x ___ y", ["a", "A"], "twice"),
    ("x ___ () y", None, "empty"),
    ("___ (a/b)", None, "only a blank"),
    ("x ___ y", ["a", " "], "empty"),
])
def test_bad_items_are_usage_errors(text, options, says):
    with pytest.raises(UsageError, match=says):
        parse_item(text, options)


def test_read_items_three_layouts(tmp_path):
    msr = tmp_path / "msr.tsv"
    msr.write_text("id\tsentence\ta\tb\tc\tanswer\tanswer_word\n1\tHe was ___ alone.\tcrying\tresiding\twalking\tb\tresiding\n")
    agree = tmp_path / "agree.tsv"
    agree.write_text("linzen_attr1\tthe keys to the cabinet ___ here .\tare\tis\n")
    generic = tmp_path / "g.csv"
    generic.write_text('text,options,answer\n"There ___ to be a defect.",seem/seems,seems\n')
    a, = read_items(msr)
    assert (a.options, a.answer) == (["crying", "residing", "walking"], "residing")
    b, = read_items(agree)
    assert (b.options, b.answer, b.name) == (["are", "is"], "are", "linzen_attr1")
    c, = read_items(generic)
    assert (c.options, c.answer) == (["seem", "seems"], "seems")
    bad = tmp_path / "bad.tsv"
    bad.write_text("only\ttwo\n")
    with pytest.raises(RnnluError, match="bad.tsv:1"):
        read_items(bad)


# ---- model -----------------------------------------------------------------------------------------
def test_numpy_answers_equal_torch(blank_model):
    import torch

    from rnnlu.engine.blank import BlankModel
    from rnnlu.engine.config import ModelConfig
    from rnnlu.engine.modelfile import load_tensors
    from rnnlu.nn.blank import BlankModel as TorchBlank
    from rnnlu.training.kit import pad

    path, _, _ = blank_model
    model = BlankModel.load(path)
    tensors, meta = load_tensors(path)
    net = TorchBlank(ModelConfig.from_dict(meta["config"]))
    net.load_state_dict({k: torch.tensor(v) for k, v in tensors.items()})
    net.eval()
    rows = [["the", "dogs", "near", "the", "car", "<unk>", "every", "day", "."], ["my", "wife", "<unk>"], ["<unk>", "x"]]
    where = [5, 2, 0]
    ids, lengths = pad([model.vocab.encode(r) for r in rows])
    with torch.no_grad():
        q = net.queries(ids, lengths)[torch.arange(3), torch.tensor(where)]
        expected = net.softmax.log_prob(q).numpy()
    got = model.softmax.log_prob(model.queries(rows, where))
    np.testing.assert_allclose(got, expected, atol=1e-5)
    traced, _ = model.queries(rows, where, trace=True)  # the plain equations explain reads
    np.testing.assert_allclose(model.queries(rows, where), traced, atol=1e-5)
    some = np.array([[3, 5], [7, 2], [4, 4]])
    np.testing.assert_allclose(model.softmax.log_prob(model.queries(rows, where), some),
                               np.take_along_axis(expected, some, axis=1), atol=1e-5)


def test_training_teaches_agreement_across_an_attractor(blank_model):
    from rnnlu.tasks.fill_blank.task import evaluate

    path, result, tmp = blank_model
    from rnnlu.engine.blank import BlankModel

    scores = evaluate(BlankModel.load(path), read_items(tmp / "dev.tsv"))
    assert scores["metrics"]["accuracy"] >= 0.9          # half the items have an attractor of the other number
    assert result.card["task"] == "fill-blank" and result.card["dev"]


def test_interrupted_and_resumed_run_writes_the_same_file(tmp_path):
    from rnnlu.training.pretrain import pretrain

    small = dict(lines=300, epochs=2, checkpoint_every=3, dropout=0.2)   # dropout: torch's random state must travel too
    whole = pretrain(_opts(tmp_path, "a/fb.safetensors", **small))
    first = pretrain(_opts(tmp_path, "b/fb.safetensors", time_budget=1e-6, **small))
    assert not first.card["complete"] and Path(first.path + ".ckpt").exists()
    assert first.history[-1].batch == 3                      # stopped inside the first epoch
    resumed = pretrain(_opts(tmp_path, "b/fb.safetensors", resume=True, **small))
    digest = lambda p: hashlib.sha256(Path(p).read_bytes()).hexdigest()
    assert resumed.card["complete"]
    assert digest(whole.path) == digest(resumed.path)
    assert not Path(resumed.path + ".ckpt").exists()


def test_one_way_model_reads_the_left_only_and_numpy_equals_torch(tmp_path):
    """--arch gru: the left context alone (what "who wins" compares against the two-way model)."""
    import torch

    from rnnlu.engine.blank import BlankModel
    from rnnlu.engine.config import ModelConfig
    from rnnlu.engine.modelfile import load_tensors
    from rnnlu.nn.blank import BlankModel as TorchBlank
    from rnnlu.training.kit import pad
    from rnnlu.training.pretrain import pretrain

    result = pretrain(_opts(tmp_path, "g/fb.safetensors", arch="gru", lines=300, epochs=1))
    model = BlankModel.load(result.path)
    assert not model.config.bidirectional and model.w1.shape == (24, 24)
    rows = [["the", "dogs", "near", "<unk>", "car"], ["my", "wife", "<unk>", "cats"]]
    changed = [["the", "dogs", "near", "<unk>", "house"], ["my", "wife", "<unk>", "dogs"]]   # right side only
    np.testing.assert_allclose(model.queries(rows, [3, 2]), model.queries(changed, [3, 2]), atol=1e-6)
    tensors, meta = load_tensors(result.path)
    net = TorchBlank(ModelConfig.from_dict(meta["config"]))
    net.load_state_dict({k: torch.tensor(v) for k, v in tensors.items()})
    net.eval()
    ids, lengths = pad([model.vocab.encode(r) for r in rows])
    with torch.no_grad():
        expected = net.queries(ids, lengths)[torch.arange(2), torch.tensor([3, 2])].numpy()
    np.testing.assert_allclose(model.queries(rows, [3, 2]), expected, atol=1e-5)


def test_init_from_starts_at_the_given_weights_and_refuses_a_misfit(tmp_path):
    from rnnlu.engine.modelfile import load_tensors, sha256_of
    from rnnlu.training.pretrain import pretrain

    small = dict(lines=300, epochs=1)
    first = pretrain(_opts(tmp_path, "i/a.safetensors", **small))
    fresh = pretrain(_opts(tmp_path, "i/fresh.safetensors", seed=4, **small))
    warm = pretrain(_opts(tmp_path, "i/warm.safetensors", seed=4, init_from=first.path, **small))
    assert warm.card["init_from"] == {"path": first.path, "sha256": sha256_of(first.path)}
    # same seed and data: only the starting weights differ, and the trained ones start far ahead
    assert warm.history[0].loss < fresh.history[0].loss
    with pytest.raises(UsageError, match="hidden_size differ"):
        pretrain(_opts(tmp_path, "i/b.safetensors", hidden=32, init_from=first.path, **small))
    # Another corpus (more lines, so other words): the warm start keeps its own vocabulary and goes on
    # over it; the words it lacks read as <unk>. A fresh run over the same corpus builds a bigger one.
    other = pretrain(_opts(tmp_path, "i/c.safetensors", lines=900, epochs=1, init_from=first.path))
    bigger = pretrain(_opts(tmp_path, "i/d.safetensors", lines=900, epochs=1))
    vocab = lambda p: load_tensors(p)[1]["vocab"]
    assert vocab(other.path) == vocab(first.path) != vocab(bigger.path)
    assert other.history[0].loss < bigger.history[0].loss


def test_resume_key_leaves_out_an_option_added_later_at_its_default():
    """Checkpoints made before --wikitext existed hold no such option: a plain run must still match them,
    and a --wikitext run must not resume a plain one."""
    from rnnlu.training.pretrain import PretrainOptions, _resume_key

    plain, wiki = (_resume_key(PretrainOptions(corpus=["c.txt"], out="m.safetensors", wikitext=w)) for w in (False, True))
    assert "wikitext" not in plain and wiki.pop("wikitext") is True and wiki == plain


def test_resume_with_other_options_is_refused(tmp_path):
    from rnnlu.training.pretrain import pretrain

    pretrain(_opts(tmp_path, "c/fb.safetensors", lines=300, epochs=2, checkpoint_every=3, time_budget=1e-6))
    with pytest.raises(UsageError, match="other options"):
        pretrain(_opts(tmp_path, "c/fb.safetensors", lines=300, epochs=2, checkpoint_every=3, hidden=32, resume=True))


def test_multi_word_and_unknown_options_are_scored_and_flagged(blank_model):
    from rnnlu.engine.blank import BlankModel

    path, _, _ = blank_model
    model = BlankModel.load(path)
    scores = model.score_options(["the", "dog"], ["every", "day"], [["barks"], ["runs", "away"], ["zzyzx"]])
    assert [s.known for s in scores] == [True, False, False]
    assert abs(sum(s.probability for s in scores) - 1) < 1e-6
    assert scores[1].word == "runs away"


# ---- baseline ----------------------------------------------------------------------------------------
def test_ngram_baseline_backs_off_and_round_trips(tmp_path):
    from rnnlu.tasks.fill_blank.baseline import BOUNDARY, NgramBaseline

    words = [BOUNDARY, "<unk>", "the", "dogs", "dog", "bark", "barks", "loudly"]
    ids = {w: i for i, w in enumerate(words)}
    sentences = [[ids[w] for w in s.split()] for s in ["the dogs bark loudly"] * 5 + ["the dog barks loudly"] * 3]
    base = NgramBaseline.build(words, sentences, min_count=2)
    assert base.count(["the", "dogs", "bark"]) == 5 and base.count(["dog", "bark"]) == 0
    assert base.count([BOUNDARY, "the"]) == 8
    a = base.answer(["the", "dog"], ["loudly"], ["bark", "barks"])
    assert (a.answer, a.level) == ("barks", 3) and a.counts["barks"]["the dog barks"] == 3
    # nothing at levels 3 and 2: the more common word wins
    assert base.answer(["a", "cat"], ["now"], ["barks", "bark"]) .level == 1
    base.save(tmp_path / "n.counts")
    again = NgramBaseline.load(tmp_path / "n.counts")
    assert again.answer(["the", "dogs"], ["loudly"], ["barks", "bark"]).answer == "bark"


# ---- the command -----------------------------------------------------------------------------------------
def test_cli_json_records_and_bad_lines(blank_model, run_cli):
    path, _, _ = blank_model
    r = run_cli("fill-blank", "the dogs near the car ___ (bark/barks) every day .", "-m", path, "-f", "json")
    assert r.returncode == 0, r.stderr.decode()
    rec, = json.loads(r.stdout)
    assert set(rec) >= {"text", "answer", "options", "model"}
    assert [o["word"] for o in rec["options"]][0] == rec["answer"]
    assert abs(sum(o["probability"] for o in rec["options"]) - 1) < 1e-3
    r = run_cli("fill-blank", "-m", path, "-f", "jsonl",
                input="the dog ___ (bark/barks) every day .\nno blank here\n___ (a/b)\nthe boys ___ every day .\n")
    assert r.returncode == 1
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    assert len(lines) == 2 and len(lines[1]["options"]) == 5           # no options: the top 5 words
    assert "<stdin>:2" in r.stderr.decode() and "<stdin>:3" in r.stderr.decode() and "Traceback" not in r.stderr.decode()


def test_csv_rows_keep_the_input_and_give_the_sentence_without_its_options(blank_model, run_cli, tmp_path):
    import csv
    import io

    path, _, _ = blank_model
    data = tmp_path / "in.csv"
    data.write_text('id,text\n7,"the dog ___ (bark/barks) every day ."\n', encoding="utf-8")
    r = run_cli("fill-blank", "--csv", data, "--column", "text", "-m", path, "-f", "csv")
    assert r.returncode == 0, r.stderr.decode()
    row, = csv.DictReader(io.StringIO(r.stdout.decode()))
    assert row["id"] == "7" and row["input_text"] == "the dog ___ (bark/barks) every day ."   # nothing lost
    assert row["text"] == "the dog ___ every day ." and row["answer"] in ("bark", "barks")
    r = run_cli("fill-blank", "the dog ___ (bark/barks) every day .", "-m", path, "-f", "tsv")
    header, line = r.stdout.decode().splitlines()
    assert header.split("\t")[0] == "text" and line.split("\t")[0] == "the dog ___ every day ."
    assert "input_text" not in header


@pytest.mark.parametrize("args, code", [(["no blank"], 2), (["x ___ (a/) y"], 2), (["x ___ y", "--options", "a"], 2),
                                         (["x ___ y", "--top", "0"], 2)])
def test_cli_bad_single_input(blank_model, run_cli, args, code):
    path, _, _ = blank_model
    r = run_cli("fill-blank", *args, "-m", path)
    assert r.returncode == code
    assert r.stderr.decode().count("\n") == 1 and r.stderr.decode().startswith("rnnlu: error:")


def test_models_of_other_tasks_say_which_command(blank_model, run_cli, tiny_model):
    path, _, _ = blank_model
    r = run_cli("sentiment", "good", "-m", path)
    assert r.returncode == 1 and "fill-blank" in r.stderr.decode() and "Traceback" not in r.stderr.decode()
    r = run_cli("fill-blank", "a ___ (b/c) d", "-m", tiny_model)
    assert r.returncode == 1 and "rnnlu sentiment" in r.stderr.decode()


def test_evaluate_fill_blank(blank_model, run_cli):
    path, _, tmp = blank_model
    r = run_cli("evaluate", "fill-blank", "--data", tmp / "dev.tsv", "-m", path, "-f", "json")
    assert r.returncode == 0, r.stderr.decode()
    result = json.loads(r.stdout)
    assert result["metrics"]["items"] == len(SUBJECTS) * len(PLACES)
    # every dev item has 3-4 words left of the blank, so one left-context group: none shown
    assert result["per_left_words"] == []
    from rnnlu.engine.blank import BlankModel
    from rnnlu.tasks.fill_blank.task import evaluate

    expected = evaluate(BlankModel.load(path), read_items(tmp / "dev.tsv"))["metrics"]["accuracy"]
    assert result["metrics"]["accuracy"] == pytest.approx(expected)
    table = run_cli("evaluate", "fill-blank", "--data", tmp / "dev.tsv", "-m", path, "--compare").stdout.decode()
    assert f"{len(SUBJECTS) * len(PLACES):,} items" in table and "n-gram baseline" in table
    assert f"{expected:.4f}" in table


def test_compare_uses_the_bundled_counts(blank_model, run_cli):
    path, _, _ = blank_model
    r = run_cli("fill-blank", "My wife, who loves to play with dogs, ___ (hate/hates) cats.", "-m", path,
                "--compare", "-f", "json")
    assert r.returncode == 0, r.stderr.decode()
    rec, = json.loads(r.stdout)
    # the n-gram baseline sees ", ___ cats": "hate" follows a comma in the corpus, "hates" never does
    assert rec["baseline_answer"] == "hate" and rec["baseline_counts"]["hate"][", hate"] > 0


def test_option_spellings_users_write(blank_model, run_cli, tmp_path):
    assert parse_item("the price was ___ (1,000/2,000) dollars").options == ["1,000", "2,000"]
    assert parse_item("x ___ (a) y", ["b", "c"]).options == ["b", "c"]       # given apart: brackets are text
    path, _, _ = blank_model
    jsonl = tmp_path / "in.jsonl"
    jsonl.write_text('{"text": "the dogs ___ every day .", "opts": ["bark", "barks"]}\n')
    r = run_cli("fill-blank", "--jsonl", jsonl, "--options-column", "opts", "-m", path, "-f", "jsonl")
    assert r.returncode == 0, r.stderr.decode()
    assert sorted(o["word"] for o in json.loads(r.stdout)["options"]) == ["bark", "barks"]
    r = run_cli("fill-blank", "-m", path, "-f", "jsonl", input="the dog ___ (bark/barks) every day .\n\n \n")
    assert r.returncode == 0 and len(r.stdout.splitlines()) == 1 and not r.stderr   # blank lines: no items
    r = run_cli("fill-blank", "-m", path, "-f", "jsonl", input="")
    assert r.returncode == 1 and b"no input" in r.stderr


def test_an_unknown_option_does_not_win_by_unk_mass(blank_model):
    from rnnlu.engine.blank import BlankModel

    path, _, _ = blank_model
    model = BlankModel.load(path)
    scores = model.score_options(["the", "dogs", "near", "the", "car"], ["every", "day", "."],
                                 [["bark"], ["barks"], ["xylophones"]])
    unknown = scores[2]
    assert not unknown.known and unknown.probability < max(scores[0].probability, scores[1].probability)


def test_malformed_evaluation_files_name_their_line(blank_model, run_cli, tmp_path):
    path, _, _ = blank_model
    short = tmp_path / "short.csv"
    short.write_text('text,options,answer\n"the dog ___ .",bark/barks,barks\n\n"x ___ y",a/b\n')
    wrong = tmp_path / "wrong.csv"
    wrong.write_text('text,options,answer\n"the dog ___ .",bark/barks,meow\n')
    for f, says in ((short, "short.csv:4: row has 2 fields"), (wrong, "wrong.csv:2: the answer 'meow'")):
        r = run_cli("evaluate", "fill-blank", "--data", f, "-m", path)
        assert r.returncode == 1 and says in r.stderr.decode() and b"Traceback" not in r.stderr


@pytest.mark.parametrize("damage", ["cutoffs", "tail shape", "nan", "missing"])
def test_damaged_answer_side_is_refused_at_load(blank_model, tmp_path, damage):
    from rnnlu.engine.blank import BlankModel
    from rnnlu.engine.modelfile import load_tensors, save_tensors

    path, _, _ = blank_model
    tensors, meta = load_tensors(path)
    if damage == "cutoffs":
        meta["softmax_cutoffs"] = [10 ** 6]
    elif damage == "tail shape":
        tensors["softmax.tail.0.1.weight"] = tensors["softmax.tail.0.1.weight"][:-1]
    elif damage == "nan":
        tensors["query.bias"] = tensors["query.bias"] * np.nan
    else:
        del tensors["query_hidden.weight"]
    save_tensors(tmp_path / "bad.safetensors", tensors, meta)
    with pytest.raises(RnnluError, match="damaged fill-blank model file"):
        BlankModel.load(tmp_path / "bad.safetensors")


def test_the_seeds_two_sentences_with_the_bundled_model(run_cli):
    """The seed's examples: the verb agrees with 'wife' across the relative clause (the n-gram baseline,
    reading only ", ___ cats", says 'hate'), and with 'a defect', which follows the blank."""
    r = run_cli("fill-blank", "My wife, who loves to play with dogs, ___ (hate/hates) cats.",
                "There ___ (seem/seems) to be a defect in all the cars manufactured by company XYZ in 2010.",
                "--compare", "-f", "json")
    assert r.returncode == 0, r.stderr.decode()
    wife, there = json.loads(r.stdout)
    assert wife["answer"] == "hates" and wife["baseline_answer"] == "hate"
    assert there["answer"] == "seems"
    assert wife["model"] == "fill-blank-bilstm"


def test_select_fill_blank_shows_what_reading_right_to_left_buys(tmp_path):
    """The verb comes before its subject ("here barks the dog"): only a two-way model can see it."""
    from rnnlu.training.pretrain import PretrainOptions
    from rnnlu.training.select import ORDER, select

    rng = random.Random(1)
    (tmp_path / "c.txt").write_text("".join(f"here {v} {s} near the {rng.choice(PLACES)} .\n"
                                            for s, v, _ in (rng.choice(SUBJECTS) for _ in range(600))))
    dev = tmp_path / "dev.tsv"
    dev.write_text("".join(f"t_attr{i % 2}\there ___ {s} near the {p} .\t{v}\t{w}\n"   # two groups, by name
                           for i, (s, v, w, p) in enumerate((*x, p) for x in SUBJECTS for p in PLACES)))
    base = PretrainOptions(corpus=[str(tmp_path / "c.txt")], out=str(tmp_path / "chosen.safetensors"), hidden=24,
                           embedding_dim=16, epochs=6, batch_size=32, lr=1e-2, dropout=0.0, objective="blank",
                           min_freq=1, dev=[str(dev)], dev_sample=0, device="cpu", seed=3)
    sel = select(base, tolerance=0.5, keep_all=True)
    by = {c.arch: c for c in sel.candidates}
    assert [c.arch for c in sel.candidates] == ORDER
    assert by["bigru"].mean >= 0.9 and by["bilstm"].mean >= 0.9
    assert by["gru"].mean <= 0.75 and by["lstm"].mean <= 0.75        # the left context says nothing here
    assert sel.chosen in ("bilstm", "bigru")
    for c in sel.candidates:   # the groups split the same items: their mean is the whole file's accuracy
        groups = c.breakdown[str(dev)]
        assert set(groups) == {"0 attractors", "1 attractor"}   # one left-context group only: not shown
        assert (groups["0 attractors"] + groups["1 attractor"]) / 2 == pytest.approx(c.mean, abs=1e-4)
    card = json.loads((tmp_path / "chosen.card.json").read_text())
    assert card["selection"]["chosen"] == sel.chosen and "--objective blank" in card["command"]
    assert (tmp_path / "chosen.card.md").exists() and Path(by["gru"].path).name == "chosen-gru.safetensors"
    # a kept candidate's card holds the `rnnlu pretrain` command that makes it again, byte for byte
    import shlex
    import subprocess
    import sys

    argv = shlex.split(json.loads((tmp_path / "chosen-gru.card.json").read_text())["command"])
    assert argv[:2] == ["rnnlu", "pretrain"] and argv[argv.index("--arch") + 1] == "gru"
    again = tmp_path / "again" / Path(argv[argv.index("--out") + 1]).name
    argv[argv.index("--out") + 1] = str(again)
    done = subprocess.run([sys.executable, "-m", "rnnlu", *argv[1:]], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert hashlib.sha256(again.read_bytes()).digest() == hashlib.sha256(Path(by["gru"].path).read_bytes()).digest()


def test_left_context_groups_count_the_words_a_left_to_right_reader_carries():
    from rnnlu.tasks.fill_blank.task import left_words_group

    assert [left_words_group(n) for n in (0, 5, 6, 10, 11, 20, 21, 300)] == [
        "0-5 words left of the blank", "0-5 words left of the blank", "6-10 words left of the blank",
        "6-10 words left of the blank", "11-20 words left of the blank", "11-20 words left of the blank",
        "21+ words left of the blank", "21+ words left of the blank"]


def _ud(folder: Path) -> Path:
    """A four-sentence treebank giving the pairs barks/bark and runs/run."""
    rows = []
    for form, lemma, feats in [("barks", "bark", "Number=Sing|Person=3|Tense=Pres|VerbForm=Fin"),
                                ("bark", "bark", "Number=Plur|Person=3|Tense=Pres|VerbForm=Fin"),
                                ("runs", "run", "Number=Sing|Person=3|Tense=Pres|VerbForm=Fin"),
                                ("run", "run", "Number=Plur|Person=3|Tense=Pres|VerbForm=Fin")]:
        rows.append(f"1\t{form}\t{lemma}\tVERB\tVB\t{feats}\t0\troot\t_\t_\n")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "x-ud-train.conllu").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return folder


def test_agreement_sentences_keeps_only_sentences_with_a_paired_verb():
    from rnnlu.training.pretrain import agreement_sentences

    partners = np.array([0, 0, 3, 2, 0])          # words 2 and 3 are partners
    sents = [np.array([1, 2, 4]), np.array([1, 4]), np.array([3]), np.array([0, 1])]
    kept = agreement_sentences(sents, partners)
    assert [s.tolist() for s in kept] == [[1, 2, 4], [3]]
    with pytest.raises(RnnluError, match="no training sentence"):
        agreement_sentences([np.array([1, 4])], partners)


def test_pretrain_agreement_sentences_trains_on_the_verb_sentences_only(tmp_path):
    from rnnlu.training.pretrain import pretrain

    corpus = tmp_path / "corpus.txt"
    _corpus(corpus, 200)
    with corpus.open("a", encoding="utf-8") as f:   # 102 lines with no verb of a pair
        f.write("".join(f"the {p} near the tree every day .\n" for p in PLACES * 17))
    opts = _opts(tmp_path, "m/fb.safetensors", epochs=1, agreement_from=str(_ud(tmp_path / "ud")),
                 agreement_sentences=True)
    opts.corpus = [str(corpus)]
    result = pretrain(opts)
    held = result.card["heldout_sentences"]
    with_verb = sum(1 for line in corpus.read_text().splitlines() if any(v in line.split() for v in ("barks", "bark", "runs", "run")))
    assert result.card["agreement_pairs"] == 2
    # every kept sentence holds a pair's verb (without the filter about 270 would be kept); the held-out
    # sentences come from the whole corpus, so a few verb sentences may sit there instead
    assert with_verb - held <= result.card["train_sentences"] <= with_verb
    assert "--agreement-sentences" in result.card["command"]
    with pytest.raises(UsageError, match="needs --agreement-from"):
        pretrain(_opts(tmp_path, "n/fb.safetensors", agreement_sentences=True))


def test_items_are_grouped_by_an_attractor_count_only_where_the_name_ends_in_one():
    from rnnlu.tasks.fill_blank.items import BlankItem
    from rnnlu.tasks.fill_blank.task import _group

    def named(name):
        return BlankItem(text="a ___ b", left="a", right="b", options=["is", "are"], answer="is", name=name)

    assert _group(named("linzen2016_attr2")) == "2 attractors"
    assert _group(named("linzen2016_attr1")) == "1 attractor"
    assert _group(named("pp_attractor")) == "all"      # once "actor attractors"
    assert _group(named("")) == "all"


# ---- word association (the topical prior for options) ---------------------------------------------------
def _topic_cache(path: Path) -> Path:
    """A corpus cache as `rnnlu pretrain` writes it: two topics whose words never meet."""
    words = ["<pad>", "<unk>", "the", "a", "farmer", "milked", "cows", "barn", "hay", "doctor", "nurse",
             "patient", "heart", "clinic", "trees"]
    ids = {w: i for i, w in enumerate(words)}
    rng = random.Random(0)
    farm, clinic = ["farmer", "milked", "cows", "barn", "hay"], ["doctor", "nurse", "patient", "heart", "clinic"]
    sentences = []
    for n in range(400):
        topic = farm if n % 2 else clinic
        sentences.append([ids["the"]] + [ids[rng.choice(topic)] for _ in range(6)] + [ids["a"]])
    sentences.append([ids["the"], ids["trees"], ids["a"]])
    offsets = np.zeros(len(sentences) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(s) for s in sentences])
    np.savez(path, key=np.array(json.dumps({"corpus": ["topics.txt"]})), ids=np.concatenate(sentences).astype(np.int32),
             offsets=offsets, n_held=np.array(0), meta=np.array(json.dumps({"vocab": words})))
    return path


def test_association_table_learns_which_words_keep_company(tmp_path):
    from rnnlu.engine.blank import BlankModel
    from rnnlu.tasks.fill_blank.association import WordAssociation
    from rnnlu.tasks.fill_blank.build_association import build

    card = build(_topic_cache(tmp_path / "c.npz"), tmp_path / "a.safetensors", vocab=15, skip=4, window=3, dims=2,
                 weight=5)
    table = WordAssociation.load(tmp_path / "a.safetensors")
    assert card["words"] == 11 and "the" not in table.index and "farmer" in table.index   # top words skipped
    farm = table.similarity(["cows"], ["the", "farmer", "milked", "the"])
    clinic = table.similarity(["heart"], ["the", "farmer", "milked", "the"])
    assert farm > 0.5 > clinic
    assert table.similarity(["unheard"], ["farmer"]) is None and table.similarity(["cows"], ["the"]) is None
    bonus = table.bonus([["cows"], ["heart"], ["unheard"]], ["farmer", "milked"])
    assert bonus[0] > bonus[1] and bonus[2] == pytest.approx((bonus[0] + bonus[1]) / 2)   # unknown: the mean
    assert table.bonus([["milked"], ["milkeds"]], ["farmer"]) is None   # forms of one word: grammar decides
    with pytest.raises(RnnluError, match="word-association table .* not a model"):
        BlankModel.load(tmp_path / "a.safetensors")   # passed to --model by mistake: one clear line


def test_side_file_builders_share_the_cache_reader_and_card(tmp_path):
    """Both builders read `rnnlu pretrain`'s corpus cache and write a card whose sha256 is their file's."""
    from rnnlu.engine.modelfile import sha256_of
    from rnnlu.tasks.fill_blank.baseline import NgramBaseline
    from rnnlu.tasks.fill_blank.build_baseline import build as build_counts

    cache = _topic_cache(tmp_path / "c.npz")
    card = build_counts(cache, tmp_path / "n.counts", min_count=1)
    counts = NgramBaseline.load(tmp_path / "n.counts")
    assert counts.count(["the", "trees", "a"]) == 1 and counts.count(["trees", "farmer"]) == 0
    assert card["sha256"] == sha256_of(tmp_path / "n.counts") and card["corpus_cache_sha256"] == sha256_of(cache)
    assert json.loads((tmp_path / "n.counts.card.json").read_text())["sha256"] == card["sha256"]


def test_forms_of_one_word():
    from rnnlu.tasks.fill_blank.association import forms_of_one_word

    assert forms_of_one_word(["hate", "hates"]) and forms_of_one_word(["Are", "is"])
    assert forms_of_one_word(["tries", "try"]) and forms_of_one_word(["watches", "watch"])
    assert not forms_of_one_word(["cows", "trees"]) and not forms_of_one_word(["hate", "hates", "hated"])


def test_forms_of_one_word_irregular_number_pairs():
    """Pronouns, determiners, irregular plurals and negated auxiliaries that differ by number are grammar's
    choice too (the topic prior stays out), as options arrive: written or tokenized ("is n't")."""
    from rnnlu.tasks.fill_blank.association import forms_of_one_word

    for pair in (["himself", "themselves"], ["These", "this"], ["child", "children"], ["woman", "women"],
                 ["leaf", "leaves"], ["wife", "wives"], ["isn't", "aren't"], ["does n't", "do n't"]):
        assert forms_of_one_word(pair), pair
    for pair in (["is", "aren't"], ["can't", "cannot"], ["man", "woman"], ["himself", "herself"], ["leaf", "loaves"]):
        assert not forms_of_one_word(pair), pair


def test_damaged_association_file_is_one_clear_error(tmp_path):
    from rnnlu.engine.modelfile import save_tensors
    from rnnlu.tasks.fill_blank.association import WordAssociation

    save_tensors(tmp_path / "bad.safetensors", {"vectors": np.zeros((3, 2), dtype=np.int8),
                                                "words": np.frombuffer(b"not zlib", dtype=np.uint8)},
                 {"format": "rnnlu-association", "weight": 1.0})
    with pytest.raises(RnnluError, match="damaged word-association file"):
        WordAssociation.load(tmp_path / "bad.safetensors")


def test_association_changes_topic_choices_not_agreement(blank_model):
    """With the table, options are ranked by model + topic; number pairs are the model's alone."""
    from rnnlu.engine.blank import BlankModel
    from rnnlu.explain import explain_blank
    from rnnlu.tasks.fill_blank.association import WordAssociation
    from rnnlu.tasks.fill_blank.task import answer_one

    model = BlankModel.load(blank_model[0])
    item = parse_item("the dogs near the ___ (trees/houses) bark every day .")
    words = ["trees", "houses", "dogs", "bark", "barks"]
    chosen = {}
    for dogs in ([1, 0], [0, 1]):   # the context word "dogs" keeps company with trees, then with houses
        table = WordAssociation(words, np.array([[1, 0], [0, 1], dogs, [1, 1], [1, 1]], dtype=np.float32), weight=50.0)
        a = answer_one(model, item, association=table)
        p = {o["word"]: o["probability"] for o in a.options}
        assert max(p.values()) > 0.99 and sum(p.values()) == pytest.approx(1.0)
        chosen[tuple(dogs)] = a.answer
    assert chosen == {(1, 0): "trees", (0, 1): "houses"}
    pair = parse_item("the dogs near the trees ___ (bark/barks) every day .")
    assert answer_one(model, pair, association=table).options == answer_one(model, pair).options
    # explain keeps the model's own numbers and names the combined answer beside them
    ex = explain_blank(model, "the dogs near the ___ (trees/houses) bark every day .", association=table)
    assert ex.with_topic["answer"] == "houses" and ex.to_dict()["with_association"] == ex.with_topic
    assert ex.options == explain_blank(model, "the dogs near the ___ (trees/houses) bark every day .").options
    assert explain_blank(model, "the dogs near the trees ___ (bark/barks) every day .", association=table).with_topic is None


def test_bundled_association_helps_the_msr_dev_file(run_cli):
    """The bundled table is on by default; --no-association gives the model alone (MSR dev: 0.462 against 0.354)."""
    from conftest import SHARED

    msr = SHARED / "fillblank/msr/msr_scc_dev_half.tsv"
    if not msr.exists():
        pytest.skip("../shared/data is not here")
    scores = {}
    for flag in ([], ["--no-association"]):
        r = run_cli("evaluate", "fill-blank", "--data", msr, *flag, "-f", "json")
        assert r.returncode == 0, r.stderr
        scores[bool(flag)] = json.loads(r.stdout)["metrics"]["accuracy"]
    assert scores[False] > scores[True] + 0.05
