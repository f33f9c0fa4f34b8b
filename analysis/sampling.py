"""Sampling plans for a proportion: margin of error, required sample size, invitations to send.

- Margin of error of a proportion p from n responses (normal approximation):
  e = z · √(p(1 − p)/n), times the finite-population correction √((N − n)/(N − 1)) when the
  population N is known.
- Required sample size (Cochran 1977, eq. 4.1–4.2): n₀ = z² p(1 − p) / e², and with a known
  population n = n₀ / (1 + (n₀ − 1)/N), rounded up. p = 0.5 is the conservative default (the
  largest variance). With e = 0.05 at 95 % this gives 385 for a large population and 278 for
  N = 1000, as in Krejcie & Morgan's (1970) table.
- A campaign plan divides the responses needed by the expected response rate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import stats as sps


def z_value(confidence: float) -> float:
    """Two-sided standard normal critical value, e.g. 1.959964 for 0.95."""
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence:g}")
    return float(sps.norm.ppf(0.5 + confidence / 2))


def _check_p(p: float) -> None:
    if not 0 < p < 1:
        raise ValueError(f"the expected proportion p must lie strictly between 0 and 1, got {p:g}")


def _check_population(population: int | None) -> None:
    if population is not None and population < 1:
        raise ValueError(f"the population must be at least 1, got {population}")


def margin_of_error(n: int, confidence: float = 0.95, p: float = 0.5, population: int | None = None) -> float:
    """Half-width of the confidence interval of a proportion from ``n`` responses (0.05 = ±5 points).

    Raises ValueError for n < 1 or a sample larger than the population; a census (n = N) has 0.
    """
    _check_p(p)
    _check_population(population)
    if n < 1:
        raise ValueError(f"a margin of error needs at least 1 response, got {n}")
    if population is not None and n > population:
        raise ValueError(f"{n} responses cannot come from a population of {population}")
    margin = z_value(confidence) * math.sqrt(p * (1 - p) / n)
    if population is not None:
        margin *= math.sqrt((population - n) / (population - 1)) if population > 1 else 0.0
    return margin


def required_sample_size(
    margin: float, confidence: float = 0.95, p: float = 0.5, population: int | None = None
) -> int:
    """Responses needed for a margin of error of ``margin`` (Cochran), rounded up; never above N."""
    _check_p(p)
    _check_population(population)
    if not 0 < margin < 1:
        raise ValueError(f"the margin of error must lie strictly between 0 and 1, got {margin:g}")
    n0 = z_value(confidence) ** 2 * p * (1 - p) / margin**2
    if population is None:
        return math.ceil(n0)
    # Rounding noise must not turn an exact 80.0 into 81.
    return min(math.ceil(round(n0 / (1 + (n0 - 1) / population), 9)), population)


@dataclass(frozen=True)
class CampaignPlan:
    """How many responses a target margin needs and how many customers to invite for them."""

    margin: float
    confidence: float
    response_rate: float
    population: int | None
    responses: int
    invitations: int

    @property
    def reachable(self) -> bool:
        """False when the population is too small to yield the responses at this response rate."""
        return self.population is None or self.invitations <= self.population


def plan_campaign(
    margin: float,
    response_rate: float,
    confidence: float = 0.95,
    p: float = 0.5,
    population: int | None = None,
) -> CampaignPlan:
    """Responses needed for ``margin`` and invitations = ⌈responses / response_rate⌉."""
    if not 0 < response_rate <= 1:
        raise ValueError(f"the expected response rate must lie in (0, 1], got {response_rate:g}")
    needed = required_sample_size(margin, confidence, p, population)
    return CampaignPlan(
        margin=margin,
        confidence=confidence,
        response_rate=response_rate,
        population=population,
        responses=needed,
        invitations=math.ceil(round(needed / response_rate, 9)),
    )
