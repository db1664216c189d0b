"""Known errors suggested for an incident while it is typed or worked.

A published known error scores by how much of the incident's words it shares (TF-IDF cosine
similarity of the incident's short description and description against the known error's
title and symptom, scikit-learn: docs/decisions.md) plus fixed boosts when it names the
incident's service, configuration item or category. Each suggestion says why it matched.

The TF-IDF index of the published known errors is kept in memory per process and rebuilt when
the published set changed (one cheap aggregate query per request tells): a suggestion then
costs two queries and a sparse matrix product, whatever the number of known errors
(bench/known_error_suggestions.py).
"""

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.conf import settings
from django.db.models import Count, Max, Sum
from sklearn.feature_extraction.text import TfidfVectorizer

from kaizen.problems.models import KnownError, KnownErrorStatus

# What a shared service, CI or category adds to the text similarity (a cosine in [0, 1]): a
# CI is the most specific, a category the least. A known error on the incident's CI with no
# word in common (0.4) still ranks above one sharing a few common words only.
BOOSTS = {"configuration_item": 0.4, "service": 0.3, "category": 0.15}
REASONS = {
    "configuration_item": "same configuration item",
    "service": "same service",
    "category": "same category",
}
# The title counts twice: it is the known error's summary, the symptom its long story.
TITLE_WEIGHT = 2
WORDS_SHOWN = 3
# Below this a known error is not suggested: one shared common word in a long symptom, or
# nothing but the category (0.15) among hundreds of known errors of that category, is noise.
MIN_SCORE = 0.2


@dataclass(frozen=True)
class Suggestion:
    known_error: KnownError
    score: float
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class IncidentText:
    """What is known of the incident being typed: any part may be empty."""

    text: str = ""
    service_id: int | None = None
    configuration_item_id: int | None = None
    category: str = ""


class _Index:
    def __init__(self, stamp: tuple[Any, ...]) -> None:
        self.stamp = stamp
        # None published: nothing to read (and no query, whichever index came before).
        rows = (
            list(
                KnownError.objects.filter(status=KnownErrorStatus.PUBLISHED)
                .order_by("id")
                .values_list("id", "title", "symptom", "category")
            )
            if stamp[0]
            else []
        )
        self.ids = np.array([row[0] for row in rows], dtype=np.int64)
        position = {pk: index for index, pk in enumerate(self.ids.tolist())}
        if not rows:
            self.by: dict[str, dict[Any, np.ndarray]] = {
                "category": {},
                "service": {},
                "configuration_item": {},
            }
            self.matrix, self.words = None, np.array([])
            return
        self.by = {
            "category": _positions(
                ((category.strip().lower(), position[pk]) for pk, _, _, category in rows)
            ),
            "service": _positions(_through(KnownError.services.through, "service_id", position)),
            "configuration_item": _positions(
                _through(KnownError.configuration_items.through, "configurationitem_id", position)
            ),
        }
        self.vectorizer = TfidfVectorizer(
            stop_words="english", strip_accents="unicode", sublinear_tf=True, dtype=np.float32
        )
        documents = [f"{(title + ' ') * TITLE_WEIGHT}{symptom}" for _, title, symptom, _ in rows]
        try:
            self.matrix = self.vectorizer.fit_transform(documents).tocsr()
            self.words = self.vectorizer.get_feature_names_out()
        except ValueError:  # no known error, or none with a word that is not a stop word
            self.matrix = None
            self.words = np.array([])

    def rank(self, incident: IncidentText, limit: int) -> list[tuple[int, float, tuple[str, ...]]]:
        count = len(self.ids)
        if not count:
            return []
        scores = np.zeros(count, dtype=np.float32)
        query = None
        if self.matrix is not None and incident.text.strip():
            query = self.vectorizer.transform([incident.text])
            if query.nnz:
                scores += (self.matrix @ query.T).toarray().ravel()
        matched: dict[str, np.ndarray] = {}
        # Most specific first: the reasons are listed in this order.
        wanted = {
            "configuration_item": incident.configuration_item_id,
            "service": incident.service_id,
            "category": incident.category.strip().lower() or None,
        }
        for kind, key in wanted.items():
            rows = self.by[kind].get(key) if key is not None else None
            if rows is not None:
                scores[rows] += BOOSTS[kind]
                matched[kind] = rows
        candidates = np.flatnonzero(scores >= MIN_SCORE)
        if not len(candidates):
            return []
        if len(candidates) > limit:
            best = np.argpartition(-scores[candidates], limit - 1)[:limit]
            candidates = candidates[best]
        # Highest score first; ties by the newest known error (the higher id).
        order = np.lexsort((-self.ids[candidates], -scores[candidates]))
        ranked = []
        matched_rows = {kind: set(rows.tolist()) for kind, rows in matched.items()}
        for row in candidates[order].tolist():
            reasons = [REASONS[kind] for kind, rows in matched_rows.items() if row in rows]
            words = self._shared_words(query, row)
            if words:
                reasons.append("words: " + ", ".join(words))
            ranked.append((int(self.ids[row]), float(scores[row]), tuple(reasons)))
        return ranked

    def _shared_words(self, query: Any, row: int) -> list[str]:
        """The words that weigh most in the similarity (their share of the dot product)."""
        if query is None or not query.nnz:
            return []
        document = self.matrix.getrow(row)
        weights = query.multiply(document).tocoo()
        if not weights.nnz:
            return []
        top = np.argsort(-weights.data, kind="stable")[:WORDS_SHOWN]
        return [str(self.words[weights.col[index]]) for index in top]


def _through(model: Any, column: str, position: dict[int, int]) -> Any:
    pairs = model.objects.filter(knownerror__status=KnownErrorStatus.PUBLISHED).values_list(
        column, "knownerror_id"
    )
    return ((key, position[pk]) for key, pk in pairs if pk in position)


def _positions(pairs: Any) -> dict[Any, np.ndarray]:
    grouped: dict[Any, list[int]] = {}
    for key, row in pairs:
        if key not in ("", None):
            grouped.setdefault(key, []).append(row)
    return {key: np.array(rows, dtype=np.int64) for key, rows in grouped.items()}


_index: _Index | None = None
_building = threading.Lock()


def _published_stamp() -> tuple[Any, ...]:
    """Changes whenever a known error is published, edited while published or retired: the
    count, the ids, the latest change and the sum of the versions of the published ones."""
    figures = KnownError.objects.filter(status=KnownErrorStatus.PUBLISHED).aggregate(
        count=Count("id"), ids=Sum("id"), last=Max("updated_at"), versions=Sum("version")
    )
    return (figures["count"], figures["ids"], figures["last"], figures["versions"])


def forget_index() -> None:
    """Drop the index (tests: rows rolled back between tests may come back with the same
    figures and other services)."""
    global _index
    _index = None


def current_index() -> _Index:
    global _index
    stamp = _published_stamp()
    index = _index
    if index is not None and index.stamp == stamp:
        return index
    with _building:
        if _index is None or _index.stamp != stamp:
            _index = _Index(stamp)
        return _index


def suggest_known_errors(incident: IncidentText, *, limit: int | None = None) -> list[Suggestion]:
    """The published known errors that best match the incident, best first, each with why."""
    if limit is None:
        limit = settings.KAIZEN_KNOWN_ERROR_SUGGESTIONS
    ranked = current_index().rank(incident, limit)
    if not ranked:
        return []
    records = KnownError.objects.select_related("problem").in_bulk([pk for pk, _, _ in ranked])
    return [
        Suggestion(records[pk], round(score, 3), reasons)
        for pk, score, reasons in ranked
        if pk in records
    ]
