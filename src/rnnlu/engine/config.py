"""The small config that fully describes a network: stored as JSON inside every model file."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

CELLS = ("rnn", "gru", "lstm")
ARCHITECTURES = {  # name -> (cell, bidirectional); the order is the selection procedure's
    "bilstm": ("lstm", True), "bigru": ("gru", True), "lstm": ("lstm", False),
    "gru": ("gru", False), "birnn": ("rnn", True), "rnn": ("rnn", False),
}


@dataclass
class ModelConfig:
    task: str                      # "sentiment" (later: "tag", "fill-blank")
    cell: str = "gru"              # rnn | gru | lstm
    bidirectional: bool = True
    layers: int = 1
    embedding_dim: int = 128
    hidden_size: int = 128
    vocab_size: int = 0
    labels: list[str] = field(default_factory=list)
    head: str = "classify"         # classify: one label per text; tag: one per token
    pooling: str = "max"           # classify head: max | mean | last
    dropout: float = 0.3
    hashtag_backoff: bool = True   # an unknown "#word" reads as "word" (False in files made before it)
    subword_buckets: int = 0       # > 0: a word's vector adds its hashed character n-grams' (subwords.py)
    tokenizer: str = "sentiment"   # how raw text is split: "sentiment" (tokenize) | "surface" (surface_tokens)
    case_features: bool = False    # tag models: words looked up lower-cased, plus a case-class vector (wordshape.py)
    scheme: str = ""               # tag head: pos | ner | coin
    crf: bool = False              # tag head: learned tag-to-tag transitions, Viterbi decoding (crf.py)

    def __post_init__(self):
        if self.cell not in CELLS:
            raise ValueError(f"unknown cell {self.cell!r}; choose one of {', '.join(CELLS)}")

    @property
    def directions(self) -> int:
        return 2 if self.bidirectional else 1

    @property
    def arch(self) -> str:
        return ("bi" if self.bidirectional else "") + self.cell

    @property
    def gates(self) -> int:
        return {"rnn": 1, "gru": 3, "lstm": 4}[self.cell]

    def describe(self) -> str:
        """e.g. 'BiGRU 1x128', or 'BiLSTM 1x256 + n-grams' when words also read by their pieces."""
        name = {"rnn": "RNN", "gru": "GRU", "lstm": "LSTM"}[self.cell]
        pieces = (" + n-grams" if self.subword_buckets else "") + (" + case" if self.case_features else "") \
            + (" + CRF" if self.crf else "")
        return f"{'Bi' if self.bidirectional else ''}{name} {self.layers}x{self.hidden_size}{pieces}"

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "ModelConfig":
        known = {f.name for f in fields(cls)}
        data = {"hashtag_backoff": False, **data}  # older files were trained without it: answer as they did
        return cls(**{k: v for k, v in data.items() if k in known})


def tensor_names(config: ModelConfig) -> list[str]:
    """Every tensor a model file of this config holds (torch's own names for the recurrent layer)."""
    names = ["embedding.weight"] + (["subword.weight"] if config.subword_buckets or config.case_features else [])
    for layer in range(config.layers):
        for suffix in ("", "_reverse")[: config.directions]:
            names += [f"rnn.{kind}_l{layer}{suffix}" for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
    return names + ["head.weight", "head.bias"] + (["crf.transitions", "crf.start", "crf.end"] if config.crf else [])
