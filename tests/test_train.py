"""Training: every architecture learns; cards record what was done; decontamination works."""

import hashlib
import json

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from conftest import assert_resume_is_exact
from rnnlu.engine.config import ARCHITECTURES, ModelConfig
from rnnlu.evaluate import evaluate
from rnnlu.nn.network import Network
from rnnlu.tasks import get_task
from rnnlu.training.train import decontaminate


@pytest.mark.parametrize("arch", list(ARCHITECTURES))
def test_every_architecture_loss_falls_in_a_few_steps(arch, fixture_files):
    torch.manual_seed(0)
    data = get_task("sentiment").read_labelled(fixture_files[0])
    words = sorted({w for t in data.tokens for w in t})
    index = {w: i + 2 for i, w in enumerate(words)}
    cell, bi = ARCHITECTURES[arch]
    config = ModelConfig(task="sentiment", cell=cell, bidirectional=bi, embedding_dim=16, hidden_size=16,
                         vocab_size=len(words) + 2, labels=["negative", "positive"], dropout=0.0)
    net = Network(config)
    lengths = torch.tensor([len(t) for t in data.tokens])
    ids = torch.zeros(len(data.tokens), int(lengths.max()), dtype=torch.long)
    for r, t in enumerate(data.tokens):
        ids[r, : len(t)] = torch.tensor([index[w] for w in t])
    target = torch.tensor([config.labels.index(l) for l in data.labels])
    opt = torch.optim.Adam(net.parameters(), lr=0.01)
    losses = []
    for _ in range(15):
        loss = F.cross_entropy(net(ids, lengths), target)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]


def test_trained_model_learns_the_fixture_and_writes_a_card(tiny_model, fixture_files):
    card = json.loads(tiny_model.with_name("tiny.card.json").read_text())
    assert card["task"] == "sentiment" and card["architecture"] == "BiGRU 1x16"
    assert card["parameters"] > 0 and card["size_bytes"] == tiny_model.stat().st_size
    assert card["history"][-1]["loss"] < card["history"][0]["loss"]
    markdown = tiny_model.with_name("tiny.card.md").read_text()
    assert markdown.startswith("# tiny") and f"{card['parameters']:,} parameters" in markdown
    assert len(card["train_data"][0]["sha256"]) == 64
    result = evaluate("sentiment", fixture_files[1], model=str(tiny_model), compare=True)
    assert result.scores.accuracy >= 0.9
    assert result.scores.n == 12 and result.baseline is not None


def test_same_seed_same_model(fixture_files, tmp_path):
    from rnnlu.training.train import TrainOptions, train

    def run(name):
        return train(TrainOptions(task="sentiment", train=[str(fixture_files[0])], dev=[str(fixture_files[1])],
                                  out=str(tmp_path / f"{name}.safetensors"), hidden=8, embedding_dim=8, epochs=2,
                                  min_freq=1, seed=5))

    a, b = run("a"), run("b")
    from rnnlu.engine.modelfile import load_tensors

    ta, tb = load_tensors(a.path)[0], load_tensors(b.path)[0]
    assert all((ta[k] == tb[k]).all() for k in ta)
    assert [h.loss for h in a.history] == [h.loss for h in b.history]


def test_decontaminate_drops_copies_and_long_spans_of_excluded_texts(tmp_path):
    task = get_task("sentiment")
    (tmp_path / "train.tsv").write_text(
        "positive\ta truly wonderful film\n"          # equals an excluded text
        "positive\ttruly wonderful film about love\n"  # 5-word span inside an excluded text
        "positive\twonderful film\n"                   # short span: kept (too common to be a leak)
        "negative\ta dull film\n")
    (tmp_path / "test.tsv").write_text("positive\ta truly wonderful film\n"
                                       "positive\tit is a truly wonderful film about love and loss\n")
    kept, removed = decontaminate(task.read_labelled(tmp_path / "train.tsv"), [task.read_labelled(tmp_path / "test.tsv")])
    assert removed == 2
    assert kept.texts == ["wonderful film", "a dull film"]


