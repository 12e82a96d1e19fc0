"""Linkage metrics, checked against figures counted by hand on tiny clusterings."""

from __future__ import annotations

import pytest

from contactpoint.evaluation.metrics import score, with_singletons

# Six rows of three children: a (rows 1-3), b (rows 4-5), c (row 6).
TRUTH = {1: "a", 2: "a", 3: "a", 4: "b", 5: "b", 6: "c"}


def test_a_clustering_equal_to_the_truth_scores_one_on_every_measure() -> None:
    scores = score(TRUTH, TRUTH)
    assert (scores.pairwise_precision, scores.pairwise_recall, scores.pairwise_f1) == (1, 1, 1)
    assert (scores.bcubed_precision, scores.bcubed_recall, scores.bcubed_f1) == (1, 1, 1)
    assert (scores.impure_clusters, scores.largest_impure_rows) == (0, 0)
    assert (scores.rows, scores.entities, scores.clusters, scores.pairs_true) == (6, 3, 3, 4)


def test_pairwise_and_b_cubed_scores_equal_the_hand_counted_values() -> None:
    # Clusters X = {1, 2}, Y = {3, 4, 5}, Z = {6}: row 3 is split from a and merged into b.
    predicted = {1: "X", 2: "X", 3: "Y", 4: "Y", 5: "Y", 6: "Z"}
    scores = score(predicted, TRUTH)
    # True pairs: 3 in a, 1 in b. Predicted: 1 in X, 3 in Y. Correct: (1,2) and (4,5).
    assert (scores.pairs_true, scores.pairs_predicted, scores.pairs_correct) == (4, 4, 2)
    assert scores.pairwise_precision == pytest.approx(0.5)
    assert scores.pairwise_recall == pytest.approx(0.5)
    assert scores.pairwise_f1 == pytest.approx(0.5)
    # Per row precision: 1, 1, 1/3, 2/3, 2/3, 1; recall: 2/3, 2/3, 1/3, 1, 1, 1.
    assert scores.bcubed_precision == pytest.approx((1 + 1 + 1 / 3 + 2 / 3 + 2 / 3 + 1) / 6)
    assert scores.bcubed_recall == pytest.approx((2 / 3 + 2 / 3 + 1 / 3 + 1 + 1 + 1) / 6)
    assert scores.bcubed_f1 == pytest.approx(7 / 9)
    assert scores.impure_clusters == 1
    assert (scores.largest_impure_rows, scores.largest_impure_entities) == (3, 2)


def test_the_largest_impure_cluster_is_the_one_holding_most_rows() -> None:
    truth = {n: n // 2 for n in range(10)}  # five children of two rows each
    predicted = {0: "P", 2: "P", 4: "Q", 5: "Q", 6: "Q", 8: "Q", 1: "R", 3: "S", 7: "T", 9: "U"}
    scores = score(predicted, truth)
    assert scores.impure_clusters == 2
    assert (scores.largest_impure_rows, scores.largest_impure_entities) == (4, 3)


def test_putting_every_row_apart_has_full_precision_and_no_recall() -> None:
    scores = score({row: row for row in TRUTH}, TRUTH)
    assert (scores.pairs_predicted, scores.pairwise_precision, scores.pairwise_recall) == (0, 1, 0)
    assert scores.pairwise_f1 == 0
    assert scores.bcubed_precision == 1
    assert scores.bcubed_recall == pytest.approx((1 / 3 * 3 + 1 / 2 * 2 + 1) / 6)


def test_one_cluster_of_everything_has_full_recall_and_one_impure_cluster() -> None:
    scores = score(dict.fromkeys(TRUTH, "all"), TRUTH)
    assert scores.pairwise_recall == 1
    assert scores.pairwise_precision == pytest.approx(4 / 15)
    assert (scores.impure_clusters, scores.largest_impure_rows) == (1, 6)
    assert scores.largest_impure_entities == 3


def test_with_no_true_pairs_recall_is_one() -> None:
    assert score({1: "x", 2: "y"}, {1: "a", 2: "b"}).pairwise_recall == 1


def test_rows_the_loader_refused_become_clusters_of_their_own() -> None:
    # Rows 2 and 3 were refused: each is alone, even though 1, 2 and 3 are one child.
    placed = with_singletons({1: "CP-1", 4: "CP-4", 5: "CP-4", 6: "CP-6"}, TRUTH)
    assert len(placed) == 6
    assert len({placed[1], placed[2], placed[3]}) == 3
    scores = score(placed, TRUTH)
    assert (scores.pairs_predicted, scores.pairs_correct, scores.clusters) == (1, 1, 5)


def test_a_refused_row_never_shares_a_label_with_a_cluster_of_the_same_name() -> None:
    placed = with_singletons({"x": "y"}, ["x", "y"])
    assert placed["x"] != placed["y"]


def test_a_clustering_of_other_rows_than_the_truth_is_refused() -> None:
    with pytest.raises(ValueError, match="1 rows have no cluster"):
        score({1: "x"}, {1: "a", 2: "a"})
