"""The command line, run as a real process: every input and output path, and every bad input."""

import csv
import io
import json
import subprocess
import sys

import pytest


def ok(result):
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout.decode()


def one_clear_error(result, code, pattern):
    err = result.stderr.decode()
    assert result.returncode == code, (result.returncode, err)
    assert "Traceback" not in err
    assert pattern in err, err


def test_arguments_to_tsv(run_cli, tiny_model):
    out = ok(run_cli("sentiment", "-m", tiny_model, "a wonderful film", "a boring mess"))
    rows = list(csv.DictReader(io.StringIO(out), delimiter="\t"))
    assert [r["text"] for r in rows] == ["a wonderful film", "a boring mess"]
    assert [r["label"] for r in rows] == ["positive", "negative"]
    assert abs(float(rows[0]["p_positive"]) + float(rows[0]["p_negative"]) - 1) < 1e-3
    assert rows[0]["model"] == "tiny"


def test_stdin_lines_to_jsonl_with_compare(run_cli, tiny_model):
    res = run_cli("sentiment", "-m", tiny_model, "--compare", "-f", "jsonl", input="great acting\nawful plot\n")
    rows = [json.loads(l) for l in ok(res).splitlines()]
    assert [r["label"] for r in rows] == ["positive", "negative"]
    assert rows[0]["baseline_label"] == "positive" and rows[0]["baseline_words"] == "+great"
    assert "agree on 2 of 2 texts" in res.stderr.decode()


def test_csv_keeps_every_column_and_row_order(run_cli, tiny_model, tmp_path):
    src = tmp_path / "reviews.csv"
    src.write_text('id,review,stars\n7,"a wonderful, moving film",5\n3,boring and awful,1\n9,,3\n')
    out = ok(run_cli("sentiment", "-m", tiny_model, "--csv", src, "--column", "review"))
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["id"] for r in rows] == ["7", "3", "9"]
    assert list(rows[0])[:3] == ["id", "review", "stars"] and rows[0]["stars"] == "5"
    assert [r["label"] for r in rows[:2]] == ["positive", "negative"]
    assert rows[2]["label"] == "neutral" or rows[2]["p_positive"] == "0.5000"  # empty text: no evidence


def test_output_file_and_json_format(run_cli, tiny_model, tmp_path):
    target = tmp_path / "out.json"
    res = run_cli("sentiment", "-m", tiny_model, "good fun", "-o", target)
    assert ok(res) == ""
    data = json.loads(target.read_text())
    assert data[0]["text"] == "good fun" and data[0]["label"] == "positive"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.json")] == []