def test_negation_copies_flip_short_plain_polar_phrases(tmp_path):
    from rnnlu.tasks.sentiment.augment import negation_examples

    (tmp_path / "t.tsv").write_text("positive\thappy\nnegative\tvery bad\nneutral\tthe bus\n"
                                    "positive\tnot bad\npositive\ta long , winding and lovely film\n")
    copies = negation_examples(get_task("sentiment").read_labelled(tmp_path / "t.tsv"), seed=1)
    assert copies.labels == ["negative", "positive"]  # neutral, already negated and long texts are left alone
    assert copies.tokens[0][-1] == "happy" and copies.tokens[1][-2:] == ["very", "bad"]
    assert all(t[0] in ("not", "never", "hardly") for t in copies.tokens)


def test_negation_frames_put_the_phrase_inside_a_negated_clause(tmp_path):
    from rnnlu.tasks.sentiment.augment import NEGATION_FRAMES, negation_frame_examples

    (tmp_path / "t.tsv").write_text("negative\tbad\npositive\tvery good\nneutral\tthe bus\n"
                                    "negative\tnot good\npositive\tthree good words\n")
    copies = negation_frame_examples(get_task("sentiment").read_labelled(tmp_path / "t.tsv"), seed=4)
    assert copies.labels == ["positive", "negative"]  # flipped; neutral, negated and 3-word texts left alone
    for toks, phrase in zip(copies.tokens, (["bad"], ["very", "good"])):
        assert any(toks == before + phrase + after for before, after in NEGATION_FRAMES)


def test_contrast_pairs_take_the_label_of_the_clause_after_but(tmp_path):
    from rnnlu.tasks.sentiment.augment import contrast_examples

    (tmp_path / "t.tsv").write_text("positive\ta lovely film\nnegative\ta dull plot\nneutral\tthe bus came\n"
                                    "positive\tgood but long\nnegative\tbad\n")
    pairs = contrast_examples([get_task("sentiment").read_labelled(tmp_path / "t.tsv")], seed=3, copies=6)
    assert len(pairs) == 6
    for toks, label in zip(pairs.tokens, pairs.labels):
        cue_end = max(i for i, t in enumerate(toks) if t in ("but", ","))
        second = toks[cue_end + 1 :]
        # the only plain 2+ token polar texts are "a lovely film" (positive) and "a dull plot" (negative)
        assert second == (["a", "lovely", "film"] if label == "positive" else ["a", "dull", "plot"])
        assert toks[:3] == (["a", "dull", "plot"] if label == "positive" else ["a", "lovely", "film"])
    assert set(pairs.labels) == {"positive", "negative"}


def test_contrast_pairs_never_use_a_clause_that_is_not_itself_polar(tmp_path):
    from rnnlu.tasks.sentiment.augment import NEGATION_WORDS, contrast_examples
    from rnnlu.tasks.sentiment.baseline import WordCountBaseline

    # Fragments labelled polar in phrase files ("they were not": negative) and negated clauses must not
    # become the deciding half of an "X but Y" copy: only clauses whose own words carry the label may.
    (tmp_path / "t.tsv").write_text("positive\ta lovely film\nnegative\ta dull plot\nnegative\tthey were not\n"
                                    "positive\tnot bad at all\nnegative\tthe flight leaves at six\n"
                                    "positive\tgreat fun\nnegative\tterrible acting\n")
    pairs = contrast_examples([get_task("sentiment").read_labelled(tmp_path / "t.tsv")], seed=5, copies=40)
    count = WordCountBaseline.opinion_lexicon()
    assert len(pairs) == 40
    for toks, label in zip(pairs.tokens, pairs.labels):
        cue_end = max(i for i, t in enumerate(toks) if t in ("but", ","))
        first, second = toks[:cue_end], toks[cue_end + 1 :]
        assert count(second).label == label and not NEGATION_WORDS.intersection(second)
        assert count([t for t in first if t not in (";", ".", "however")]).label != label
        assert " ".join(second) not in ("they were not", "not bad at all", "the flight leaves at six")


