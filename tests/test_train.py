"""Training: every architecture learns; cards record what was done; decontamination works."""

import json

import pytest
import torch
import torch.nn.functional as F

from rnnlu.config import ARCHITECTURES, ModelConfig
from rnnlu.evaluate import evaluate
from rnnlu.network import Network
from rnnlu.tasks import get_task
from rnnlu.train import decontaminate


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
    from rnnlu.train import TrainOptions, train

    def run(name):
        return train(TrainOptions(task="sentiment", train=[str(fixture_files[0])], dev=[str(fixture_files[1])],
                                  out=str(tmp_path / f"{name}.safetensors"), hidden=8, embedding_dim=8, epochs=2,
                                  min_freq=1, seed=5))

    a, b = run("a"), run("b")
    from rnnlu.modelfile import load_tensors

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
    from rnnlu.train import negation_examples

    (tmp_path / "t.tsv").write_text("positive\thappy\nnegative\tvery bad\nneutral\tthe bus\n"
                                    "positive\tnot bad\npositive\ta long , winding and lovely film\n")
    copies = negation_examples(get_task("sentiment").read_labelled(tmp_path / "t.tsv"), seed=1)
    assert copies.labels == ["negative", "positive"]  # neutral, already negated and long texts are left alone
    assert copies.tokens[0][-1] == "happy" and copies.tokens[1][-2:] == ["very", "bad"]
    assert all(t[0] in ("not", "never", "hardly") for t in copies.tokens)
