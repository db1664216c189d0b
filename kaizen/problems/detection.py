"""Finding problem candidates in the incident data: pure functions over incident rows, no
database (the scan that reads the rows and records the candidates is
kaizen.problems.services.candidates).

Two kinds of evidence:

- **A rate above the subject's own usual rate.** For every service, configuration item and
  category, the incidents of the recent window (`window_days`, by default the last 7 days) are
  compared with the same subject's incidents in the `history_days` before it (by default the
  84 days, 12 windows, before). If the rate did not change, each of the subject's incidents in
  both periods fell in the recent window with probability w / (w + h) (window and history
  lengths): the recent count is then binomial, and the chance of seeing at least the observed
  count is the exact conditional test of two Poisson rates (Przyborowski and Wilenski). Unlike
  a Poisson test against the history's mean, it allows for the history being a sample too: a
  subject with 2 incidents in its history is not "certain" to have a rate of 2 per 12 weeks.
  Only subjects with at least `min_count` recent incidents are proposed, and the p-values of
  every subject seen are adjusted together for the number of tests (Benjamini-Hochberg,
  scipy.stats.false_discovery_control): with hundreds of CIs, a 1 % test alone would propose
  a few every night by chance. The c-chart's upper limit (expected + 3 x sqrt(expected)) is
  kept beside it, the rule people know from control charts.
- **Incidents with similar descriptions.** The texts of the last `cluster_days` are turned
  into TF-IDF vectors (scikit-learn, English stop words and numbers left out), texts with
  the same words counted once with their weight, every pair at least `similarity` alike by
  cosine kept (a sparse matrix product, a block of rows at a time), and the pairs clustered
  by DBSCAN over that
  neighbourhood graph (a cluster's core has at least `min_size` incidents within the
  similarity). A cluster's label is its most telling words (the largest weights of its mean
  vector) and its most typical description (the one nearest that mean).
"""

import datetime as dt
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse, stats

# (number, opened_at, service id, CI id, category name, text): see
# kaizen.catalog.ticket_sources.ticket_columns.
Row = tuple[str, dt.datetime, int | None, int | None, str, str]

SERVICE, CI, CATEGORY = "service", "ci", "category"
DIMENSIONS = (SERVICE, CI, CATEGORY)
# Pairs are found a block of rows at a time, so the product of one block stays small.
BLOCK_ROWS = 2000
LABEL_TERMS = 5
# A loose cluster is split by clustering it again this much stricter, up to TIGHTEST.
STEP, TIGHTEST = 0.05, 0.95
# Words of two letters or more (digits may follow): host, ticket and error numbers are left
# out, so "disk full on srv-042" and "disk full on srv-117" read alike.
WORDS = r"(?u)\b[^\W\d_]{2,}\w*\b"


@dataclass
class RateFinding:
    dimension: str  # service, ci, category
    subject: str  # the service or CI id, the category name (as text)
    observed: int
    expected: float
    history_count: int
    p_value: float
    adjusted_p_value: float
    control_limit: float
    numbers: list[str]
    series: list[dict[str, Any]]
    window_start: dt.datetime
    window_end: dt.datetime
    history_start: dt.datetime

    @property
    def ratio(self) -> float | None:
        return self.observed / self.expected if self.expected else None


@dataclass
class ClusterFinding:
    numbers: list[str]
    terms: list[str]
    representative: str
    # The share of the cluster's incidents on its most common service and category.
    service_id: int | None = None
    category: str = ""
    mean_similarity: float = 0.0
    first_opened_at: dt.datetime | None = None
    last_opened_at: dt.datetime | None = None
    series: list[dict[str, Any]] = field(default_factory=list)
    # Its incidents of the last window, and the chance of that many if the group's incidents
    # were spread evenly over the clustered days (binomial): a new failure ranks first.
    recent_count: int = 0
    recent_p_value: float = 1.0

    @property
    def signature(self) -> str:
        """The identity of a cluster across scans (a scan that finds it again with other
        words is matched by its incidents instead: services.candidates)."""
        return "+".join(sorted(self.terms[:3]))


# -- rates ----------------------------------------------------------------------------------


def _subjects(row: Row) -> Iterable[tuple[str, str]]:
    _, _, service_id, ci_id, category, _ = row
    if service_id is not None:
        yield SERVICE, str(service_id)
    if ci_id is not None:
        yield CI, str(ci_id)
    if category:
        yield CATEGORY, category


def periods(now: dt.datetime, window_days: int, history_days: int) -> list[dt.datetime]:
    """The start of each period of the chart, oldest first: windows as long as the recent
    one, back from `now`; the oldest may start before the history does (it is then only
    partly measured, and shown as missing)."""
    window = dt.timedelta(days=window_days)
    count = math.ceil(history_days / window_days) + 1
    return [now - window * (count - index) for index in range(count)]