def test_pretrained_language_model_learns_and_starts_a_task_model(tmp_path, fixture_files):
    from rnnlu.engine.lmfile import load_encoder
    from rnnlu.training.pretrain import PretrainOptions, pretrain
    from rnnlu.training.train import TrainOptions, train

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    sentences = ["the film was good and the acting was good", "the plot was dull and the film was bad",
                 "a good film with a good plot", "a bad film with a dull plot"] * 40
    (corpus / "a.txt").write_text("\n".join(sentences) + "\n")
    lm_path = tmp_path / "lm.safetensors"
    notes = []
    result = pretrain(PretrainOptions(corpus=[str(corpus), str(fixture_files[0])], out=str(lm_path), arch="bigru",
                                      hidden=16, embedding_dim=8, epochs=6, batch_size=16, lr=0.02, min_freq=1,
                                      heldout_lines=16, device="cpu"), on_note=notes.append)
    assert len(notes) == 1 and notes[0].startswith("read 208 sentences")  # 160 corpus + 48 fixture lines
    history = result.history
    assert history[-1].heldout_perplexity < 0.6 * history[0].heldout_perplexity  # it learns the corpus
    config, vocab, tensors, _ = load_encoder(str(lm_path))
    assert config.head == "lm" and "film" in vocab and result.card["train_tokens"] > 0

    # A one-way GRU starts from the forward half: same vocabulary, same vectors, same forward weights.
    out = tmp_path / "gru.safetensors"
    card = train(TrainOptions(task="sentiment", train=[str(fixture_files[0])], dev=[str(fixture_files[1])],
                              out=str(out), arch="gru", epochs=1, lr=0.0, init_from=str(lm_path), device="cpu")).card
    from rnnlu.engine.model import Model

    model = Model.load(out)
    assert model.vocab.itos == vocab.itos and model.config.hidden_size == 16
    assert "rnn.weight_ih_l0_reverse" not in model.tensors
    for name in ("embedding.weight", "rnn.weight_hh_l0"):
        assert abs(model.tensors[name] - tensors[name]).max() < 1e-2  # lr 0: unchanged but for fp16 storage
    assert card["initialised_from"]["sha256"] and card["initialised_from"]["command"]


def test_init_from_refuses_a_language_model_of_another_cell(tmp_path, fixture_files):
    from rnnlu.errors import UsageError
    from rnnlu.training.pretrain import PretrainOptions, pretrain
    from rnnlu.training.train import TrainOptions, train

    lm_path = tmp_path / "lm.safetensors"
    pretrain(PretrainOptions(corpus=[str(fixture_files[0])], out=str(lm_path), arch="gru", hidden=8, embedding_dim=8,
                             epochs=1, min_freq=1, heldout_lines=4, device="cpu"))
    with pytest.raises(UsageError, match="LSTM"):
        train(TrainOptions(task="sentiment", train=[str(fixture_files[0])], dev=[str(fixture_files[1])],
                           out=str(tmp_path / "m.safetensors"), arch="lstm", init_from=str(lm_path), device="cpu"))
    with pytest.raises(UsageError, match="bidirectional"):
        train(TrainOptions(task="sentiment", train=[str(fixture_files[0])], dev=[str(fixture_files[1])],
                           out=str(tmp_path / "m.safetensors"), arch="bigru", init_from=str(lm_path), device="cpu"))


def test_corpus_reader_stops_at_max_lines_and_cuts_long_lines(tmp_path):
    from rnnlu.training.pretrain import read_corpus

    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "a.txt").write_text("one two three x y\nfour five\n")
    (folder / "b.txt").write_text("six seven eight nine ten eleven\n")
    (tmp_path / "d.tsv").write_text("positive\tgreat film\n")
    sentences, per_path, dropped = read_corpus([str(folder), str(tmp_path / "d.tsv")], max_lines=2, max_tokens=4,
                                               exclude={"four five"})
    assert per_path == {str(folder): 2, str(tmp_path / "d.tsv"): 1}  # b.txt is never reached
    assert dropped == 1
    assert sentences == [["one", "two", "three", "x"], ["great", "film"]]  # the 1-word rest "y" is dropped


def test_corpus_readers_undo_wikitext_markup(tmp_path):
    """--wikitext: its section titles are no sentences, and its split joins ("off @-@ world") are joined again."""
    from rnnlu.corpus import read_lines, read_wrapped, undo_wikitext

    f = tmp_path / "wiki.txt"
    f.write_text(" \n = Homarus gammarus = \n \n It grows to 1 @,@ 000 g . It is an off @-@ shore lobster .\n"
                 " = = Description = = \n It is blue\n and 3 @.@ 5 kg .\n")
    assert list(read_lines(f, wikitext=True)) == ["It grows to 1,000 g . It is an off-shore lobster .", "It is blue",
                                                  "and 3.5 kg ."]
    assert list(read_wrapped(f, wikitext=True)) == ["It grows to 1,000 g .", "It is an off-shore lobster .",
                                                    "It is blue and 3.5 kg ."]
    # without the flag the text is read as it stands (the bundled models' language models read it so)
    assert list(read_lines(f))[0] == "= Homarus gammarus ="
    assert "1 @,@ 000" in list(read_wrapped(f))[1]
    # other text passes unchanged, "=" and "@" included
    for line in ("a = b = c", "mail me@home", "= not a title", "x @-@"):
        assert undo_wikitext(line) == line


