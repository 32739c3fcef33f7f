"""Partially pooled speaker shares: an empirical-Bayes prior fitted to the corpus, so a
speaker with one short document gets an honest, wide interval instead of `53%–53%`.

The model is Bühlmann–Straub credibility (the empirical-Bayes normal model of insurance
rating, which needs no distribution of its own): each document's topic share varies around
its speaker's mean with variance σ²ₖ (within speakers), and speakers' means vary around the
corpus mean mₖ with variance τ²ₖ (between speakers). Both are estimated from the corpus by
moments. A speaker with W document-weights (a document of typical length weighs 1) gets

    share = (W · own share + κ · corpus share) / (W + κ),   κ = Σσ²ₖ / Στ²ₖ

and a posterior variance σ²ₖ / (W + κ). The interval is the Beta distribution with that mean
and variance (shares live in [0, 1]), so it never has zero width while σ²ₖ > 0.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import sparse, stats

# Where the corpus cannot tell speakers apart from documents (every speaker said one thing,
# or speakers differ less than their documents do), the prior weighs as much as this many
# typical documents at least and the whole corpus at most.
MIN_KAPPA = 1.0
VARIANCE_FLOOR = 1e-9


@dataclass(frozen=True)
class Pooled:
    """Pooled shares per speaker (rows in speaker order) and the prior behind them."""

    share: np.ndarray
    raw: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    weight: np.ndarray  # W: documents of typical length
    kappa: float  # the prior's weight, in documents of typical length
    prior: np.ndarray  # corpus shares m


def _by_speaker(codes: np.ndarray, n_speakers: int) -> sparse.csr_matrix:
    """Speaker × document indicator: sums over each speaker's documents in one product."""
    n = len(codes)
    return sparse.csr_matrix((np.ones(n), (codes, np.arange(n))), shape=(n_speakers, n))


@dataclass(frozen=True)
class SpeakerSums:
    """Per speaker (rows in speaker order): document weights W, weighted share sums, own
    shares, documents, and the weighted squared deviations from the own share."""

    weight: np.ndarray
    sums: np.ndarray
    raw: np.ndarray
    n_docs: np.ndarray
    within: np.ndarray  # speakers × topics


def speaker_sums(theta: np.ndarray, w: np.ndarray, codes: np.ndarray,
                 n_speakers: int) -> SpeakerSums:
    """SpeakerSums of documents with weights `w` (each speaker's sums in document order:
    the speakers of a partition give the figures they have among all)."""
    by = _by_speaker(codes, n_speakers)
    weight = np.asarray(by @ w).ravel()
    sums = by @ (theta * w[:, None])
    safe = np.where(weight > 0, weight, 1.0)[:, None]
    raw = np.where(weight[:, None] > 0, sums / safe, 0.0)
    n_docs = np.asarray(by @ (w > 0)).ravel()
    # Within speakers: weighted squared deviations from the speaker's own mean.
    within = by @ (w[:, None] * (theta - raw[codes]) ** 2)
    return SpeakerSums(weight, sums, raw, n_docs, within)


def pool_speakers(theta: np.ndarray, n_tokens: np.ndarray, codes: np.ndarray,
                  n_speakers: int, ci: float) -> Pooled:
    """Pooled shares and intervals of each speaker (`codes`: each document's speaker)."""
    w = document_weights(n_tokens)
    prior = theta.T @ w / max(w.sum(), VARIANCE_FLOOR)
    return pooled_from(speaker_sums(theta, w, codes, n_speakers), prior,
                       lambda: (w[:, None] * (theta - prior) ** 2).sum(axis=0),
                       len(w), ci)


def document_weights(n_tokens: np.ndarray) -> np.ndarray:
    """Each document's weight: its tokens over the mean of the documents with any."""
    mean_tokens = n_tokens[n_tokens > 0].mean() if (n_tokens > 0).any() else 1.0
    return n_tokens / mean_tokens


def pooled_from(s: SpeakerSums, prior: np.ndarray, spread: Callable[[], np.ndarray],
                n_docs: int, ci: float) -> Pooled:
    """pool_speakers from the speakers' sums and the corpus shares (`prior`); `spread` gives
    the documents' weighted squared deviations from the prior, needed only where no speaker
    has two documents."""
    weight, sums, raw = s.weight, s.sums, s.raw
    within = s.within.sum(axis=0)
    dof = (s.n_docs - 1).clip(min=0).sum()
    sigma2 = within / dof if dof > 0 else spread() / max(n_docs - 1, 1)
    sigma2 = np.maximum(sigma2, VARIANCE_FLOOR)
    total = weight.sum()
    active = weight > 0
    denominator = total - (weight[active] ** 2).sum() / max(total, VARIANCE_FLOOR)
    between = (weight[:, None] * (raw - prior) ** 2).sum(axis=0)
    tau2 = (between - (active.sum() - 1) * sigma2) / denominator if denominator > 0 else 0
    tau2_total = float(np.sum(tau2))
    kappa = float(sigma2.sum() / tau2_total) if tau2_total > 0 else float(total)
    kappa = float(np.clip(kappa, MIN_KAPPA, max(total, MIN_KAPPA)))
    share = (sums + kappa * prior) / (weight + kappa)[:, None]
    variance = sigma2[None, :] / (weight + kappa)[:, None]
    low, high = beta_interval(share, variance, ci)
    # A topic the corpus hardly uses has a Beta piled up at 0, whose upper percentile can
    # fall below its mean: the estimate itself always stays inside its interval.
    low, high = np.minimum(low, share), np.maximum(high, share)
    return Pooled(share, raw, low, high, weight, kappa, prior)


def beta_interval(mean: np.ndarray, variance: np.ndarray,
                  ci: float) -> tuple[np.ndarray, np.ndarray]:
    """Central interval of the Beta distribution with this mean and variance (the variance
    capped below mean·(1−mean), the largest a Beta can have)."""
    mean = np.clip(mean, VARIANCE_FLOOR, 1 - VARIANCE_FLOOR)
    spread = mean * (1 - mean)
    variance = np.minimum(variance, spread * 0.999)
    concentration = spread / variance - 1
    a, b = mean * concentration, (1 - mean) * concentration
    alpha = (1 - ci) / 2
    return stats.beta.ppf(alpha, a, b), stats.beta.ppf(1 - alpha, a, b)
