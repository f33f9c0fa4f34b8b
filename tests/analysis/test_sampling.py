import pytest

from analysis.sampling import margin_of_error, plan_campaign, required_sample_size, z_value


def test_cochran_for_a_large_population_by_hand() -> None:
    """n₀ = z² p(1 − p)/e² with z = 1.959964: ±5 % → 3.841459 · 0.25 / 0.0025 = 384.15 → 385;
    ±3 % → 960.365 / 0.9 = 1067.07 → 1068 (the familiar 385 and 1,068 of survey practice)."""
    assert z_value(0.95) == pytest.approx(1.959964, abs=1e-6)
    assert required_sample_size(0.05) == 385
    assert required_sample_size(0.03) == 1068


def test_finite_population_matches_krejcie_and_morgan_1970() -> None:
    """Krejcie & Morgan (1970), Table 1 (±5 %, 95 %, p = 0.5): N = 100 → 80, 200 → 132,
    1,000 → 278, 5,000 → 357, 10,000 → 370. By hand for N = 1000: 384.146 / (1 + 383.146/1000)
    = 277.73 → 278. (The table rounds to the nearest unit, so sizes just above a half, e.g. N = 50
    → 44.3, are listed one lower than Cochran's rounded-up 45.)"""
    table = {100: 80, 200: 132, 1000: 278, 5000: 357, 10000: 370}
    assert {n: required_sample_size(0.05, population=n) for n in table} == table


def test_margin_of_error_by_hand() -> None:
    """e = 1.959964 · √(0.25/400) = 1.959964 · 0.025 = 0.048999; with N = 1000 the correction
    √(600/999) = 0.774984 gives 0.037974. A census has no sampling error."""
    assert margin_of_error(400) == pytest.approx(0.048999, abs=1e-6)
    assert margin_of_error(400, population=1000) == pytest.approx(0.037974, abs=1e-6)
    assert margin_of_error(1000, population=1000) == 0.0
    assert margin_of_error(100, confidence=0.90, p=0.2) == pytest.approx(1.644854 * 0.04, abs=1e-6)


def test_the_two_functions_invert_each_other() -> None:
    for population in (None, 500, 20000):
        n = required_sample_size(0.04, population=population)
        assert (
            margin_of_error(n, population=population) <= 0.04 < margin_of_error(n - 1, population=population)
        )


def test_campaign_plan_from_a_target_margin_and_response_rate() -> None:
    """±5 % of 2,000 customers: 322.3 → 323 responses; at a 25 % response rate 323 / 0.25 = 1,292
    invitations, which the 2,000 customers can supply. At 10 % they cannot (3,230 > 2,000)."""
    plan = plan_campaign(0.05, 0.25, population=2000)
    assert (plan.responses, plan.invitations, plan.reachable) == (323, 1292, True)
    short = plan_campaign(0.05, 0.10, population=2000)
    assert (short.invitations, short.reachable) == (3230, False)
    assert plan_campaign(0.05, 0.2).invitations == 1925


def test_a_tiny_population_is_surveyed_whole() -> None:
    assert required_sample_size(0.05, population=1) == 1
    assert required_sample_size(0.05, population=10) == 10


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: margin_of_error(0), "at least 1 response"),
        (lambda: margin_of_error(20, population=10), "cannot come from a population of 10"),
        (lambda: margin_of_error(10, p=1.0), "strictly between 0 and 1"),
        (lambda: margin_of_error(10, confidence=1.0), "confidence must lie"),
        (lambda: required_sample_size(0.0), "margin of error must lie"),
        (lambda: required_sample_size(0.05, population=0), "population must be at least 1"),
        (lambda: plan_campaign(0.05, 0.0), "response rate must lie"),
    ],
)
def test_impossible_inputs_get_a_clear_error(call: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()  # type: ignore[operator]