def test_calibration_offsets_are_fitted_on_dev_and_written_into_the_model(fixture_files, tmp_path):
    from rnnlu.engine.modelfile import load_tensors
    from rnnlu.training.train import TrainOptions, train

    def run(name, calibrate):
        return train(TrainOptions(task="sentiment", train=[str(fixture_files[0])], dev=[str(fixture_files[1])],
                                  out=str(tmp_path / f"{name}.safetensors"), hidden=8, embedding_dim=8, epochs=2,
                                  min_freq=1, seed=2, calibrate=calibrate))

    plain, calibrated = run("plain", False), run("cal", True)
    cal = calibrated.card["calibration"]
    assert plain.card["calibration"] is None and cal["offsets"][0] == 0.0 and len(cal["offsets"]) == 2
    assert cal["after"] >= cal["before"] == plain.card["dev_metric"]
    # Same seed, same training: the only difference is the offsets, added to the output bias.
    moved = load_tensors(calibrated.path)[0]["head.bias"].astype(float) - load_tensors(plain.path)[0]["head.bias"]
    assert np.allclose(moved, cal["offsets"], atol=2e-3)


def test_lr_decay_halves_the_rate_after_an_epoch_without_progress(fixture_files, tmp_path):
    from rnnlu.training.train import TrainOptions, train

    result = train(TrainOptions(task="sentiment", train=[str(fixture_files[0])], dev=[str(fixture_files[1])],
                                out=str(tmp_path / "d.safetensors"), hidden=8, embedding_dim=8, epochs=6,
                                min_freq=1, seed=2, lr=0.01, lr_decay=0.5, patience=6))
    rates = [h.lr for h in result.history]
    assert any(not h.best for h in result.history[:-1])  # the fixture is learnt early: some epochs cannot improve
    for before, after, h in zip(rates, rates[1:], result.history):
        assert after == pytest.approx(before if h.best else before * 0.5)


def test_lexicon_examples_are_the_baselines_words_with_their_polarity():
    from rnnlu.errors import UsageError
    from rnnlu.tasks.sentiment.augment import lexicon_examples
    from rnnlu.tasks.sentiment.baseline import WordCountBaseline

    words = lexicon_examples({"negative", "neutral", "positive"})
    label_of = dict(zip(words.texts, words.labels))
    assert len(words) == len(WordCountBaseline.opinion_lexicon().polarity) > 6000
    assert label_of["dreadful"] == "negative" and label_of["superb"] == "positive"
    assert set(words.label_set) == {"negative", "positive"}  # binary: the loss leaves neutral out
    with pytest.raises(UsageError, match="positive and negative"):
        lexicon_examples({"NOUN", "VERB"})


def test_augment_lexicon_teaches_words_the_training_files_never_show(fixture_files, tmp_path):
    """'superb' and 'dreadful' are not in the fixture: without the lexicon both are <unk> and get one
    answer; with it they lean their own way, and the card lists the lexicon as training data."""
    from rnnlu.engine.model import Model
    from rnnlu.training.train import TrainOptions, train

    def run(lexicon):
        out = tmp_path / f"m{lexicon}.safetensors"
        result = train(TrainOptions(task="sentiment", train=[str(fixture_files[0])], dev=[str(fixture_files[1])],
                                    out=str(out), hidden=16, embedding_dim=16, epochs=4, min_freq=1, patience=30,
                                    seed=1, dropout=0.0, word_dropout=0.0, lr=0.01, batch_size=32,
                                    augment_lexicon=lexicon))
        return Model.load(out), result.card

    (with_lexicon, card), (without, _) = run(True), run(False)
    texts = [["it", "was", "superb"], ["it", "was", "dreadful"]]
    p_without = without.predict_proba(texts)
    np.testing.assert_allclose(p_without[0], p_without[1], atol=1e-6)
    positive = with_lexicon.predict_proba(texts)[:, with_lexicon.labels.index("positive")]
    assert positive[0] > 0.5 > positive[1], positive
    lexicon_entry = card["train_data"][-1]
    assert lexicon_entry["path"].startswith("opinion lexicon") and lexicon_entry["sha256"] is None
    assert lexicon_entry["examples"] > 6000
    markdown = (tmp_path / "mTrue.card.md").read_text(encoding="utf-8")  # generated data has no file to hash
    assert "| train data | `opinion lexicon" in markdown and "| generated |" in markdown


