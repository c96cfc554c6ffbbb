"""The selection rule on hand-made results, and one real (tiny) selection run."""

import json

import pytest

from rnnlu.training.select import Candidate, choose, select, speed_ratios
from rnnlu.training.train import TrainOptions


def cands(*means):
    return [Candidate(arch, [m]) for arch, m in zip(["bilstm", "bigru", "lstm", "gru"], means)]


def test_takes_the_rightmost_within_tolerance():
    chosen, best, reason = choose(cands(0.870, 0.868, 0.860, 0.866), tolerance_points=0.5)
    assert (chosen, best) == ("gru", "bilstm")  # gru trails by 0.4 points; it is rightmost
    assert "gru" in reason and "bilstm" in reason


def test_keeps_the_best_when_nothing_simpler_is_close():
    assert choose(cands(0.870, 0.850, 0.840, 0.830), 0.5)[:2] == ("bilstm", "bilstm")


def test_the_best_may_be_in_the_middle():
    assert choose(cands(0.850, 0.870, 0.860, 0.840), 0.5)[0] == "bigru"
    assert choose(cands(0.850, 0.870, 0.866, 0.840), 0.5)[0] == "lstm"


def test_zero_tolerance_and_ties():
    assert choose(cands(0.86, 0.86, 0.86, 0.85), 0.0)[0] == "lstm"


def test_mean_and_spread_over_seeds():
    c = Candidate("gru", [0.80, 0.82, 0.84])
    assert c.mean == pytest.approx(0.82) and c.spread == pytest.approx(0.02)


def test_speed_ratios():
    cs = [Candidate("lstm", [0.8], seconds_per_epoch=10, texts_per_second=100),
          Candidate("gru", [0.8], seconds_per_epoch=8, texts_per_second=125)]
    assert speed_ratios(cs) == {"gru_vs_lstm": {"train_speedup": 1.25, "inference_speedup": 1.25}}


def test_select_runs_every_architecture_and_saves_the_choice(fixture_files, tmp_path):
    train_file, dev_file = fixture_files
    base = TrainOptions(task="sentiment", train=[str(train_file)], dev=[str(dev_file)],
                        out=str(tmp_path / "chosen.safetensors"), hidden=8, embedding_dim=8, epochs=1, min_freq=1)
    sel = select(base, tolerance=0.5, include_rnn=True)
    assert [c.arch for c in sel.candidates] == ["bilstm", "bigru", "lstm", "gru", "rnn"]
    assert sel.chosen in ("bilstm", "bigru", "lstm", "gru")
    assert all(c.parameters > 0 and c.texts_per_second > 0 for c in sel.candidates)
    card = json.loads((tmp_path / "chosen.card.json").read_text())
    assert card["selection"]["chosen"] == sel.chosen and card["arch"] == sel.chosen
    assert (tmp_path / "chosen.card.md").exists()
    # the card's command is a `rnnlu train` command that makes the chosen model again, byte for byte
    import hashlib
    import shlex
    import subprocess
    import sys

    argv = shlex.split(card["command"])
    assert argv[:3] == ["rnnlu", "train", "sentiment"] and "--tolerance" not in argv
    assert argv[argv.index("--arch") + 1] == sel.chosen
    again = tmp_path / "again" / "chosen.safetensors"
    again.parent.mkdir()
    argv[argv.index("--out") + 1] = str(again)
    done = subprocess.run([sys.executable, "-m", "rnnlu", *argv[1:]], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    digest = lambda p: hashlib.sha256(p.read_bytes()).hexdigest()
    assert digest(again) == digest(tmp_path / "chosen.safetensors") == card["sha256"]
