"""Hostile input, run as a real process: nothing silently wrong, nothing destroyed, no tracebacks.

Each case is one from the hostile-tester issue: the CLI must give the right answer, or one line on
stderr (`rnnlu: error: ...`) and a non-zero exit, and must never replace or leave behind a file.
"""

import csv
import io
import json
import os
import signal
import stat
import struct
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from rnnlu.engine.config import ModelConfig
from rnnlu.engine.model import Model
from rnnlu.engine.modelfile import save_tensors
from rnnlu.engine.vocab import Vocab

REPO = Path(__file__).resolve().parents[1]


def ok(result) -> str:
    assert result.returncode == 0, result.stderr.decode()
    assert "Traceback" not in result.stderr.decode()
    return result.stdout.decode()


def one_line_error(result, pattern: str, code: int = 1) -> str:
    err = result.stderr.decode()
    assert result.returncode == code, (result.returncode, err)
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("rnnlu: error: "), err
    assert pattern in err, err
    return err


# ---- silently wrong -------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["csv", "tsv", "jsonl", "json"])
def test_jsonl_fields_never_shadow_result_columns(run_cli, tiny_model, tmp_path, fmt):
    """A labelled JSONL file (what people feed an evaluator) must show the model's label, not its own."""
    src = tmp_path / "labelled.jsonl"
    src.write_text('{"text": "a wonderful , moving film", "label": "negative", "p_negative": "x", "model": "m"}\n'
                   '{"text": "a dull , boring mess", "label": "positive", "p_negative": "y", "model": "m"}\n')
    out = ok(run_cli("sentiment", "-m", tiny_model, "--jsonl", src, "-f", fmt))
    if fmt in ("csv", "tsv"):
        rows = list(csv.DictReader(io.StringIO(out), delimiter="," if fmt == "csv" else "\t"))
    elif fmt == "jsonl":
        rows = [json.loads(line) for line in out.splitlines()]
    else:
        rows = json.loads(out)
    assert [r["label"] for r in rows] == ["positive", "negative"]  # the model's answers
    assert [r["model"] for r in rows] == ["tiny", "tiny"]
    assert all(0 <= float(r["p_negative"]) <= 1 for r in rows)
    if fmt in ("jsonl", "json"):  # the input's fields are kept, under input_NAME
        assert [r["input_label"] for r in rows] == ["negative", "positive"]
        assert rows[0]["input_p_negative"] == "x" and rows[0]["input_model"] == "m"


def test_csv_columns_never_shadow_result_columns(run_cli, tiny_model, tmp_path):
    src = tmp_path / "labelled.csv"
    src.write_text("label,text,input_label,model\nnegative,\"a wonderful , moving film\",q,m\n")
    out = ok(run_cli("sentiment", "-m", tiny_model, "--csv", src))
    header = out.splitlines()[0].split(",")
    assert header[:4] == ["input_input_label", "text", "input_label", "input_model"]
    row = next(csv.DictReader(io.StringIO(out)))
    assert row["label"] == "positive" and row["model"] == "tiny"
    assert row["input_input_label"] == "negative" and row["input_label"] == "q" and row["input_model"] == "m"