def test_ema_scores_and_saves_the_running_average_of_the_weights(fixture_files, tmp_path):
    """Training steps are the same with or without --ema; what is scored and saved is the average. A
    short-memory average learns the fixture like the raw weights; one that barely moves stays near the
    first step's weights, so it cannot."""
    from rnnlu.errors import UsageError
    from rnnlu.training.train import TrainOptions, train

    def run(ema):
        result = train(TrainOptions(task="sentiment", train=[str(fixture_files[0])], dev=[str(fixture_files[1])],
                                    out=str(tmp_path / f"ema{ema}.safetensors"), hidden=16, embedding_dim=16,
                                    epochs=12, min_freq=1, patience=30, seed=1, dropout=0.0, word_dropout=0.0,
                                    lr=0.02, batch_size=8, ema=ema))
        return result.card

    raw, short, frozen = run(0.0), run(0.8), run(0.99999)
    assert [h["loss"] for h in short["history"]] == [h["loss"] for h in raw["history"]]  # same steps
    assert raw["dev"][0]["accuracy"] >= 0.9 and short["dev"][0]["accuracy"] >= 0.9
    assert frozen["dev"][0]["accuracy"] <= 0.75
    with pytest.raises(UsageError, match="--ema"):
        run(1.0)


def test_teacher_answers_outweigh_wrong_labels_with_full_distillation(tiny_model, fixture_files, tmp_path):
    """The training file's labels are all flipped. A student trained on the labels alone learns them and
    gets the dev file wrong; with --distill 1 it learns only the teacher's answers (a model trained on the
    right labels), so it gets dev right, and its card names the teacher by checksum."""
    from rnnlu.engine.modelfile import sha256_of
    from rnnlu.errors import UsageError
    from rnnlu.training.train import TrainOptions, train

    swap = {"positive": "negative", "negative": "positive"}
    rows = [line.split("\t", 1) for line in fixture_files[0].read_text(encoding="utf-8").splitlines()]
    flipped = tmp_path / "flipped.tsv"
    flipped.write_text("".join(f"{swap[label]}\t{text}\n" for label, text in rows), encoding="utf-8")

    def run(name, **kw):
        return train(TrainOptions(task="sentiment", train=[str(flipped)], dev=[str(fixture_files[1])],
                                  out=str(tmp_path / f"{name}.safetensors"), hidden=16, embedding_dim=16, epochs=12,
                                  min_freq=1, patience=30, seed=2, dropout=0.0, word_dropout=0.0, lr=0.02,
                                  batch_size=8, **kw)).card

    labels_only, taught = run("labels"), run("taught", teachers=[str(tiny_model)], distill=1.0)
    assert labels_only["dev"][0]["accuracy"] <= 0.5
    assert taught["dev"][0]["accuracy"] >= 0.9
    assert taught["teachers"][0]["sha256"] == sha256_of(tiny_model)
    assert "1 teacher models" in (tmp_path / "taught.card.md").read_text(encoding="utf-8")
    with pytest.raises(UsageError, match="--distill"):
        run("bad", teachers=[str(tiny_model)], distill=0.0)
    with pytest.raises(UsageError, match="--teacher"):  # a share with nobody to share with is a mistake
        run("lonely", distill=0.7)


def test_a_teacher_must_know_every_training_label(tiny_model, tmp_path):
    from rnnlu.errors import UsageError
    from rnnlu.training.train import TrainOptions, train

    three = tmp_path / "three.tsv"
    three.write_text("positive\tgood fun\nnegative\tawful mess\nneutral\tthe film opens friday\n", encoding="utf-8")
    with pytest.raises(UsageError, match="neutral"):
        train(TrainOptions(task="sentiment", train=[str(three)], dev=[str(three)], out=str(tmp_path / "m.safetensors"),
                           hidden=8, embedding_dim=8, epochs=1, min_freq=1, teachers=[str(tiny_model)]))


