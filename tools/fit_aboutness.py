"""Fit the aboutness model's weights on the project's own blind labels, and say how well they generalise.

    python tools/fit_aboutness.py [--write]

Labels: tests/fixtures/relevance/own_train.tsv — (topic, paper) pairs of 54 topics OUTSIDE the
development set, sampled from each topic's matches in the real corpus and judged blind with the rubric
(tests/fixtures/relevance/README.md). The development set (dev.tsv) is never read here: it measures.

A logistic regression (scikit-learn) over collector.aboutness.Features predicts label 2 (about) against
0/1. Cross-validation holds out whole topics (GroupKFold), so the accuracy printed is for topics the model
has not seen — the situation of the held-out judging. `--write` stores the weights in
collector/aboutness_weights.json, which collector.aboutness loads (its VERSION follows them, so stored
matches are re-assessed on the next run).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, cross_val_predict

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from collector.aboutness import WEIGHTS_PATH, features, match_share, topic_terms  # noqa: E402
from collector.config import PROJECT_ROOT  # noqa: E402
from collector.matching import build_matcher  # noqa: E402
from collector.roadmap import load_roadmap  # noqa: E402
from tests.factories import corpus, to_record  # noqa: E402

LABELS = PROJECT_ROOT / "tests" / "fixtures" / "relevance" / "own_train.tsv"
C = 1.0  # L2 regularisation: a few hundred labels, a dozen features


def dataset() -> tuple[list[str], np.ndarray, np.ndarray, list[str]]:
    roadmap = load_roadmap(PROJECT_ROOT / "roadmap.yaml")
    matcher = build_matcher(roadmap.queries())
    papers = {raw["id"]: to_record(raw) for raw in corpus()}
    rows, targets, groups = [], [], []
    with LABELS.open(encoding="utf-8") as lines:
        for row in csv.DictReader(lines, delimiter="\t"):
            topic = roadmap.topic(row["topic"])
            assert topic.parsed_query is not None
            terms = topic_terms(topic.id, topic.name_en, topic.level, topic.parsed_query)
            paper = papers[row["arxiv_id"]]
            found, _ = features(paper, terms, match_share(matcher.match(paper), topic.id))
            rows.append(found.vector())
            targets.append(int(row["label"]) == 2)
            groups.append(topic.id)
    names = list(rows[0])
    return names, np.array([[r[n] for n in names] for r in rows]), np.array(targets), groups


@dataclass(frozen=True)
class Fit:
    """The fitted weights, and how the model did on topics held out of its training (cross-validation)."""

    weights: dict[str, float]
    pairs: int
    topics: int
    accuracy: float
    precision: float
    recall: float
    majority: float  # the accuracy of always answering "not about"


def fit() -> Fit:
    names, x, y, groups = dataset()
    model = LogisticRegression(C=C, max_iter=1000)
    folds = GroupKFold(n_splits=5)
    about = cross_val_predict(model, x, y, groups=groups, cv=folds, method="predict_proba")[:, 1] >= 0.5
    model.fit(x, y)
    weights = {"bias": round(float(model.intercept_[0]), 4)}
    weights |= {name: round(float(w), 4) for name, w in zip(names, model.coef_[0], strict=True)}
    precision = float(np.mean(y[about])) if about.any() else 0.0
    return Fit(weights, len(y), len(set(groups)), float(np.mean(about == y)), precision,
               float(np.mean(about[y])), float(1 - np.mean(y)))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"store the weights in {WEIGHTS_PATH.name}")
    args = parser.parse_args()
    found = fit()
    print(f"{found.pairs} labelled pairs of {found.topics} topics; on held-out topics: accuracy "
          f"{found.accuracy:.3f} (always 'not about': {found.majority:.3f}), precision of 'about' "
          f"{found.precision:.3f}, recall {found.recall:.3f}")  # fmt: skip
    for name, weight in found.weights.items():
        print(f"  {name:<16} {weight:+.3f}")
    if args.write:
        WEIGHTS_PATH.write_text(json.dumps(found.weights, indent=2) + "\n", encoding="utf-8")
        print(f"written to {WEIGHTS_PATH}")


if __name__ == "__main__":
    main()
