"""Readers and writers: streaming, line numbers in errors, atomic output."""

import io as stdio

import pytest

from rnnlu import io
from rnnlu.engine.modelfile import atomic_write
from rnnlu.errors import RnnluError, UsageError


def test_csv_rows_keep_every_field_and_report_line_numbers(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text('id,text,extra\n1,"hello, world",x\n2,"two\nlines",y\n3,third,z\n')
    records = list(io.csv_source(path, "text").records)
    assert [r.text for r in records] == ["hello, world", "two\nlines", "third"]
    assert [r.line for r in records] == [2, 3, 5]
    assert records[0].fields == {"id": "1", "text": "hello, world", "extra": "x"}


def test_ragged_csv_row_is_reported_with_its_line(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text("id,text\n1,fine\n2,too,many\n")
    with pytest.raises(RnnluError, match=r"in.csv:3: row has 3 fields but the header has 2"):
        list(io.csv_source(path, "text").records)


def test_missing_column_lists_the_columns(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text("id,body\n1,x\n")
    with pytest.raises(RnnluError, match="no column 'text'; columns: id, body"):
        io.csv_source(path, "text")


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(RnnluError, match="file not found"):
        io.csv_source(tmp_path / "nope.csv", "text")
    with pytest.raises(RnnluError, match="is a folder"):
        io.csv_source(tmp_path, "text")


def test_non_utf8_line_is_named():
    source = io.lines_source(stdio.BytesIO(b"fine\ncaf\xe9 latin-1\n"), "<stdin>")
    with pytest.raises(RnnluError, match=r"<stdin>:2: not valid UTF-8 \(byte 0xe9 at column 4\)"):
        list(source.records)


def test_overlong_line_is_refused_with_its_number():
    source = io.lines_source(stdio.BytesIO(b"short\n" + b"x" * 2_000_000 + b"\n"), "<stdin>", max_chars=100_000)
    with pytest.raises(RnnluError, match=r"<stdin>:2: line is 2,000,000 characters long"):
        list(source.records)


def test_lines_are_streamed_lazily():
    def endless():
        while True:
            yield b"again\n"

    class Stream:
        def __iter__(self):
            return endless()

    records = io.lines_source(Stream()).records
    assert [next(records).text for _ in range(3)] == ["again"] * 3


def test_jsonl_source_and_its_errors(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text('{"id": 1, "body": "good"}\n\n{"id": 2, "body": "bad"}\n')
    assert [r.text for r in io.jsonl_source(path, "body").records] == ["good", "bad"]
    path.write_text('{"id": 1, "body": "good"}\n{"id": 2}\n')
    with pytest.raises(RnnluError, match=r"in.jsonl:2: no field 'body' \(found: id\)"):
        list(io.jsonl_source(path, "body").records)
    path.write_text('{"id": 1,\n')
    with pytest.raises(RnnluError, match=r"in.jsonl:1: not valid JSON"):
        list(io.jsonl_source(path, "body").records)


def test_open_source_rejects_no_input_and_two_inputs(tmp_path):
    with pytest.raises(UsageError, match="no input"):
        io.open_source(None, stdin=None)
    with pytest.raises(UsageError, match="no input"):
        io.open_source(None, stdin=stdio.BytesIO(b"x"), stdin_is_tty=True)
    with pytest.raises(UsageError, match="give one input"):
        io.open_source(["a"], csv_path=tmp_path / "x.csv")


def test_choose_format():
    assert io.choose_format(None, None, "lines", stdout_is_tty=True) == "table"
    assert io.choose_format(None, None, "lines", stdout_is_tty=False) == "tsv"
    assert io.choose_format(None, None, "csv", stdout_is_tty=False) == "csv"
    assert io.choose_format(None, io.Path("out.jsonl"), "csv", stdout_is_tty=True) == "jsonl"
    with pytest.raises(UsageError):
        io.choose_format("xml", None, "lines", False)


@pytest.mark.parametrize("fmt", ["csv", "tsv", "jsonl", "json"])
def test_writers_produce_parseable_output(fmt):
    import csv
    import json

    out = stdio.StringIO()
    w = io.Writer(out, fmt, ["text", "label", "p"])
    w.write({"text": 'say "hi",\tthere', "label": "positive", "p": 0.123456})
    w.write({"text": "x", "label": "negative", "p": 0.5})
    w.close()
    text = out.getvalue()
    if fmt == "json":
        rows = json.loads(text)
    elif fmt == "jsonl":
        rows = [json.loads(l) for l in text.splitlines()]
    else:
        rows = list(csv.DictReader(stdio.StringIO(text), delimiter="," if fmt == "csv" else "\t"))
    assert [r["label"] for r in rows] == ["positive", "negative"]
    assert float(rows[0]["p"]) == pytest.approx(0.1235, abs=1e-4)


def test_atomic_write_leaves_nothing_behind_on_failure(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old content")
    with pytest.raises(RuntimeError):
        with atomic_write(target) as f:
            f.write("half written")
            raise RuntimeError("killed")
    assert target.read_text() == "old content"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]
    with atomic_write(target) as f:
        f.write("new")
    assert target.read_text() == "new"
