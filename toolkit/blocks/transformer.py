"""VITS's text-encoder transformer: relative-position multi-head self-attention + conv feed-forward,
post-LayerNorm over channels. Inputs are [B, C, T] and every sequence is full length (no mask)."""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class ChannelLayerNorm(nn.Module):
    """LayerNorm over the channel axis of [B, C, T] with learnable gain and bias."""

    def __init__(self, channels: int, eps: float = 1e-5):
        super().__init__()
        self.eps = eps
        self.gamma = nn.Parameter(torch.ones(channels))
        self.beta = nn.Parameter(torch.zeros(channels))

    def forward(self, x: Tensor) -> Tensor:
        x = F.layer_norm(x.transpose(1, -1), (x.size(1),), self.gamma, self.beta, self.eps)
        return x.transpose(1, -1)


class RelativeMultiHeadAttention(nn.Module):
    """Self-attention whose logits and outputs get learned relative-position terms for offsets in
    ``[-window_size, window_size]`` (one table shared by the heads; zero beyond the window)."""

    def __init__(self, channels: int, n_heads: int, window_size: int, dropout: float):
        super().__init__()
        if channels % n_heads != 0:
            raise ValueError(f"channels {channels} is not divisible by n_heads {n_heads}")
        self.n_heads = n_heads
        self.head_channels = channels // n_heads
        self.window_size = window_size
        self.conv_q = nn.Conv1d(channels, channels, 1)
        self.conv_k = nn.Conv1d(channels, channels, 1)
        self.conv_v = nn.Conv1d(channels, channels, 1)
        self.conv_o = nn.Conv1d(channels, channels, 1)
        self.drop = nn.Dropout(dropout)
        rel_std = self.head_channels**-0.5
        self.emb_rel_k = nn.Parameter(torch.randn(1, 2 * window_size + 1, self.head_channels) * rel_std)
        self.emb_rel_v = nn.Parameter(torch.randn(1, 2 * window_size + 1, self.head_channels) * rel_std)
        for conv in (self.conv_q, self.conv_k, self.conv_v):
            nn.init.xavier_uniform_(conv.weight)

    def _relative_index(self, length: int, device) -> tuple[Tensor, Tensor]:
        """For every (query i, key j): the table row of offset j - i (clamped) and whether it is in the window."""
        offset = torch.arange(length, device=device).view(1, -1) - torch.arange(length, device=device).view(-1, 1)
        inside = offset.abs() <= self.window_size
        return offset.clamp(-self.window_size, self.window_size) + self.window_size, inside

    def _split_heads(self, y: Tensor) -> Tensor:
        """[B, C, T] -> [B, heads, T, C / heads]."""
        b, _, t = y.shape
        return y.view(b, self.n_heads, self.head_channels, t).transpose(2, 3)

    def forward(self, x: Tensor) -> Tensor:
        b, c, t = x.shape
        q = self._split_heads(self.conv_q(x)) / math.sqrt(self.head_channels)
        k, v = self._split_heads(self.conv_k(x)), self._split_heads(self.conv_v(x))
        index, inside = self._relative_index(t, x.device)
        index4 = index.expand(b, self.n_heads, t, t)
        rel_logits = torch.matmul(q, self.emb_rel_k.transpose(1, 2).unsqueeze(0))  # [b, h, t, 2w+1]
        scores = torch.matmul(q, k.transpose(-2, -1)) + rel_logits.gather(-1, index4) * inside
        p_attn = self.drop(F.softmax(scores, dim=-1))
        out = torch.matmul(p_attn, v)
        rel_weights = torch.zeros_like(rel_logits).scatter_add(-1, index4, p_attn * inside)
        out = out + torch.matmul(rel_weights, self.emb_rel_v.unsqueeze(0))
        return self.conv_o(out.transpose(2, 3).reshape(b, c, t))


class FeedForward(nn.Module):
    """Conv1d(k) -> ReLU -> dropout -> Conv1d(k), both length-keeping."""

    def __init__(self, channels: int, filter_channels: int, kernel_size: int, dropout: float):
        super().__init__()
        self.conv_1 = nn.Conv1d(channels, filter_channels, kernel_size)
        self.conv_2 = nn.Conv1d(filter_channels, channels, kernel_size)
        self.padding = ((kernel_size - 1) // 2, kernel_size // 2)
        self.drop = nn.Dropout(dropout)

    def forward(self, x: Tensor) -> Tensor:
        x = self.drop(torch.relu(self.conv_1(F.pad(x, self.padding))))
        return self.conv_2(F.pad(x, self.padding))


class RelativeTransformerEncoder(nn.Module):
    """``n_layers`` x [attention -> dropout -> residual -> LayerNorm; FFN -> dropout -> residual -> LayerNorm]."""

    def __init__(
        self,
        channels: int,
        filter_channels: int,
        n_heads: int,
        n_layers: int,
        kernel_size: int,
        dropout: float,
        window_size: int,
    ):
        super().__init__()
        self.drop = nn.Dropout(dropout)
        self.attn_layers = nn.ModuleList(
            RelativeMultiHeadAttention(channels, n_heads, window_size, dropout) for _ in range(n_layers)
        )
        self.norm_layers_1 = nn.ModuleList(ChannelLayerNorm(channels) for _ in range(n_layers))
        self.ffn_layers = nn.ModuleList(
            FeedForward(channels, filter_channels, kernel_size, dropout) for _ in range(n_layers)
        )
        self.norm_layers_2 = nn.ModuleList(ChannelLayerNorm(channels) for _ in range(n_layers))

    def forward(self, x: Tensor) -> Tensor:
        for attn, norm1, ffn, norm2 in zip(self.attn_layers, self.norm_layers_1, self.ffn_layers, self.norm_layers_2):
            x = norm1(x + self.drop(attn(x)))
            x = norm2(x + self.drop(ffn(x)))
        return x
