"""Llama decoder with Hugging Face semantics (LlamaForCausalLM): RMSNorm, rotate_half RoPE driven
by position_ids, GQA, SwiGLU MLP, tied embeddings. forward() has the optimum decoder-with-past
interface so the same module is trained and exported to ONNX."""
import math
import torch
import torch.nn as nn
import torch.nn.functional as F


class Cfg:
    def __init__(self, vocab_size=2048, hidden_size=144, intermediate_size=384, num_hidden_layers=6,
                 num_attention_heads=6, num_key_value_heads=2, max_position_embeddings=256,
                 rms_norm_eps=1e-5, rope_theta=10000.0, bos_token_id=1, eos_token_id=2, tie_word_embeddings=True):
        self.__dict__.update(locals()); del self.__dict__["self"]
        self.head_dim = hidden_size // num_attention_heads

    def hf_config(self):
        return {"architectures": ["LlamaForCausalLM"], "attention_bias": False, "attention_dropout": 0.0,
                "bos_token_id": self.bos_token_id, "eos_token_id": self.eos_token_id, "head_dim": self.head_dim,
                "hidden_act": "silu", "hidden_size": self.hidden_size, "initializer_range": 0.02,
                "intermediate_size": self.intermediate_size, "max_position_embeddings": self.max_position_embeddings,
                "mlp_bias": False, "model_type": "llama", "num_attention_heads": self.num_attention_heads,
                "num_hidden_layers": self.num_hidden_layers, "num_key_value_heads": self.num_key_value_heads,
                "pretraining_tp": 1, "rms_norm_eps": self.rms_norm_eps, "rope_scaling": None,
                "rope_theta": self.rope_theta, "tie_word_embeddings": self.tie_word_embeddings,
                "torch_dtype": "float32", "use_cache": True, "vocab_size": self.vocab_size}


class RMSNorm(nn.Module):
    def __init__(self, d, eps):
        super().__init__(); self.weight = nn.Parameter(torch.ones(d)); self.eps = eps

    def forward(self, x):
        return self.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps))


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        d, hd = c.hidden_size, c.head_dim
        self.input_layernorm = RMSNorm(d, c.rms_norm_eps)
        self.q_proj = nn.Linear(d, c.num_attention_heads * hd, bias=False)
        self.k_proj = nn.Linear(d, c.num_key_value_heads * hd, bias=False)
        self.v_proj = nn.Linear(d, c.num_key_value_heads * hd, bias=False)
        self.o_proj = nn.Linear(c.num_attention_heads * hd, d, bias=False)
        self.post_attention_layernorm = RMSNorm(d, c.rms_norm_eps)
        self.gate_proj = nn.Linear(d, c.intermediate_size, bias=False)
        self.up_proj = nn.Linear(d, c.intermediate_size, bias=False)
        self.down_proj = nn.Linear(c.intermediate_size, d, bias=False)

    def forward(self, x, cos, sin, mask, past_k=None, past_v=None):
        c = self.c
        B, T, _ = x.shape
        h = self.input_layernorm(x)
        q = self.q_proj(h).view(B, T, c.num_attention_heads, c.head_dim).transpose(1, 2)
        k = self.k_proj(h).view(B, T, c.num_key_value_heads, c.head_dim).transpose(1, 2)
        v = self.v_proj(h).view(B, T, c.num_key_value_heads, c.head_dim).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        if past_k is not None:
            k = torch.cat([past_k, k], dim=2)
            v = torch.cat([past_v, v], dim=2)
        present = (k, v)
        # GQA without repeating k and v: the `rep` query heads that share a KV head (heads
        # kv*rep .. kv*rep+rep-1, as HF's repeat_kv orders them) are stacked along the query axis,
        # so each KV head is read once by one matmul instead of being copied `rep` times per step.
        rep = c.num_attention_heads // c.num_key_value_heads
        kvh = c.num_key_value_heads
        qg = q.reshape(B, kvh, rep * T, c.head_dim)
        att = torch.matmul(qg, k.transpose(2, 3)) * (1.0 / math.sqrt(c.head_dim)) + mask.repeat(1, 1, rep, 1)
        att = torch.softmax(att, dim=-1)
        y = torch.matmul(att, v).reshape(B, c.num_attention_heads, T, c.head_dim)
        y = y.transpose(1, 2).reshape(B, T, c.num_attention_heads * c.head_dim)
        x = x + self.o_proj(y)
        h = self.post_attention_layernorm(x)
        x = x + self.down_proj(F.silu(self.gate_proj(h)) * self.up_proj(h))
        return x, present


class Llama(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.embed_tokens = nn.Embedding(c.vocab_size, c.hidden_size)
        self.layers = nn.ModuleList([Block(c) for _ in range(c.num_hidden_layers)])
        self.norm = RMSNorm(c.hidden_size, c.rms_norm_eps)
        self.register_buffer("inv_freq", 1.0 / (c.rope_theta ** (torch.arange(0, c.head_dim, 2).float() / c.head_dim)), persistent=False)
        self.apply(self._init)
        for l in self.layers:  # GPT-2 style scaled init of residual projections
            nn.init.normal_(l.o_proj.weight, std=0.02 / math.sqrt(2 * c.num_hidden_layers))
            nn.init.normal_(l.down_proj.weight, std=0.02 / math.sqrt(2 * c.num_hidden_layers))

    @staticmethod
    def _init(m):
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, std=0.02)

    def rope(self, position_ids):
        freqs = position_ids[:, :, None].float() * self.inv_freq[None, None, :]
        emb = torch.cat((freqs, freqs), dim=-1)
        return emb.cos()[:, None], emb.sin()[:, None]

    def forward(self, input_ids, attention_mask=None, position_ids=None, past=None):
        """input_ids [B,T]; attention_mask [B,P+T] (1 keep, 0 pad); position_ids [B,T];
        past: list of (k, v) [B,kvh,P,hd] or None. Returns logits [B,T,V], presents."""
        B, T = input_ids.shape
        P = 0 if past is None else past[0][0].shape[2]
        if position_ids is None:
            position_ids = torch.arange(P, P + T, device=input_ids.device)[None].expand(B, T)
        cos, sin = self.rope(position_ids)
        # causal (query i sits at absolute index P+i) + key padding mask, additive, [B,1,T,P+T]
        qi = torch.arange(T, device=input_ids.device)[:, None] + P
        kj = torch.arange(P + T, device=input_ids.device)[None, :]
        allowed = (kj <= qi)[None, None]
        if attention_mask is not None:
            allowed = allowed & (attention_mask[:, None, None, :] > 0)
        mask = torch.where(allowed, torch.zeros((), dtype=torch.float32), torch.full((), -1e9, dtype=torch.float32))
        x = self.embed_tokens(input_ids)
        presents = []
        for i, l in enumerate(self.layers):
            x, pr = l(x, cos, sin, mask, *(past[i] if past is not None else (None, None)))
            presents.append(pr)
        x = self.norm(x)
        return F.linear(x, self.embed_tokens.weight), presents