def test_jsonl_text_field_is_kept_in_csv_output(run_cli, tiny_model, tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": 1, "body": "a wonderful film"}\n')
    row = next(csv.DictReader(io.StringIO(ok(run_cli("sentiment", "-m", tiny_model, "--jsonl", src,
                                                          "--field", "body", "-f", "csv")))))
    assert row["body"] == "a wonderful film" and row["label"] == "positive"


@pytest.mark.parametrize("header", ["id,text,text", "text,id,id", "text,,"])
def test_csv_duplicate_column_names_are_refused(run_cli, tiny_model, tmp_path, header):
    src = tmp_path / "dup.csv"
    src.write_text(header + "\n" + ",".join(["good"] * len(header.split(","))) + "\n")
    one_line_error(run_cli("sentiment", "-m", tiny_model, "--csv", src), "names column")


def test_training_file_with_duplicate_columns_is_refused(run_cli, tmp_path):
    src = tmp_path / "train.csv"
    src.write_text("label,text,text\npositive,good,bad\n")
    one_line_error(run_cli("train", "sentiment", "--train", src, "--dev", src, "--out", tmp_path / "m.safetensors"),
                   "names column 'text' twice")


# ---- destroys or leaves things behind -------------------------------------------------------------
def _no_parts(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.endswith(".part")]


@pytest.mark.parametrize("device", ["/dev/null", "/dev/full"])
def test_output_onto_a_device_writes_through_and_keeps_it(run_cli, tiny_model, device):
    if not Path(device).is_char_device():
        pytest.skip(f"{device} is not a character device here")
    res = run_cli("sentiment", "-m", tiny_model, "good fun", "-o", device)
    assert Path(device).is_char_device(), f"{device} was replaced"
    if device == "/dev/full":
        one_line_error(res, "no space left")
    else:
        ok(res)
    assert not _no_parts(Path(device).parent)


def test_output_onto_a_fifo_writes_through(run_cli, tiny_model, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE)
    ok(run_cli("sentiment", "-m", tiny_model, "good fun", "-f", "tsv", "-o", fifo))
    out = reader.communicate(timeout=60)[0].decode()
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert out.splitlines()[1].startswith("good fun\tpositive")


def test_output_onto_a_symlink_follows_it(run_cli, tiny_model, tmp_path):
    target = tmp_path / "real.tsv"
    target.write_text("old\n")
    target.chmod(0o640)
    link = tmp_path / "link.tsv"
    link.symlink_to(target.name)
    ok(run_cli("sentiment", "-m", tiny_model, "good fun", "-o", link))
    assert link.is_symlink() and os.readlink(link) == "real.tsv"
    assert target.read_text().splitlines()[1].startswith("good fun\tpositive")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640  # a replaced file keeps its mode
    assert not _no_parts(tmp_path)


def test_output_onto_a_symlink_to_stdout_writes_through(run_cli, tiny_model, tmp_path):
    (tmp_path / "out").symlink_to("/dev/stdout")
    out = ok(run_cli("sentiment", "-m", tiny_model, "good fun", "-f", "tsv", "-o", "out"))
    assert (tmp_path / "out").is_symlink()
    assert out.splitlines()[1].startswith("good fun\tpositive")


def test_output_onto_a_folder_is_refused_and_leaves_nothing(run_cli, tiny_model, tmp_path):
    folder = tmp_path / "results"
    folder.mkdir()
    for _ in range(2):
        one_line_error(run_cli("sentiment", "-m", tiny_model, "good", "-o", folder), "is a folder")
    assert not _no_parts(tmp_path) and list(folder.iterdir()) == []


@pytest.mark.parametrize("option", ["--svg", "--html"])
def test_explain_picture_onto_a_folder_is_refused(run_cli, tiny_model, tmp_path, option):
    one_line_error(run_cli("explain", "good fun", "-m", tiny_model, option, tmp_path), "is a folder")
    assert not _no_parts(tmp_path.parent) and not _no_parts(tmp_path)


def test_evaluate_errors_file_onto_dev_null_keeps_the_device(run_cli, tiny_model, fixture_files):
    ok(run_cli("evaluate", "sentiment", "--data", fixture_files[1], "-m", tiny_model, "--errors", "/dev/null"))
    assert Path("/dev/null").is_char_device()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_signal_while_writing_leaves_no_part_file(tiny_model, tmp_path, sig):
    """Killed mid-run by SIGTERM or SIGHUP: no half-written output, no hidden .part file."""
    env = {**os.environ, "RNNLU_HOME": str(tmp_path / "home")}
    # The default disposition, as in a terminal (under nohup, SIGHUP is ignored, and rnnlu keeps it so).
    proc = subprocess.Popen([sys.executable, "-m", "rnnlu", "sentiment", "-m", str(tiny_model), "-o", "out.tsv"],
                            cwd=tmp_path, stdin=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                            preexec_fn=lambda: signal.signal(sig, signal.SIG_DFL))
    proc.stdin.write(b"a wonderful film\n" * 5000)  # more than one batch; stdin stays open
    proc.stdin.flush()
    deadline = time.monotonic() + 60
    while not _no_parts(tmp_path) and time.monotonic() < deadline:  # the run has opened its output
        time.sleep(0.05)
    assert _no_parts(tmp_path), "the run never started writing"
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + sig, err.decode()
    assert "Traceback" not in err.decode()
    assert not _no_parts(tmp_path) and not (tmp_path / "out.tsv").exists()


# ---- one line, never a traceback ------------------------------------------------------------------
def test_stdout_on_a_full_disk(tiny_model, tmp_path):
    if not Path("/dev/full").is_char_device():
        pytest.skip("no /dev/full")
    with open("/dev/full", "w") as full:
        res = subprocess.run([sys.executable, "-m", "rnnlu", "sentiment", "-m", str(tiny_model), "good", "-f", "tsv"],
                             stdout=full, stderr=subprocess.PIPE, cwd=tmp_path, timeout=120,
                             env={**os.environ, "RNNLU_HOME": str(tmp_path / "home")})
    err = res.stderr.decode()
    assert res.returncode == 1 and "Traceback" not in err and "Exception ignored" not in err, err
    assert err.startswith("rnnlu: error: ") and "no space left" in err.lower(), err


def test_output_into_a_folder_that_cannot_be_written(run_cli, tiny_model, tmp_path):
    if os.geteuid() == 0:  # root writes anywhere a mode allows: use a file system that refuses new files
        target = Path("/sys/rnnlu-test-output.tsv")
        if not Path("/sys").is_dir():
            pytest.skip("no unwritable folder for root here")
    else:
        folder = tmp_path / "locked"
        folder.mkdir()
        folder.chmod(0o555)
        target = folder / "out.tsv"
    one_line_error(run_cli("sentiment", "-m", tiny_model, "good", "-o", target), "cannot write")
    assert not target.exists()


def test_output_into_a_missing_folder(run_cli, tiny_model, tmp_path):
    one_line_error(run_cli("sentiment", "-m", tiny_model, "good", "-o", tmp_path / "no" / "out.tsv"), "does not exist")


@pytest.mark.parametrize("home", ["file", "long"])
def test_unreadable_rnnlu_home_keeps_bundled_models(run_cli, tmp_path, home):
    """An RNNLU_HOME that cannot be read: one note on stderr, and the bundled default still answers."""
    if not (REPO / "pretrained" / "index.json").exists():
        pytest.skip("no bundled models")
    if home == "file":
        (tmp_path / "plain").write_text("")
        path = str(tmp_path / "plain")  # a file where a folder belongs
    else:
        path = str(tmp_path / ("x" * 300))  # a name longer than the file system allows
    res = run_cli("sentiment", "good", "-f", "tsv", env={"RNNLU_HOME": path})
    assert ok(res).splitlines()[1].startswith("good\tpositive")
    err = res.stderr.decode()
    assert err.count("\n") <= 1 and "Traceback" not in err
    assert "cannot read your models folder" not in err  # a bundled name is found without reading that folder
    models = run_cli("models", "-f", "json", env={"RNNLU_HOME": path})
    assert any(m["bundled"] for m in json.loads(ok(models)))
    if home == "long":  # listing the models reads the folder: one note says why yours are missing
        assert models.stderr.decode().startswith("rnnlu: note: cannot read your models folder")


# ---- JSONL, encodings ------------------------------------------------------------------------------
@pytest.mark.parametrize("line, pattern", [
    ('{"text": "bad \\ud800 half"}', "lone surrogate \\ud800"),
    ('{"text": "ok", "k": "\\udfff"}', "lone surrogate \\udfff"),
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ('{"text": "ok", "n": ' + "9" * 5000 + "}", "cannot be read"),
    ('{"text": 5}', "is not a string"),
    ("[1, 2]", "no field 'text'"),
    ('{"text": "ok", "score": NaN}', "NaN is not a JSON value"),
], ids=["surrogate", "surrogate-elsewhere", "deep", "5000-digits", "not-a-string", "not-an-object", "nan"])
def test_hostile_jsonl_lines_are_named(run_cli, tiny_model, tmp_path, line, pattern):
    src = tmp_path / "in.jsonl"
    src.write_text('{"text": "fine"}\n' + line + "\n")
    one_line_error(run_cli("sentiment", "-m", tiny_model, "--jsonl", src, "-f", "jsonl"), f"in.jsonl:2: ")
    one_line_error(run_cli("sentiment", "-m", tiny_model, "--jsonl", src, "-f", "jsonl"), pattern)


def _hostile_runs() -> list[str]:
    """Lines under the 100,000-character limit on which a regular expression could backtrack for minutes:
    "<" after "<" with no ">" (NLTK's pattern), a digit then a long run of spaced separators (the phone check)."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    return ["".join("<" + letters[i % 26] + letters[i * 7 % 26] for i in range(32_000)),
            "1" + " -" * 49_000 + " x",
            "5" * 900 + " ." * 49_000,
            "".join("<" + letters[i % 26] for i in range(20_000)) + " call 555 123 4567"]


@pytest.mark.parametrize("command", [["sentiment"], ["tag", "--scheme", "coin", "-f", "tags"]])
def test_lines_built_to_backtrack_are_answered_and_the_next_line_too(run_cli, tiny_model, command):
    """Every hostile line gets an answer (none stalls the run or ends it with an error), and so does the
    fine line after them: nothing lost."""
    model = ["-m", tiny_model] if command[0] == "sentiment" else []
    lines = _hostile_runs() + ["the food was great"]
    out = ok(run_cli(*command, *model, input="\n".join(lines) + "\n"))
    rows = out.splitlines()
    if command[0] == "sentiment":
        assert len(rows) == len(lines) + 1 and rows[-1].startswith("the food was great\t")
    else:
        assert len(rows) == len(lines) and rows[-1].split() == ["U"] * 4


def test_a_surrogate_pair_is_one_character(run_cli, tiny_model, tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text('{"text": "good \\ud83d\\ude00"}\n')
    row = json.loads(ok(run_cli("sentiment", "-m", tiny_model, "--jsonl", src, "-f", "jsonl")))
    assert row["text"] == "good \U0001F600"


@pytest.mark.parametrize("encoding, name", [("utf-16", "UTF-16"), ("utf-16-be", "UTF-16"), ("utf-32", "UTF-32")])
def test_utf16_input_is_named_as_utf16(run_cli, tiny_model, tmp_path, encoding, name):
    data = ("\ufeff" if encoding.endswith("be") else "") + "text\ngood\n"
    raw = data.encode(encoding)
    err = one_line_error(run_cli("sentiment", "-m", tiny_model, binary_input=raw), f"is {name}")
    assert "latin1" not in err
    (tmp_path / "in.csv").write_bytes(raw)
    one_line_error(run_cli("sentiment", "-m", tiny_model, "--csv", tmp_path / "in.csv"), f"iconv -f {name}")


# ---- model files of the right format but wrong content ---------------------------------------------
def _small_model_parts(**config_changes):
    config = ModelConfig(task="sentiment", cell="gru", bidirectional=True, layers=1, embedding_dim=4, hidden_size=3,
                         vocab_size=4, labels=["negative", "neutral", "positive"])
    rng = np.random.default_rng(0)
    tensors = {"embedding.weight": rng.normal(size=(4, 4)), "head.weight": rng.normal(size=(3, 6)),
               "head.bias": np.zeros(3)}
    for suffix in ("", "_reverse"):
        tensors[f"rnn.weight_ih_l0{suffix}"] = rng.normal(size=(9, 4))
        tensors[f"rnn.weight_hh_l0{suffix}"] = rng.normal(size=(9, 3))
        tensors[f"rnn.bias_ih_l0{suffix}"] = np.zeros(9)
        tensors[f"rnn.bias_hh_l0{suffix}"] = np.zeros(9)
    meta = {"format": "rnnlu", "version": 1, "config": {**config.to_dict(), **config_changes},
            "vocab": ["<pad>", "<unk>", "good", "bad"], "name": "small"}
    return tensors, meta


def _write_raw(path: Path, header: bytes) -> Path:
    path.write_bytes(struct.pack("<Q", len(header)) + header)
    return path


def test_a_small_valid_model_answers(run_cli, tmp_path):
    tensors, meta = _small_model_parts()
    save_tensors(tmp_path / "ok.safetensors", tensors, meta)
    rows = list(csv.DictReader(io.StringIO(ok(run_cli("sentiment", "-m", tmp_path / "ok.safetensors", "good"))),
                               delimiter="\t"))
    assert rows[0]["label"] in ("negative", "neutral", "positive") and rows[0]["model"] == "ok"


def _bad(tensors, meta, what):
    if what == "shape":
        tensors["rnn.weight_hh_l0"] = np.zeros((9, 5))
    elif what == "labels-vs-head":
        meta["config"]["labels"] = ["a", "b", "c", "d", "e"]
    elif what == "layers--1":
        meta["config"]["layers"] = -1
    elif what == "pooling":
        meta["config"]["pooling"] = "median"
    elif what == "no-vocab":
        del meta["vocab"]
    elif what == "vocab-vs-embedding":
        meta["vocab"] = meta["vocab"][:3]
    elif what == "version-abc":
        meta["version"] = "abc"
    elif what == "nan":
        tensors["head.weight"][0, 0] = np.nan
    elif what == "inf":
        tensors["embedding.weight"][2, 1] = np.inf
    elif what == "no-config":
        del meta["config"]
    elif what == "hidden-text":
        meta["config"]["hidden_size"] = "three"
    elif what == "cell":
        meta["config"]["cell"] = "transformer"
    elif what == "labels-not-list":
        meta["config"]["labels"] = "positive"
    elif what == "missing-tensor":
        del tensors["rnn.bias_hh_l0_reverse"]
    return tensors, meta


BAD_CONTENT = {"shape": "rnn.weight_hh_l0 is [9, 5]", "labels-vs-head": "head.weight is [3, 6], the config needs [5, 6]",
               "layers--1": "layers is -1", "pooling": "unknown pooling 'median'", "no-vocab": "no vocabulary",
               "vocab-vs-embedding": "embedding.weight is [4, 4], the config needs [3, 4]",
               "version-abc": "version 'abc'", "nan": "head.weight holds NaN", "inf": "embedding.weight holds NaN",
               "no-config": "no config", "hidden-text": "hidden_size is three", "cell": "unknown cell",
               "labels-not-list": "labels must be a list", "missing-tensor": "lacks tensors rnn.bias_hh_l0_reverse"}


@pytest.mark.parametrize("what", list(BAD_CONTENT))
def test_model_file_with_wrong_content_is_refused_at_load(run_cli, tmp_path, what):
    tensors, meta = _bad(*_small_model_parts(), what)
    path = tmp_path / "bad.safetensors"
    save_tensors(path, tensors, meta, half=False)
    one_line_error(run_cli("sentiment", "-m", path, "good"), BAD_CONTENT[what])
    one_line_error(run_cli("explain", "good", "-m", path), BAD_CONTENT[what])


@pytest.mark.parametrize("header, pattern", [
    (b"42", "header is a JSON int"),
    (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    (b'{"__metadata__": {"config": "' + b"[" * 100_000 + b'"}}', "nested too deeply"),
    (b'{"__metadata__": 5}', "__metadata__ is not a map"),
    (b'{"w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 1000]}}', "byte offsets outside the file"),
    (b'{"w": {"dtype": "F32", "shape": [-2], "data_offsets": [0, 0]}}', "bad shape"),
    (b'{"w": {"dtype": "Q9", "shape": [1], "data_offsets": [0, 4]}}', "unknown dtype"),
    (b'{"w": [1, 2]}', "no dtype/shape/offsets"),
    (b"\xff\xfe{}", "header is not JSON"),
], ids=["bare-number", "deep", "deep-metadata", "metadata-not-map", "offsets", "negative-shape", "dtype", "entry-list",
        "not-utf8"])
def test_model_file_with_a_hostile_header_is_refused(run_cli, tmp_path, header, pattern):
    path = _write_raw(tmp_path / "bad.safetensors", header)
    one_line_error(run_cli("sentiment", "-m", path, "good"), pattern)


def test_a_language_model_passed_as_a_task_model_is_named(run_cli, tmp_path):
    tensors, meta = _small_model_parts(head="lm")
    save_tensors(tmp_path / "lm.safetensors", tensors, meta)
    one_line_error(run_cli("sentiment", "-m", tmp_path / "lm.safetensors", "good"), "language model")


def test_a_folder_passed_as_a_model(run_cli, tmp_path):
    (tmp_path / "m.safetensors").mkdir()
    one_line_error(run_cli("sentiment", "-m", tmp_path / "m.safetensors", "good"), "is a folder")


# ---- the terminal: markup and escape sequences shown, never obeyed -----------------------------------
def _evil_home(tmp_path: Path, tiny_model: Path) -> Path:
    home = tmp_path / "evilhome"
    (home / "models").mkdir(parents=True)
    (home / "models" / "evil.safetensors").write_bytes(tiny_model.read_bytes())
    card = {"name": "evil", "task": "sentiment[/]", "architecture": "[/bold] \x1b[31mRED\x1b[0m", "parameters": "many",
            "dev": [{"path": "[bold]x", "metric": "accuracy", "value": "high"}], "test": "not a list"}
    (home / "models" / "evil.card.json").write_text(json.dumps(card))
    return home


def test_model_card_with_markup_and_escapes_is_shown_as_written(run_cli, tiny_model, tmp_path):
    home = _evil_home(tmp_path, tiny_model)
    for args in (("models", "-f", "table"), ("models", "evil", "-f", "table")):
        out = ok(run_cli(*args, env={"RNNLU_HOME": str(home)}))
        assert "\x1b" not in out, "an escape sequence from the card reached the terminal"
        assert "[/bold] \\x1b[31mRED\\x1b[0m" in out
    assert "sentiment[/]" in ok(run_cli("models", "-f", "table", env={"RNNLU_HOME": str(home)}))


def test_input_text_escapes_are_shown_not_sent_in_table_mode(run_cli, tiny_model):
    out = ok(run_cli("sentiment", "-m", tiny_model, "-f", "table", "\x1b[2J\x1b[31mgood [/bold] [red]fun"))
    assert "\x1b" not in out
    assert "\\x1b[2J\\x1b[31mgood [/bold] [red]fun" in out


def test_models_piped_prints_full_rows(run_cli, tiny_model, tmp_path):
    home = tmp_path / "home"
    (home / "models").mkdir(parents=True)
    name = "a-very-long-model-name-that-a-table-would-cut-" + "x" * 40
    (home / "models" / f"{name}.safetensors").write_bytes(tiny_model.read_bytes())
    out = ok(run_cli("models", env={"RNNLU_HOME": str(home)}))  # stdout is a pipe here
    rows = list(csv.DictReader(io.StringIO(out), delimiter="\t"))
    assert list(rows[0]) == ["name", "task", "default_for", "architecture", "parameters", "size_bytes", "headline", "path"]
    assert name in [r["name"] for r in rows]
    assert "…" not in out and "─" not in out


@pytest.mark.parametrize("args", [("models", "-f", "yaml"), ("models", "tiny", "-f", "tsv")])
def test_models_unknown_format_is_refused(run_cli, args):
    one_line_error(run_cli(*args), "unknown format", code=2)


def test_progress_bar_is_gone_before_the_table(tiny_model, tmp_path):
    """On a terminal, the transient progress bar is erased before the table title is printed."""
    pty = pytest.importorskip("pty")
    src = tmp_path / "in.txt"
    src.write_text("a wonderful film\nterrible music\n")
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "rnnlu", "sentiment", "-m", str(tiny_model)], stdin=open(src),
                            stdout=slave, stderr=slave, env={**os.environ, "COLUMNS": "120",
                                                               "RNNLU_HOME": str(tmp_path / "home")})
    os.close(slave)
    out = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    assert proc.wait(timeout=60) == 0, out.decode(errors="replace")
    title = out.find("sentiment · model".encode())
    assert title > 0, out
    before = out[:title]
    if b"texts" in before:  # a bar was drawn: it must have been erased after its last drawing
        assert before.rfind(b"\x1b[2K") > before.rfind(b"texts"), before[-300:]


# ---- training: impossible options refused before any work ------------------------------------------
@pytest.mark.parametrize("option, pattern", [
    (["--epochs", "0"], "--epochs must be at least 1"),
    (["--hidden", "0"], "--hidden must be at least 1"),
    (["--batch-size", "0"], "--batch-size must be at least 1"),
    (["--lr", "-1"], "--lr must be 0 or more"),
    (["--dropout", "1.5"], "--dropout must be at least 0 and below 1"),
    (["--pooling", "median"], "unknown --pooling 'median'"),
    (["--layers", "0"], "--layers must be at least 1"),
    (["--embedding-dim", "-3"], "--embedding-dim must be at least 1"),
], ids=lambda v: v[0] if isinstance(v, list) else "")
def test_impossible_train_options_are_refused(run_cli, fixture_files, tmp_path, option, pattern):
    train_file, dev_file = fixture_files
    one_line_error(run_cli("train", "sentiment", "--train", train_file, "--dev", dev_file,
                           "--out", tmp_path / "m.safetensors", *option), pattern, code=2)
    assert not (tmp_path / "m.safetensors").exists()


def test_pretrain_options_are_checked_too(run_cli, fixture_files, tmp_path):
    one_line_error(run_cli("pretrain", "--corpus", fixture_files[0], "--out", tmp_path / "lm.safetensors",
                           "--epochs", "0"), "--epochs must be at least 1", code=2)


def test_binary_embeddings_file_is_refused(run_cli, fixture_files, tmp_path):
    binary = tmp_path / "vectors.bin"
    binary.write_bytes(b"3 4\n" + bytes(range(256)) * 8)
    one_line_error(run_cli("train", "sentiment", "--train", fixture_files[0], "--dev", fixture_files[1],
                           "--out", tmp_path / "m.safetensors", "--embeddings", binary), "not a word2vec text file")


def test_unwritable_out_is_refused_before_training(run_cli, fixture_files, tmp_path):
    if os.geteuid() == 0:
        if not Path("/sys").is_dir():
            pytest.skip("no unwritable folder for root here")
        out = "/sys/rnnlu-test.safetensors"
    else:
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o555)
        out = str(locked / "m.safetensors")
    res = run_cli("train", "sentiment", "--train", fixture_files[0], "--dev", fixture_files[1], "--out", out)
    one_line_error(res, "cannot write the model to")
    assert b"epoch" not in res.stderr  # refused before the first epoch


def test_unwritable_rnnlu_home_for_a_named_model(run_cli, fixture_files, tmp_path):
    (tmp_path / "plain").write_text("")  # RNNLU_HOME is a file: no models folder can be made in it
    res = run_cli("train", "sentiment", "--train", fixture_files[0], "--dev", fixture_files[1], "--out", "mine",
                  env={"RNNLU_HOME": str(tmp_path / "plain")})
    one_line_error(res, "cannot make the models folder")


def _interrupted_checkpoint(fixture_files, out: Path) -> Path:
    """A real checkpoint, as an interrupted run leaves it (stopped after its first epoch)."""
    from rnnlu.training.train import TrainOptions, train

    class Stop(Exception):
        pass

    def stop(log):
        raise Stop

    with pytest.raises(Stop):
        train(TrainOptions(task="sentiment", train=[str(fixture_files[0])], dev=[str(fixture_files[1])], out=str(out),
                           hidden=8, embedding_dim=8, epochs=3, min_freq=1, threads=1), on_epoch=stop)
    return out.with_name(out.name + ".ckpt")


def test_resume_with_changed_options_is_refused(run_cli, fixture_files, tmp_path):
    out = tmp_path / "m.safetensors"
    ckpt = _interrupted_checkpoint(fixture_files, out)
    assert ckpt.exists() and not list(tmp_path.glob("*.part"))
    base = ["train", "sentiment", "--train", fixture_files[0], "--dev", fixture_files[1], "--out", out,
            "--embedding-dim", "8", "--min-freq", "1", "--resume"]
    one_line_error(run_cli(*base, "--hidden", "16"), "was made with other options", code=2)
    ok(run_cli(*base, "--hidden", "8", "--epochs", "2"))  # the same options (more epochs allowed) resume
    assert out.exists() and not ckpt.exists()


def test_resume_from_a_corrupt_checkpoint_is_refused(run_cli, fixture_files, tmp_path):
    out = tmp_path / "m.safetensors"
    out.with_name(out.name + ".ckpt").write_bytes(b"PK\x03\x04 truncated")
    one_line_error(run_cli("train", "sentiment", "--train", fixture_files[0], "--dev", fixture_files[1],
                           "--out", out, "--resume"), "is damaged or not an rnnlu checkpoint")


def test_checkpoint_write_failure_leaves_no_part_and_no_checkpoint(tmp_path, monkeypatch):
    """A full disk while checkpointing: one RnnluError, no truncated checkpoint, no .part file."""
    import errno

    import torch

    from rnnlu.errors import RnnluError
    from rnnlu.training.train import save_checkpoint

    def full_disk(state, path):
        Path(path).write_bytes(b"half")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(torch, "save", full_disk)
    target = tmp_path / "m.safetensors.ckpt"
    with pytest.raises(RnnluError, match="cannot write the checkpoint"):
        save_checkpoint({"x": 1}, target)
    assert list(tmp_path.iterdir()) == []


# ---- help a user reads ------------------------------------------------------------------------------
def test_help_lists_whole_summaries(run_cli):
    out = ok(run_cli("--help", env={"COLUMNS": "80"}))
    commands = out.split("Commands:")[1]
    assert "..." not in commands.replace("contrast, ...", ""), commands
    for name in ("sentiment", "models", "train", "pretrain", "evaluate", "check", "select", "explain"):
        assert f"  {name} " in commands


@pytest.mark.parametrize("command", ["sentiment", "models", "train", "pretrain", "evaluate", "check", "select",
                                     "explain"])
def test_command_help_shows_no_python_types_and_an_example(run_cli, command):
    out = ok(run_cli(command, "--help", env={"COLUMNS": "80"}))
    for python_type in ("<list[", "<path>", "<str>", "<int>", "<float>", "<Path>", "{task}"):
        assert python_type not in out, (python_type, out)
    assert "Example" in out and f"$ rnnlu {command}" in out


def test_select_says_when_its_timings_were_taken_on_a_loaded_machine(capsys):
    from rnnlu.render.reports import show_selection
    from rnnlu.training.select import Candidate, Selection, speed_ratios

    candidates = [Candidate("lstm", [0.8], 10, 2.0, 100.0, 1), Candidate("gru", [0.8], 9, 1.0, 150.0, 1)]
    for loaded in (False, True):
        show_selection(Selection(candidates, "gru", "lstm", 0.5, "r", "accuracy", speed=speed_ratios(candidates),
                                 load={"cores": 2, "max_load": 5.1 if loaded else 0.4, "loaded": loaded}), "table")
        out = " ".join(capsys.readouterr().out.split())
        assert "gru vs lstm: trains 2.0× as fast" in out
        assert ("load average up to 5.1 on 2 cores" in out) == loaded


@pytest.mark.parametrize("command, message", [
    (["train", "sentiment", "--train", "typo.tsv", "--dev", "{dev}", "--out", "m.safetensors"], "file not found: typo.tsv"),
    (["train", "tag", "--scheme", "pos", "--train", "{dev}", "--dev", "typo.conllu", "--out", "m.safetensors"],
     "file not found: typo.conllu"),
    (["train", "sentiment", "--train", "{dev}", "--dev", "{dev}", "--out", "m.safetensors", "--init-from", "{lm}"],
     "embedding.weight is [4, 5]"),
    (["pretrain", "--corpus", "typo.txt", "--out", "lm.safetensors"], "corpus typo.txt does not exist"),
    (["select", "sentiment", "--train", "{dev}", "--dev", "typo.tsv"], "file not found: typo.tsv"),
    (["pretrain", "--corpus", "{dev}", "--out", "m.safetensors", "--resume"], "m.safetensors.ckpt is damaged"),
    (["train", "sentiment", "--train", "dup.csv", "--dev", "{dev}", "--out", "m.safetensors"], "names column 'text' twice")],
    ids=["train-file", "tag-dev-file", "damaged-init-from", "pretrain-corpus", "select-dev-file", "truncated-checkpoint",
         "malformed-training-file"])
def test_a_wrong_input_path_is_answered_before_torch_loads(tmp_path, fixture_files, command, message):
    """A mistyped file, a malformed training file, a wrong --init-from model or a truncated --resume
    checkpoint fails in a moment: nothing imports torch (about 2 s) first."""
    (tmp_path / "m.safetensors.ckpt").write_bytes(b"PK\x03\x04 truncated")
    (tmp_path / "dup.csv").write_text("label,text,text\npositive,good,bad\n")
    tensors, meta = _small_model_parts(head="lm", task="lm", labels=[])
    del tensors["head.weight"], tensors["head.bias"]
    tensors["embedding.weight"] = np.zeros((4, 5))
    save_tensors(tmp_path / "lm.safetensors", tensors, meta, half=False)
    args = [a.format(dev=fixture_files[1], lm=tmp_path / "lm.safetensors") for a in command]
    code = ("import sys\nfrom rnnlu.cli import main\n"
            f"sys.argv = ['rnnlu', *{args!r}]\n"
            "try:\n    main()\nexcept SystemExit as e:\n    print('exit', e.code, 'torch' in sys.modules)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert run.stdout.split() == ["exit", "1", "False"], (run.stdout, run.stderr)
    assert len(run.stderr.strip().splitlines()) == 1 and message in run.stderr, run.stderr


# ---- the light install: answering without torch -------------------------------------------------------
def _without_torch(tmp_path, *args):
    """Run the CLI in a process where torch cannot be imported (as after `pip install rnnlu`)."""
    code = ("import sys; sys.modules['torch'] = None; from rnnlu.cli import main; "
            f"sys.argv = ['rnnlu', *{[str(a) for a in args]!r}]; main()")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, cwd=tmp_path, timeout=120,
                          env={**os.environ, "RNNLU_HOME": str(tmp_path / "home")})


@pytest.mark.parametrize("command", [["train", "sentiment", "--train", "a.tsv", "--dev", "a.tsv", "--out", "m"],
                                     ["pretrain", "--corpus", "a.txt", "--out", "lm"],
                                     ["select", "sentiment", "--train", "a.tsv", "--dev", "a.tsv"]],
                         ids=["train", "pretrain", "select"])
def test_training_without_torch_says_how_to_add_it(tmp_path, command):
    one_line_error(_without_torch(tmp_path, *command), 'pip install "rnnlu[train]"')


def test_answering_works_without_torch(tmp_path, tiny_model):
    res = _without_torch(tmp_path, "sentiment", "-m", tiny_model, "-f", "tsv", "a wonderful film")
    assert ok(res).splitlines()[1].startswith("a wonderful film\tpositive")


def test_max_chars_below_one_is_a_usage_error(run_cli):
    one_line_error(run_cli("sentiment", "--max-chars", "-1", "hi"), "--max-chars must be at least 1", code=2)


# ---- tag shares the rule: result columns win --------------------------------------------------------
@pytest.fixture(scope="module")
def tiny_tagger(tmp_path_factory):
    pytest.importorskip("torch")
    from rnnlu.training.train import TrainOptions, train

    folder = tmp_path_factory.mktemp("tagger")
    data = folder / "pos.tsv"
    data.write_text("the\tDET\ncat\tNOUN\nsat\tVERB\n\nthe\tDET\ndog\tNOUN\nran\tVERB\n\n" * 4)
    result = train(TrainOptions(task="tag", scheme="pos", train=[str(data)], dev=[str(data)],
                                out=str(folder / "tagger.safetensors"), hidden=8, embedding_dim=8, epochs=2,
                                min_freq=1, threads=1))
    return Path(result.path)


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_tag_input_columns_never_shadow_result_columns(run_cli, tiny_tagger, tmp_path, fmt):
    src = tmp_path / "in.csv"
    src.write_text("id,text,tags,model\n1,the cat sat,X X X,mine\n")
    out = ok(run_cli("tag", "-m", tiny_tagger, "--csv", src, "-f", fmt))
    row = next(csv.DictReader(io.StringIO(out))) if fmt == "csv" else json.loads(out.splitlines()[0])
    assert row["model"] == "tagger" and row["input_model"] == "mine"
    assert row["input_tags"] == "X X X"
    tags = row["tags"].split() if fmt == "csv" else row["tags"]
    assert len(tags) == 3 and set(tags) <= {"DET", "NOUN", "VERB"}


def test_a_damaged_bundled_index_is_one_error(tmp_path, monkeypatch):
    from rnnlu import registry
    from rnnlu.errors import RnnluError

    for content in ("{not json", "[1, 2]", '{"defaults": "x"}'):
        (tmp_path / "index.json").write_text(content)
        monkeypatch.setattr(registry, "bundled_dir", lambda: tmp_path)
        registry._index.cache_clear()
        with pytest.raises(RnnluError, match="is damaged"):
            registry.find_model(None, "sentiment")
    registry._index.cache_clear()


def test_impossible_tag_train_options_are_refused_too(run_cli, tmp_path):
    data = tmp_path / "pos.tsv"
    data.write_text("the\tDET\ncat\tNOUN\n\n")
    one_line_error(run_cli("train", "tag", "--scheme", "pos", "--train", data, "--dev", data,
                           "--out", tmp_path / "t.safetensors", "--epochs", "0"), "--epochs must be at least 1", code=2)


@pytest.mark.parametrize("card", ['{"task": ["sentiment"]}', '{"task": {"a": 1}, "dev": [{"path": 5}]}', "[1, 2]", "{bad"],
                         ids=["task-list", "task-dict", "card-list", "card-not-json"])
def test_a_hand_edited_card_never_stops_the_model(run_cli, tiny_model, tmp_path, card):
    home = tmp_path / "cardhome"
    (home / "models").mkdir(parents=True)
    (home / "models" / "odd.safetensors").write_bytes(tiny_model.read_bytes())
    (home / "models" / "odd.card.json").write_text(card)
    env = {"RNNLU_HOME": str(home)}
    assert ok(run_cli("sentiment", "-m", "odd", "-f", "tsv", "a wonderful film", env=env)).splitlines()[1].startswith(
        "a wonderful film\tpositive")
    assert "odd" in ok(run_cli("models", env=env))
    ok(run_cli("models", "odd", "-f", "table", env=env))


def test_tag_table_shows_markup_and_escapes_as_written(run_cli, tiny_tagger, tmp_path):
    odd = tmp_path / "[bold]odd.safetensors"
    odd.write_bytes(tiny_tagger.read_bytes())
    out = ok(run_cli("tag", "-m", odd, "-f", "table", "the \x1b[2Jcat [/b] sat"))
    assert "\x1b" not in out and "\\x1b[2J" in out and "[bold]odd" in out


def test_a_dangling_link_or_folder_among_the_models_is_skipped(run_cli, tmp_path):
    home = tmp_path / "linkhome"
    (home / "models" / "folder.safetensors").mkdir(parents=True)
    (home / "models" / "dangling.safetensors").symlink_to(tmp_path / "gone.safetensors")
    models = json.loads(ok(run_cli("models", "-f", "json", env={"RNNLU_HOME": str(home)})))
    assert not {"folder", "dangling"} & {m["name"] for m in models}


@pytest.mark.parametrize("what", ["embedding-shape", "config-list", "nan"])
def test_a_damaged_language_model_for_init_from_is_one_line(run_cli, fixture_files, tmp_path, what):
    tensors, meta = _small_model_parts(head="lm", task="lm", labels=[])
    del tensors["head.weight"], tensors["head.bias"]
    if what == "embedding-shape":
        tensors["embedding.weight"] = np.zeros((4, 5))
    elif what == "config-list":
        meta["config"] = [1]
    else:
        tensors["rnn.weight_hh_l0"][0, 0] = np.nan
    lm = tmp_path / "lm.safetensors"
    save_tensors(lm, tensors, meta, half=False)
    one_line_error(run_cli("train", "sentiment", "--train", fixture_files[0], "--dev", fixture_files[1],
                           "--out", tmp_path / "m.safetensors", "--init-from", lm),
                   {"embedding-shape": "embedding.weight is [4, 5]", "config-list": "not a pretrained language model",
                    "nan": "holds NaN"}[what])


@pytest.mark.parametrize("change", [{"task": ["x"], "head": "classify"}, {"head": "blank", "layers": -1}],
                         ids=["task-list", "blank-layers"])
def test_fill_blank_refuses_damaged_model_files_in_one_line(run_cli, tmp_path, change):
    tensors, meta = _small_model_parts(**change)
    path = tmp_path / "odd.safetensors"
    save_tensors(path, tensors, meta, half=False)
    one_line_error(run_cli("fill-blank", "-m", path, "My wife ___ (hate/hates) cats."), "odd.safetensors")


def test_ctrl_c_says_interrupted_and_leaves_no_part_file(tmp_path):
    """SIGINT mid-run: exit 130, one line "rnnlu: interrupted", no half-written output or .part file."""
    import os
    import signal
    import subprocess
    import sys

    big = tmp_path / "big.txt"
    big.write_text("the food was great and the service was not bad at all\n" * 200_000)
    out = tmp_path / "out.csv"
    env = {**os.environ, "RNNLU_HOME": str(tmp_path / "home")}
    with open(big, "rb") as stdin:
        # As from a terminal: a runner started in the background (`cmd &` in a script) ignores SIGINT, and an
        # ignored signal stays ignored across exec, so the child would never see the Ctrl-C
        proc = subprocess.Popen([sys.executable, "-m", "rnnlu", "sentiment", "--workers", "1", "-o", str(out)],
                                stdin=stdin, stderr=subprocess.PIPE, cwd=tmp_path, env=env,
                                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        deadline = time.time() + 60
        while not any(p.name.endswith(".part") for p in tmp_path.iterdir()) and time.time() < deadline:
            time.sleep(0.05)                                     # wait until it is writing
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert err.decode().strip() == "rnnlu: interrupted"
    assert not out.exists() and not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_an_installed_copy_finds_its_bundled_models(tmp_path):
    """`pip install` (not -e) puts pretrained/ at site-packages/rnnlu/pretrained: the package's layout
    after a wheel install, built here by copying (a real wheel build of 100 MB takes a minute)."""
    import shutil

    root = Path(__file__).resolve().parents[1]
    site = tmp_path / "site"
    shutil.copytree(root / "src" / "rnnlu", site / "rnnlu", ignore=shutil.ignore_patterns("__pycache__"))
    (site / "rnnlu" / "pretrained").mkdir()
    for f in (root / "pretrained").iterdir():
        (site / "rnnlu" / "pretrained" / f.name).symlink_to(f)
    env = {**os.environ, "PYTHONPATH": str(site), "RNNLU_HOME": str(tmp_path / "home")}
    run = lambda *a: subprocess.run([sys.executable, "-m", "rnnlu", *a], capture_output=True, cwd=tmp_path,
                                    timeout=120, env=env)
    res = run("models", "-f", "json")
    assert res.returncode == 0, res.stderr.decode()
    assert {m["path"].rsplit("/", 1)[0] for m in json.loads(res.stdout) if m["bundled"]} == {str(site / "rnnlu" / "pretrained")}
    res = run("fill-blank", "-f", "tsv", "There ___ (seem/seems) to be a defect.")
    assert res.returncode == 0 and "\tseems\t" in res.stdout.decode(), res.stderr.decode()