def rate_findings(
    rows: Iterable[Row],
    *,
    now: dt.datetime,
    window_days: int,
    history_days: int,
    min_count: int,
    false_discovery_rate: float,
) -> list[RateFinding]:
    """The services, CIs and categories whose recent incident count is significantly above
    their own usual rate (module docstring), most significant first."""
    window_start = now - dt.timedelta(days=window_days)
    history_start = window_start - dt.timedelta(days=history_days)
    starts = periods(now, window_days, history_days)
    recent: dict[tuple[str, str], list[str]] = defaultdict(list)
    history: Counter[tuple[str, str]] = Counter()
    binned: dict[tuple[str, str], Counter[int]] = defaultdict(Counter)
    window = dt.timedelta(days=window_days)
    for row in rows:
        number, opened_at = row[0], row[1]
        if not history_start <= opened_at < now:
            continue
        is_recent = opened_at >= window_start
        period = len(starts) - 1 - int((now - opened_at) / window)
        for subject in _subjects(row):
            if is_recent:
                recent[subject].append(number)
            else:
                history[subject] += 1
            binned[subject][period] += 1
    seen = sorted(set(recent) | set(history))
    if not seen:
        return []
    share = window_days / (window_days + history_days)
    p_values = np.ones(len(seen))
    for index, subject in enumerate(seen):
        observed = len(recent.get(subject, ()))
        if observed >= min_count:
            total = observed + history[subject]
            p_values[index] = stats.binom.sf(observed - 1, total, share)
    adjusted = stats.false_discovery_control(p_values, method="bh")
    findings = []
    for index, subject in enumerate(seen):
        observed = len(recent.get(subject, ()))
        if observed < min_count or adjusted[index] > false_discovery_rate:
            continue
        expected = history[subject] * window_days / history_days
        if observed <= expected:
            continue
        partial_first = starts[0] < history_start
        series = [
            {
                "start": start.isoformat(),
                "count": None if (index_ == 0 and partial_first) else binned[subject][index_],
            }
            for index_, start in enumerate(starts)
        ]
        findings.append(
            RateFinding(
                dimension=subject[0],
                subject=subject[1],
                observed=observed,
                expected=round(expected, 3),
                history_count=history[subject],
                p_value=float(p_values[index]),
                adjusted_p_value=float(adjusted[index]),
                control_limit=round(expected + 3 * math.sqrt(expected), 3),
                numbers=sorted(recent[subject]),
                series=series,
                window_start=window_start,
                window_end=now,
                history_start=history_start,
            )
        )
    findings.sort(key=lambda finding: (finding.adjusted_p_value, -finding.observed))
    return findings


def tested_subjects(rows: Sequence[Row]) -> int:
    """How many subjects a rate scan over `rows` tests (for the words)."""
    return len({subject for row in rows for subject in _subjects(row)})


def p_value_words(p: float) -> str:
    """A p-value as people read it: "0.003", "1 in 2.4 million", "below 1 in a billion"."""
    if p >= 0.001:
        return f"{p:.3f}"
    if p < 1e-9:
        return "below 1 in a billion"
    odds = 1 / p
    if odds >= 1e6:
        return f"1 in {odds / 1e6:.1f} million"
    return f"1 in {odds:,.0f}"


# -- similar descriptions -------------------------------------------------------------------


def _normalised(text: str) -> str:
    """The words the vectors are made of, so texts differing only in case, spacing,
    punctuation or numbers are one row (weighted by how many incidents say it)."""
    return " ".join(re.findall(WORDS, text.lower()))


def similar_pairs(matrix: sparse.csr_matrix, threshold: float) -> sparse.csr_matrix:
    """The cosine similarities of the rows (L2-normalised) that reach `threshold`, the
    diagonal included, as a sparse matrix: the product of a block of rows with all rows at a
    time, the pairs below the threshold dropped before the next block."""
    blocks = []
    transposed = matrix.T.tocsc()
    for start in range(0, matrix.shape[0], BLOCK_ROWS):
        block = (matrix[start : start + BLOCK_ROWS] @ transposed).tocsr()
        block.data[block.data < threshold] = 0.0
        block.eliminate_zeros()
        blocks.append(block)
    return sparse.vstack(blocks, format="csr")


