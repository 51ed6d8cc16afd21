"""Temperature scaling, calibration error and the alert rule's operating point."""

from __future__ import annotations

import numpy as np
import pytest

from sentiment.calibration import (
    expected_calibration_error,
    fit_temperature,
    rule_point,
    rule_threshold,
    temper,
    temper_one,
)


def _sample(temperature: float, n: int = 4000) -> tuple[np.ndarray, list[int]]:
    """Log-probabilities whose labels are drawn from softmax(logits / temperature)."""
    rng = np.random.default_rng(5)
    logits = rng.normal(0, 2, size=(n, 3))
    true = temper(logits, temperature)
    gold = [int(rng.choice(3, p=row)) for row in true]
    logp = np.log(temper(logits, 1.0))
    return logp, gold


def test_fitted_temperature_recovers_the_true_one_and_lowers_the_error() -> None:
    logp, gold = _sample(2.5)
    fitted = fit_temperature(logp, gold)
    assert fitted == pytest.approx(2.5, rel=0.1)
    before = expected_calibration_error(np.exp(logp), gold)
    after = expected_calibration_error(temper(logp, fitted), gold)
    assert after < before / 2


def test_temperature_never_changes_the_label() -> None:
    logp, _ = _sample(1.0, n=300)
    for t in (0.3, 1.0, 4.0):
        assert (temper(logp, t).argmax(1) == logp.argmax(1)).all()
    row = [0.5, 0.3, 0.2]
    assert temper_one(row, 1.0) == row
    np.testing.assert_allclose(temper_one(row, 0.5), np.array(row) ** 2 / sum(p**2 for p in row))


def test_calibration_error_of_a_perfectly_calibrated_table_is_small() -> None:
    probs = np.array([[0.8, 0.1, 0.1]] * 10)
    gold = [0] * 8 + [1] * 2
    assert expected_calibration_error(probs, gold) == pytest.approx(0.0, abs=1e-9)
    assert expected_calibration_error(probs, [1] * 10) == pytest.approx(0.8)


def test_rule_point_counts_low_and_five_star_reviews() -> None:
    p = [0.9, 0.6, 0.2, 0.7, 0.1, 0.05, 0.4]
    stars = [1, 2, 2, 5, 5, 5, 3]
    point = rule_point(p, stars, 0.5)
    assert point.as_dict() == {
        "threshold": 0.5,
        "flagged_low": pytest.approx(2 / 3),
        "n_low": 3,
        "flagged_five": pytest.approx(1 / 3),
        "n_five": 3,
    }


def test_rule_threshold_is_the_lowest_within_the_five_star_budget() -> None:
    five = [i / 100 for i in range(100)]  # one 5-star text at each hundredth
    low = [0.3, 0.5, 0.8, 0.96, 0.99]
    point = rule_threshold(low + five, [1] * 5 + [5] * 100, five_star_share=0.02)
    assert point.threshold == 0.98  # 0.98 and 0.99 flagged: 2 % of the 5-star texts
    assert point.flagged_five == pytest.approx(0.02)
    assert point.flagged_low == pytest.approx(1 / 5)
