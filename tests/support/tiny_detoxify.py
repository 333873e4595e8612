"""Builds a tiny Detoxify-format checkpoint offline: a small BertConfig, a real WordPiece vocab
file and random weights, laid out the way detoxify's own loader reads them."""

import json
from dataclasses import dataclass
from pathlib import Path

import torch
from transformers import BertConfig, BertForSequenceClassification, BertTokenizer

JIGSAW_CLASSES = ["toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate"]
SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
WORDS = [
    *"the a an and or but of to in on for with is are was were be you your they we i it".split(),
    *"this that article report minister statement thanks clear great good bad idiot".split(),
    *"pathetic hate everyone stupid trilateral seoul korea news comment".split(),
]


@dataclass(frozen=True)
class TinyDetoxify:
    checkpoint: Path
    config_dir: Path


def build_tiny_detoxify(
    folder: Path,
    hub_name: str = "bert-base-uncased",
    write_max_length: bool = True,
    hidden_size: int = 32,
    layers: int = 2,
    heads: int = 2,
    intermediate_size: int = 64,
    classifier_scale: float = 1.0,
    vocab: list[str] | None = None,
) -> TinyDetoxify:
    """`hub_name` is what a real checkpoint stores as `model_type`: detoxify passes it to
    `from_pretrained`, which would go to the network (the trap the scorer must avoid).
    `classifier_scale` widens the random classifier so scores spread over 0-1 instead of
    sitting near 0.5, where a drift check would compare numbers that barely move. `vocab` (a
    WordPiece vocabulary, the special tokens first) replaces the tiny one, so real text splits
    into tokens of realistic length (the scoring benchmark)."""
    config_dir = folder / "config"
    config_dir.mkdir(parents=True)
    letters = [chr(c) for c in range(ord("a"), ord("z") + 1)]
    vocab = vocab or SPECIAL_TOKENS + letters + [f"##{c}" for c in letters] + WORDS
    (config_dir / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")

    config = BertConfig(  # type: ignore[call-arg]
        vocab_size=len(vocab),
        hidden_size=hidden_size,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        intermediate_size=intermediate_size,
        max_position_embeddings=512,
        num_labels=len(JIGSAW_CLASSES),
    )
    config.save_pretrained(config_dir)
    # transformers 5 reads `vocab`; the `vocab_file` of 4.x is ignored there, leaving a tokenizer
    # that knows only the special tokens and turns every word into [UNK].
    tokenizer = BertTokenizer(vocab=str(config_dir / "vocab.txt"))
    assert len(tokenizer.get_vocab()) == len(set(vocab)), "the vocabulary was not read"
    tokenizer.save_pretrained(config_dir)
    tokenizer_config = config_dir / "tokenizer_config.json"
    settings = json.loads(tokenizer_config.read_text())
    if write_max_length:
        settings["model_max_length"] = 512
    else:
        settings.pop("model_max_length", None)
    tokenizer_config.write_text(json.dumps(settings))

    torch.manual_seed(0)
    model = BertForSequenceClassification(config)
    with torch.no_grad():
        model.classifier.weight.mul_(classifier_scale)
    checkpoint = folder / "tiny-detoxify.ckpt"
    torch.save(
        {
            "config": {
                "arch": {
                    "args": {
                        "model_type": hub_name,
                        "model_name": "BertForSequenceClassification",
                        "tokenizer_name": "BertTokenizer",
                        "num_classes": len(JIGSAW_CLASSES),
                    }
                },
                "dataset": {"args": {"classes": JIGSAW_CLASSES}},
            },
            "state_dict": model.state_dict(),
        },
        checkpoint,
    )
    return TinyDetoxify(checkpoint, config_dir)