def text_clusters(
    rows: Iterable[Row],
    *,
    min_size: int,
    similarity: float,
    max_clusters: int = 50,
    now: dt.datetime | None = None,
    window_days: int = 7,
    cluster_days: int = 90,
) -> list[ClusterFinding]:
    """Groups of at least `min_size` incidents whose descriptions are alike (module
    docstring), at most `max_clusters`: those most concentrated in the last `window_days`
    first (the least likely if the group's incidents were spread evenly), then the largest."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    by_text: dict[str, list[Row]] = defaultdict(list)
    originals: dict[str, str] = {}
    for row in rows:
        key = _normalised(row[5])
        if key:
            by_text[key].append(row)
            originals.setdefault(key, row[5])
    if sum(len(members) for members in by_text.values()) < min_size:
        return []
    texts = list(by_text)
    weights = np.array([len(by_text[text]) for text in texts], dtype=float)
    vectorizer = TfidfVectorizer(
        stop_words="english", sublinear_tf=True, dtype=np.float32, token_pattern=WORDS
    )
    try:
        matrix = vectorizer.fit_transform(texts)
    except ValueError:  # nothing but stop words
        return []
    pairs = similar_pairs(matrix, similarity)
    groups = _tight_groups(
        np.arange(len(texts)), pairs, matrix, weights, similarity, similarity, min_size
    )
    vocabulary = vectorizer.get_feature_names_out()
    clusters = []
    for indexes, closeness in groups:
        size = int(weights[indexes].sum())
        centre = _centre(matrix, weights, indexes)
        terms = [str(vocabulary[i]) for i in np.argsort(-centre)[:LABEL_TERMS] if centre[i] > 0]
        typical = texts[indexes[int(np.argmax(closeness))]]
        incident_rows = [row for i in indexes for row in by_text[texts[i]]]
        clusters.append(
            _cluster(
                incident_rows,
                terms,
                originals[typical],
                float(np.average(closeness, weights=weights[indexes])) if size else 0.0,
                now=now,
                window_days=window_days,
                cluster_days=cluster_days,
            )
        )
    # The most sudden first (a new failure among perennial ones), then the largest.
    clusters.sort(
        key=lambda cluster: (cluster.recent_p_value, -len(cluster.numbers), cluster.signature)
    )
    return clusters[:max_clusters]


def _centre(matrix: sparse.csr_matrix, weights: np.ndarray, indexes: np.ndarray) -> np.ndarray:
    """The weighted mean of the rows: the group's centre."""
    block = matrix[indexes]
    return np.asarray(block.T @ weights[indexes]).ravel() / weights[indexes].sum()


def _tight_groups(
    indexes: np.ndarray,
    pairs: sparse.csr_matrix,
    matrix: sparse.csr_matrix,
    weights: np.ndarray,
    threshold: float,
    similarity: float,
    min_size: int,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """DBSCAN over the pairs of `indexes` at least `threshold` alike; each group with its
    members' closeness to its centre (cosine). DBSCAN chains: A like B like C puts A and C
    together however unlike they are, so a group whose members are on average less than
    `similarity` alike to its centre is clustered again at a stricter threshold (up to
    TIGHTEST), until its parts are tight."""
    from sklearn.cluster import DBSCAN

    if weights[indexes].sum() < min_size:
        return []
    graph = pairs[indexes][:, indexes].tocsr()
    graph.data[graph.data < threshold] = 0.0
    graph.eliminate_zeros()
    # DBSCAN reads distances; a stored 0 would be read as "no edge", so identical vectors
    # (texts differing only in stop words, numbers or punctuation) keep a tiny distance.
    graph.data = np.maximum(1.0 - graph.data, 1e-9)
    labels = DBSCAN(
        eps=1.0 - threshold + 1e-9, min_samples=min_size, metric="precomputed"
    ).fit_predict(graph, sample_weight=weights[indexes])
    groups = []
    for label in set(labels) - {-1}:
        members = indexes[labels == label]
        if weights[members].sum() < min_size:
            continue
        centre = _centre(matrix, weights, members)
        closeness = np.asarray(matrix[members] @ centre).ravel() / (np.linalg.norm(centre) or 1.0)
        tight = np.average(closeness, weights=weights[members]) >= similarity
        if tight or threshold >= TIGHTEST:
            groups.append((members, closeness))
        else:
            groups += _tight_groups(
                members, pairs, matrix, weights, threshold + STEP, similarity, min_size
            )
    return groups


def _most_common(values: Iterable[Any], size: int) -> Any:
    """The value most of the incidents share (more than half of them), else None."""
    counted = Counter(value for value in values if value not in (None, ""))
    if not counted:
        return None
    value, count = counted.most_common(1)[0]
    return value if count * 2 > size else None


def _cluster(
    rows: list[Row],
    terms: list[str],
    representative: str,
    mean_similarity: float,
    *,
    now: dt.datetime | None,
    window_days: int,
    cluster_days: int,
) -> ClusterFinding:
    opened = [row[1] for row in rows]
    series: list[dict[str, Any]] = []
    recent, recent_p = 0, 1.0
    if now is not None:
        recent = sum(1 for at in opened if at >= now - dt.timedelta(days=window_days))
        share = min(window_days / cluster_days, 1.0)
        recent_p = float(stats.binom.sf(recent - 1, len(opened), share)) if recent else 1.0
        starts = periods(now, window_days, cluster_days - window_days)
        window = dt.timedelta(days=window_days)
        first = now - dt.timedelta(days=cluster_days)
        counts: Counter[int] = Counter(len(starts) - 1 - int((now - at) / window) for at in opened)
        series = [
            {"start": start.isoformat(), "count": None if start < first else counts[index]}
            for index, start in enumerate(starts)
        ]
    return ClusterFinding(
        numbers=sorted(row[0] for row in rows),
        terms=terms,
        representative=representative[:300],
        service_id=_most_common((row[2] for row in rows), len(rows)),
        category=_most_common((row[4] for row in rows), len(rows)) or "",
        mean_similarity=round(mean_similarity, 3),
        first_opened_at=min(opened),
        last_opened_at=max(opened),
        series=series,
        recent_count=recent,
        recent_p_value=recent_p,
    )