def test_interrupted_and_resumed_training_writes_the_same_file(tmp_path, fixture_files):
    """Same seed, interrupted after epoch 2 and resumed, gives the file an uninterrupted run gives
    (word dropout's random draws and torch's dropout state travel in the checkpoint)."""
    from rnnlu.training.train import TrainOptions

    train_file, dev_file = fixture_files

    def opts(out, **kw):
        return TrainOptions(task="sentiment", train=[str(train_file)], dev=[str(dev_file)], out=str(out),
                            hidden=8, embedding_dim=8, epochs=4, min_freq=1, patience=10, seed=2, dropout=0.3,
                            word_dropout=0.3, batch_size=8, **kw)

    assert_resume_is_exact(opts, tmp_path)


PROSE = ["The museum is closed on Mondays.", "He did not take the train to Boston.",
         "The committee met in March and adopted the report.", "The food was wonderful and the staff were kind!",
         "What a terrible, awful day.", "Is the store open today?", "The seat is not by the window.",
         "The river runs north for ninety miles.", "Nobody liked the dreadful play.", "She never rode the bus.",
         "The shuttle leaves gate 12 at 6:45.", "See <b>the map</b> for details."]


def test_neutral_examples_are_real_sentences_without_an_opinion_word(tmp_path):
    """Only statements pass: no lexicon word ('wonderful', 'terrible', 'liked', 'dreadful'), no '!' or '?';
    negated facts are kept (a third of the sample where there are that many); every label competes."""
    from rnnlu.errors import UsageError
    from rnnlu.tasks.sentiment.augment import neutral_examples
    from rnnlu.tasks.sentiment.baseline import WordCountBaseline

    corpus = tmp_path / "prose.txt"
    corpus.write_text(" ".join(PROSE[:5]) + "\n" + "\n".join(PROSE[5:]) + "\n", encoding="utf-8")  # wrapped and one per line
    labels = ["negative", "neutral", "positive"]
    data = neutral_examples(str(corpus), seed=1, count=100, labels=labels)
    assert sorted(data.texts) == sorted(PROSE[i].removesuffix(".") for i in (0, 1, 2, 6, 7, 9, 10))  # numbers are plain
    assert not any(t[-1] == "." for t in data.tokens)   # the full stop is no cue for "neutral"
    assert set(data.labels) == {"neutral"} and data.label_set == labels
    lexicon = WordCountBaseline.opinion_lexicon()
    assert all(lexicon(t).score == 0 for t in data.tokens)
    folder = neutral_examples(str(tmp_path), seed=1, count=100, labels=labels)   # a folder of text files
    assert sorted(folder.texts) == sorted(data.texts)
    from rnnlu.engine.modelfile import sha256_of   # a folder's checksum, by the rule the cards state
    rule = f"prose.txt {hashlib.sha256(corpus.read_bytes()).hexdigest()}\n"
    assert sha256_of(tmp_path) == hashlib.sha256(rule.encode()).hexdigest()
    few = neutral_examples(str(corpus), seed=1, count=3, labels=labels)
    negated = [t for t in few.texts if " not " in t or " never " in t]
    assert len(few) == 3 and len(negated) == 1
    (tmp_path / "judging.txt").write_text("What a wonderful day!\nThe plot was dreadful.\n", encoding="utf-8")
    with pytest.raises(UsageError, match="no sentence"):
        neutral_examples(str(tmp_path / "judging.txt"), seed=1, count=10, labels=labels)