def test_jsonl_input(run_cli, tiny_model, tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": 1, "body": "a wonderful film"}\n{"id": 2, "body": "terrible , boring music"}\n')
    rows = [json.loads(l) for l in ok(run_cli("sentiment", "-m", tiny_model, "--jsonl", src, "--field", "body")).splitlines()]
    assert [(r["id"], r["label"]) for r in rows] == [(1, "positive"), (2, "negative")]


def test_table_output_names_model_and_baseline(run_cli, tiny_model):
    out = ok(run_cli("sentiment", "-m", tiny_model, "-f", "table", "--compare", "a wonderful film"))
    assert "tiny" in out and "positive" in out and "+wonderful" in out


BAD_INPUTS = [
    (["--csv", "missing.csv"], None, 1, "file not found: missing.csv"),
    (["--model", "no-such-model", "hi"], None, 1, "unknown model 'no-such-model'"),
    ([], b"", 1, "no input texts"),
    ([], b"ok\n\xff\xfe bad\n", 1, "<stdin>:2: not valid UTF-8"),
    ([], b"x" * 1_100_000 + b"\n", 1, "<stdin>:1: line is 1,100,000 characters long"),
    (["--column", "text", "hi"], None, 2, "--column goes with --csv"),
    (["-f", "xml", "hi"], None, 2, "unknown format 'xml'"),
]


@pytest.mark.parametrize("args, stdin, code, message", BAD_INPUTS,
                         ids=["missing-file", "unknown-model", "empty-stdin", "non-utf8", "1MB-line", "column-without-csv", "bad-format"])
def test_bad_input_gets_one_clear_line(run_cli, tiny_model, args, stdin, code, message):
    model = [] if "--model" in args else ["-m", str(tiny_model)]
    one_clear_error(run_cli("sentiment", *model, *args, binary_input=stdin if stdin is not None else b""), code, message)


def test_ragged_csv_row_and_missing_column(run_cli, tiny_model, tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("id,text\n1,good\n2,bad,extra\n")
    target = tmp_path / "out.csv"
    one_clear_error(run_cli("sentiment", "-m", tiny_model, "--csv", src, "-o", target), 1, "in.csv:3: row has 3 fields")
    assert not target.exists()  # nothing half-written
    one_clear_error(run_cli("sentiment", "-m", tiny_model, "--csv", src, "--column", "body"), 1, "columns: id, text")


def test_closed_pipe_stops_quietly(tmp_path, tiny_model):
    lines = "".join(f"text number {i} is good\n" for i in range(20000))
    cmd = f"{sys.executable} -m rnnlu sentiment -m {tiny_model} | head -n 2"
    res = subprocess.run(["bash", "-o", "pipefail", "-c", cmd], input=lines.encode(), capture_output=True, timeout=120)
    assert len(res.stdout.decode().splitlines()) == 2
    assert "Traceback" not in res.stderr.decode() and res.stderr.decode().strip() == ""
    assert res.returncode != 0  # pipefail reports the writer's non-zero exit


def test_help_does_not_import_torch():
    code = ("import sys, rnnlu.cli as c\n"
            "try:\n    c.app(['--help'])\nexcept SystemExit:\n    pass\n"
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60).stdout
    assert out.strip().endswith("False")


def test_one_text_answer_loads_neither_torch_nor_pydantic(tiny_model):
    """The one-text path stays light: typer 0.29 validates every option through pydantic (about 0.15 s
    of start-up), so typer is bounded below 0.29; this fails if a newer typer or an import brings it back."""
    code = ("import sys\nfrom rnnlu.cli import main\n"
            f"sys.argv = ['rnnlu', 'sentiment', '-m', {str(tiny_model)!r}, '-f', 'tsv', 'good']\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print([m for m in ('torch', 'pydantic') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "positive" in out.stdout and out.stdout.strip().endswith("[]"), (out.stdout, out.stderr)


def test_inference_does_not_import_torch(tiny_model):
    code = ("import sys\nfrom rnnlu.tasks.sentiment.run import label_texts\n"
            f"print(label_texts(['good'], model={str(tiny_model)!r})[0]['label'], 'torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.split() == ["positive", "False"], out.stderr


def test_models_lists_and_shows_cards(run_cli, tiny_model, tmp_path):
    home = tmp_path / "home" / "models"
    home.mkdir(parents=True)
    (home / "mine.safetensors").write_bytes(tiny_model.read_bytes())
    (home / "mine.card.json").write_text(tiny_model.with_name("tiny.card.json").read_text())
    listing = json.loads(ok(run_cli("models", "-f", "json")))
    mine = next(m for m in listing if m["name"] == "mine")
    assert mine["task"] == "sentiment" and mine["architecture"] == "BiGRU 1x16" and not mine["bundled"]
    card = json.loads(ok(run_cli("models", "mine", "-f", "json")))
    assert card["parameters"] == mine["parameters"]
    one_clear_error(run_cli("models", "nope"), 1, "unknown model 'nope'")


def test_train_and_evaluate_commands(run_cli, fixture_files, tmp_path):
    train_file, dev_file = fixture_files
    res = run_cli("train", "sentiment", "--train", train_file, "--dev", dev_file, "--out", "fixture-model",
                  "--hidden", "8", "--embedding-dim", "8", "--epochs", "2", "--min-freq", "1")
    assert res.returncode == 0, res.stderr.decode()
    assert "epoch  1" in res.stderr.decode() and (tmp_path / "home/models/fixture-model.safetensors").exists()
    report = json.loads(ok(run_cli("evaluate", "sentiment", "--data", dev_file, "-m", "fixture-model", "--compare",
                                   "-f", "json", "--errors", tmp_path / "errors.csv")))
    assert report["model_scores"]["n"] == 12 and "baseline_scores" in report
    table = ok(run_cli("evaluate", "sentiment", "--data", dev_file, "-m", "fixture-model", "--compare"))
    assert "macro_recall" in table and "word-count baseline" in table and "only the model is right on" in table
    assert "confusion matrix, model" in table and "confusion matrix, baseline" in table
    assert sum(map(sum, report["model_scores"]["confusion"])) == 12
    assert (tmp_path / "errors.csv").exists()
    res = run_cli("train", "sentiment", "--train", train_file, "--dev", dev_file, "--out", "student",
                  "--hidden", "8", "--embedding-dim", "8", "--epochs", "1", "--min-freq", "1",
                  "--teacher", "fixture-model")
    assert res.returncode == 0, res.stderr.decode()
    assert "teacher fixture-model: answered 48 training texts" in res.stderr.decode()
    one_clear_error(run_cli("train", "sentiment", "--train", train_file, "--dev", dev_file, "--out", "x",
                            "--arch", "transformer"), 2, "unknown architecture 'transformer'")


def test_an_empty_text_is_neutral_even_for_a_two_label_model(run_cli, tiny_model):
    result = run_cli("sentiment", "-m", tiny_model, "-f", "jsonl", input="great fun\n\n")
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["label"] for r in rows][1] == "neutral"
    assert rows[1]["p_positive"] == rows[1]["p_negative"] == 0.5
