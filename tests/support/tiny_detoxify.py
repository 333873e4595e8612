"""Builds a tiny Detoxify-format checkpoint offline (BERT, RoBERTa, XLM-RoBERTa or ALBERT): a
small config, a real vocabulary and random weights, laid out the way detoxify's loader reads
them."""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import torch
import transformers
from tokenizers import ByteLevelBPETokenizer
from transformers import (
    AlbertConfig,
    BertConfig,
    PretrainedConfig,
    RobertaConfig,
    XLMRobertaConfig,
)

JIGSAW_CLASSES = ["toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate"]
SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
WORDS = [
    *"the a an and or but of to in on for with is are was were be you your they we i it".split(),
    *"this that article report minister statement thanks clear great good bad idiot".split(),
    *"pathetic hate everyone stupid trilateral seoul korea news comment".split(),
]


Architecture = Literal["bert", "roberta", "xlm-roberta", "albert"]


@dataclass(frozen=True)
class Family:
    """How one of Detoxify's model families is built: `original` is BERT, `unbiased` RoBERTa,
    `multilingual` XLM-RoBERTa, the two `-small` ones ALBERT."""

    config: type[PretrainedConfig]
    model_name: str
    tokenizer_name: str
    hub_name: str
    positions: int


FAMILIES: dict[Architecture, Family] = {
    "bert": Family(
        BertConfig, "BertForSequenceClassification", "BertTokenizer", "bert-base-uncased", 512
    ),
    "roberta": Family(
        RobertaConfig, "RobertaForSequenceClassification", "RobertaTokenizer", "roberta-base", 514
    ),
    "xlm-roberta": Family(
        XLMRobertaConfig,
        "XLMRobertaForSequenceClassification",
        "XLMRobertaTokenizer",
        "xlm-roberta-base",
        514,
    ),
    "albert": Family(
        AlbertConfig, "AlbertForSequenceClassification", "AlbertTokenizer", "albert-base-v2", 512
    ),
}


@dataclass(frozen=True)
class TinyDetoxify:
    checkpoint: Path
    config_dir: Path


def build_tiny_detoxify(
    folder: Path,
    hub_name: str | None = None,
    write_max_length: bool = True,
    hidden_size: int = 32,
    layers: int = 2,
    heads: int = 2,
    intermediate_size: int = 64,
    classifier_scale: float = 1.0,
    vocab: list[str] | None = None,
    architecture: Architecture = "bert",
) -> TinyDetoxify:
    """`hub_name` (default: the family's) is what a real checkpoint stores as `model_type`:
    detoxify passes it to `from_pretrained`, which would go to the network (the trap the scorer
    must avoid). `classifier_scale` widens the random classifier so scores spread over 0-1
    instead of sitting near 0.5, where a drift check would compare numbers that barely move.
    `vocab` (BERT only: a WordPiece vocabulary, the special tokens first) replaces the tiny one,
    so real text splits into tokens of realistic length (the scoring benchmark)."""
    family = FAMILIES[architecture]
    config_dir = folder / "config"
    config_dir.mkdir(parents=True)
    tokenizer = _tokenizer(architecture, config_dir, vocab)
    tokenizer.save_pretrained(config_dir)
    tokenizer_config = config_dir / "tokenizer_config.json"
    settings = json.loads(tokenizer_config.read_text())
    if write_max_length:
        settings["model_max_length"] = 512
    else:
        settings.pop("model_max_length", None)
    tokenizer_config.write_text(json.dumps(settings))

    shape: dict[str, Any] = {
        "vocab_size": max(tokenizer.get_vocab().values()) + 1,  # ids, not distinct tokens
        "hidden_size": hidden_size,
        "num_hidden_layers": layers,
        "num_attention_heads": heads,
        "intermediate_size": intermediate_size,
        "max_position_embeddings": family.positions,
        "num_labels": len(JIGSAW_CLASSES),
        "pad_token_id": tokenizer.pad_token_id,
    }
    if architecture == "albert":
        shape["embedding_size"] = 16
    config = family.config(**shape)
    config.save_pretrained(config_dir)

    torch.manual_seed(0)
    model = getattr(transformers, family.model_name)(config)
    # BERT and ALBERT end in one linear layer; RoBERTa's head is dense, tanh, out_proj.
    head = getattr(model.classifier, "out_proj", model.classifier)
    with torch.no_grad():
        head.weight.mul_(classifier_scale)
    checkpoint = folder / "tiny-detoxify.ckpt"
    torch.save(
        {
            "config": {
                "arch": {
                    "args": {
                        "model_type": hub_name or family.hub_name,
                        "model_name": family.model_name,
                        "tokenizer_name": family.tokenizer_name,
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


def _tokenizer(architecture: Architecture, config_dir: Path, vocab: list[str] | None) -> Any:
    """A small tokenizer of the family's kind (WordPiece, byte-level BPE or Unigram), offline."""
    letters = [chr(c) for c in range(ord("a"), ord("z") + 1)]
    if architecture == "bert":
        vocab = vocab or SPECIAL_TOKENS + letters + [f"##{c}" for c in letters] + WORDS
        (config_dir / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
        # transformers 5 reads `vocab`; the `vocab_file` of 4.x is ignored there, leaving a
        # tokenizer that knows only the special tokens and turns every word into [UNK].
        tokenizer = transformers.BertTokenizer(vocab=str(config_dir / "vocab.txt"))
        assert len(tokenizer.get_vocab()) == len(set(vocab)), "the vocabulary was not read"
        return tokenizer
    assert vocab is None, "a vocabulary list is for BERT's WordPiece"
    if architecture == "roberta":
        trainer = ByteLevelBPETokenizer()
        trainer.train_from_iterator(
            [" ".join(WORDS)] * 3,
            vocab_size=400,
            special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"],
            show_progress=False,
        )
        vocab_file, merges_file = trainer.save_model(str(config_dir))
        return transformers.RobertaTokenizer(vocab=vocab_file, merges=merges_file)
    specials = (
        ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
        if architecture == "xlm-roberta"
        else ["<pad>", "<unk>", "[CLS]", "[SEP]", "[MASK]"]
    )
    pieces = [(token, 0.0) for token in specials] + [("\u2581", -2.0)]
    pieces += [(f"\u2581{word}", -1.0) for word in WORDS] + [(c, -5.0) for c in letters]
    name = "XLMRobertaTokenizer" if architecture == "xlm-roberta" else "AlbertTokenizer"
    return getattr(transformers, name)(vocab=pieces)