def test_augment_neutral_teaches_a_binary_set_the_neutral_answer(fixture_files, tmp_path):
    """The fixture is positive/negative only; with --augment-neutral the model gains the label "neutral".
    Its polar texts say nothing against neutral unless --binary-is-polar: then plain statements come out
    neutral and polar texts polar, and the card names the neutral source."""
    from rnnlu.engine.model import Model
    from rnnlu.engine.tokenize import tokenize
    from rnnlu.errors import UsageError
    from rnnlu.training.train import TrainOptions, train

    corpus = tmp_path / "prose.txt"
    corpus.write_text("\n".join(PROSE) + "\n", encoding="utf-8")
    dev = tmp_path / "dev.tsv"  # three labels, so the kept epoch is one that has learned neutral too
    dev.write_text(fixture_files[1].read_text(encoding="utf-8") + "neutral\tThe museum is closed on Mondays.\n"
                   "neutral\tThe river runs north for ninety miles.\n", encoding="utf-8")
    opts = dict(task="sentiment", train=[str(fixture_files[0])], dev=[str(dev)], hidden=16,
                embedding_dim=16, epochs=25, min_freq=1, patience=30, seed=1, dropout=0.0, word_dropout=0.0,
                lr=0.02, batch_size=8, augment_neutral=[str(corpus)])
    texts = [tokenize(t) for t in ["The museum is closed on Mondays.", "the best film this year", "the worst film this year"]]
    results, probs = {}, {}
    for polar in (False, True):
        out = tmp_path / f"n{polar}.safetensors"
        results[polar] = train(TrainOptions(out=str(out), binary_is_polar=polar, **opts))
        model = Model.load(out)
        assert model.labels == ["negative", "neutral", "positive"]
        probs[polar] = model.predict_proba(texts)
    assert [["negative", "neutral", "positive"][i] for i in probs[True].argmax(1)] == ["neutral", "positive", "negative"], probs
    assert (probs[True][1:, 1] < probs[False][1:, 1]).all()   # polar texts now count against neutral
    entry = results[True].card["train_data"][-1]
    assert entry["path"] == str(corpus) and entry["examples"] == 7 and "no opinion word" in entry["as"]
    assert entry["sha256"] == hashlib.sha256(corpus.read_bytes()).hexdigest()
    assert "--augment-neutral " + str(corpus) in results[True].card["command"]
    assert "--binary-is-polar" in results[True].card["command"]
    with pytest.raises(UsageError, match="--augment-neutral"):
        train(TrainOptions(**{**opts, "augment_neutral": []}, out=str(tmp_path / "x.safetensors"), neutral_sentences=5))


def test_negated_claims_put_whole_polar_clauses_under_a_negated_think_or_say(tmp_path):
    from rnnlu.tasks.sentiment.augment import CLAIM_NEGATORS, negated_claim_examples

    (tmp_path / "t.tsv").write_text("positive\tthe performances are remarkable .\nnegative\tthe plot was dull\n"
                                    "positive\tremarkable performances\n"          # no verb: not a clause
                                    "negative\tthe plot was not good\n"            # negated already
                                    "positive\tthe ending is what it is\n"         # no opinion word
                                    "negative\tbut the plot was dull\n", encoding="utf-8")  # not subject-first
    data = negated_claim_examples([get_task("sentiment").read_labelled(tmp_path / "t.tsv")], seed=2, per_claim=3)
    assert len(data) == 6 and len(set(data.texts)) == 6
    for toks, label in zip(data.tokens, data.labels):
        clause = {"positive": ["the", "plot", "was", "dull"], "negative": ["the", "performances", "are", "remarkable"]}[label]
        assert toks[-len(clause):] == clause and tuple(toks[:-len(clause)]) in CLAIM_NEGATORS
    assert negated_claim_examples([get_task("sentiment").read_labelled(tmp_path / "t.tsv")], seed=2).texts == data.texts


def test_init_from_a_sentiment_model_continues_every_weight(tiny_model, fixture_files, tmp_path):
    """`--init-from` a trained sentiment model carries all of it (vectors, encoder, head, vocabulary): with
    learning rate 0 the new file answers exactly as the old; other labels or another cell are refused."""
    from rnnlu.engine.model import Model
    from rnnlu.errors import UsageError
    from rnnlu.training.train import TrainOptions, train

    out = tmp_path / "continued.safetensors"
    opts = dict(task="sentiment", train=[str(fixture_files[0])], dev=[str(fixture_files[1])], epochs=1, lr=0.0,
                min_freq=1, seed=2, init_from=str(tiny_model))
    result = train(TrainOptions(out=str(out), **opts))
    texts = [["a", "wonderful", "film"], ["boring", "and", "awful"], ["never", "seen", "words"]]
    np.testing.assert_allclose(Model.load(out).predict_proba(texts), Model.load(tiny_model).predict_proba(texts), atol=1e-6)
    start = result.card["initialised_from"]
    assert start["task"] == "sentiment" and start["path"] == str(tiny_model)
    assert "continues from every weight of the sentiment model" in (tmp_path / "continued.card.md").read_text()
    three = tmp_path / "three.tsv"
    three.write_text(fixture_files[0].read_text() + "neutral\tthe film runs two hours\n", encoding="utf-8")
    with pytest.raises(UsageError, match="must be the same labels"):
        train(TrainOptions(out=str(tmp_path / "x.safetensors"), **{**opts, "train": [str(three)]}))
    with pytest.raises(UsageError, match="does not fit"):
        train(TrainOptions(out=str(tmp_path / "y.safetensors"), arch="bilstm", **opts))
